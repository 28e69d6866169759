"""/api/v1/supervision/ endpoints."""

urlpatterns: list = []
