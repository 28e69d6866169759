"""A deliberately unscoped view (tests/efficiency/test_rls.py): what row-level security alone gives."""

from django.http import JsonResponse
from django.urls import include, path

from tests.clocktest.models import TimedItem


def unscoped(request):
    return JsonResponse({"titles": sorted(TimedItem.objects.values_list("title", flat=True))})


urlpatterns = [
    path("rls-probe/", unscoped),
    path("public/rls-probe/", unscoped),
    path("", include("efficiency.urls")),
]
