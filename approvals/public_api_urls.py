"""Public API (no login), mounted at /api/v1/public/applications/ (a stable interface)."""

from django.urls import path

from . import api

urlpatterns = [
    path("<str:receipt_number>/", api.PublicApplicationView.as_view(), name="approvals-public-application"),
    path("<str:receipt_number>/rating/", api.PublicRatingView.as_view(), name="approvals-public-rating"),
]
