"""/api/v1/inspection/ endpoints."""

urlpatterns: list = []
