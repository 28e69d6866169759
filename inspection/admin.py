"""Read-only admin views: every write goes through inspection.services."""

from django.contrib import admin

from .models import Draw, Finding, InspectionCap, InspectionPlan, PlanOverride, Rectification, Visit


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InspectionCap)
class CapAdmin(ReadOnly):
    list_display = ["issuing_unit", "year", "base_2018", "cap", "set_by", "set_at"]


@admin.register(InspectionPlan)
class PlanAdmin(ReadOnly):
    list_display = ["topic", "method", "issuing_unit", "start_date", "sample_size", "status", "closed_on"]
    list_filter = ["status", "method"]


@admin.register(PlanOverride)
class OverrideAdmin(ReadOnly):
    list_display = ["plan", "kind", "approved_by", "approved_at"]


@admin.register(Draw)
class DrawAdmin(ReadOnly):
    list_display = ["plan", "seed", "algorithm", "drawn_by", "drawn_at", "published_at"]


@admin.register(Visit)
class VisitAdmin(ReadOnly):
    list_display = ["unit", "kind", "visited_on", "status"]


@admin.register(Finding)
class FindingAdmin(ReadOnly):
    list_display = ["title", "unit", "feedback_date", "rectify_days"]


@admin.register(Rectification)
class RectificationAdmin(ReadOnly):
    list_display = ["finding", "unit", "status", "due_at", "clock_state", "breach_level"]
