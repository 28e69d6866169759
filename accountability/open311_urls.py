"""Open311 GeoReport v2, mounted at /open311/v2/: every path ends in .json or .xml (another
format is a 404 in the specification's error format)."""

from django.urls import re_path

from . import open311_views as views

FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="open311-discovery"),
    re_path(r"^services" + FMT, views.service_list, name="open311-services"),
    re_path(r"^services/(?P<code>[^/]{1,64})" + FMT, views.service_definition, name="open311-service"),
    re_path(r"^requests" + FMT, views.requests, name="open311-requests"),
    re_path(r"^requests/(?P<number>[^/]{1,40})" + FMT, views.request_detail, name="open311-request"),
    re_path(r"^tokens/(?P<token>[^/]{1,40})" + FMT, views.token, name="open311-token"),
]
