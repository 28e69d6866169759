"""The public portal (政务公开): no login."""

from django.urls import path

from . import portal

urlpatterns = [
    path("public/", portal.index, name="portal"),
    path("public/calculator/", portal.calculator, name="portal_calculator"),
    path("public/units/", portal.units, name="portal_units"),
    path("public/rankings/", portal.rankings, name="portal_rankings"),
    path("public/units/<str:code>/", portal.unit_detail, name="portal_unit"),
]
