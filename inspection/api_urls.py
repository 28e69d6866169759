"""/api/v1/inspection/ endpoints."""

from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("plans", api.PlanViewSet, basename="inspection-plan")
router.register("caps", api.CapViewSet, basename="inspection-cap")
router.register("draws", api.DrawViewSet, basename="inspection-draw")
router.register("visits", api.VisitViewSet, basename="inspection-visit")
router.register("findings", api.FindingViewSet, basename="inspection-finding")
router.register("rectifications", api.RectificationViewSet, basename="inspection-rectification")

urlpatterns = router.urls
