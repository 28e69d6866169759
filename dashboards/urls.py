"""Pages of dashboards."""

app_name = "dashboards"
urlpatterns: list = []
