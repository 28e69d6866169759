"""/api/v1/accountability/ endpoints."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("complaints", api.ComplaintViewSet, basename="acc-complaint")
router.register("cases", api.CaseViewSet, basename="acc-case")
router.register("bulletins", api.BulletinViewSet, basename="acc-bulletin")

urlpatterns = [path("", include(router.urls))]
