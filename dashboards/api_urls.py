"""/api/v1/dashboards/ endpoints."""

urlpatterns: list = []
