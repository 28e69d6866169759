"""/api/v1/ endpoints of the core (org chart, calendar, notifications)."""

urlpatterns: list = []
