"""/api/v1/approvals/ endpoints."""

urlpatterns: list = []
