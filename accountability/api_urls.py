"""/api/v1/accountability/ endpoints."""

urlpatterns: list = []
