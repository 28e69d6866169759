"""The platform's URLs plus the calendar page, until efficiency/urls.py mounts it."""

from django.urls import path

from efficiency import calendar_views
from efficiency.urls import urlpatterns as platform

urlpatterns = [path("calendar/", calendar_views.calendar_page, name="calendar"), *platform]
