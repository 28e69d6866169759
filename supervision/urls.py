"""Pages of supervision."""

app_name = "supervision"
urlpatterns: list = []
