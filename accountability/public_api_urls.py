"""Public API (no login), mounted at /api/v1/public/complaints/."""

from django.urls import path

from . import api

urlpatterns = [
    path("", api.PublicComplaintCreate.as_view(), name="public-complaint-create"),
    path("captcha/", api.PublicCaptcha.as_view(), name="public-complaint-captcha"),
    path("<str:tracking_number>/", api.PublicComplaintStatus.as_view(), name="public-complaint-status"),
    path("<str:tracking_number>/rate/", api.PublicComplaintRate.as_view(), name="public-complaint-rate"),
]
