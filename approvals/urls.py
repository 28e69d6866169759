"""Pages of approvals."""

app_name = "approvals"
urlpatterns: list = []
