"""/api/v1/duty/ endpoints."""

from django.urls import path

from . import api

urlpatterns = [
    path("units/<int:unit_id>/posts/", api.PostRegisterView.as_view(), name="duty-posts"),
    path("units/<int:unit_id>/bodies/", api.BodyDutyView.as_view(), name="duty-bodies"),
]
