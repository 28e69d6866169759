"""Pages of accountability."""

app_name = "accountability"
urlpatterns: list = []
