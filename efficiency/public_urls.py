"""The public portal (政务公开): no login."""

urlpatterns: list = []
