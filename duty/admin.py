"""Admin: read-only lists of the duty records for the office's reference (writes go through
`duty.services`, which check and audit them)."""

from django.contrib import admin

from .models import ContactPoint, ContactVisit, DutyCheck, DutyShift, Opinion, ReceptionDay


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DutyShift)
class DutyShiftAdmin(ReadOnlyAdmin):
    list_display = ["day", "unit", "officer", "leader", "standby", "phone"]
    list_filter = ["unit"]


@admin.register(DutyCheck)
class DutyCheckAdmin(ReadOnlyAdmin):
    list_display = ["called_at", "shift", "answered", "rings", "compliant", "checked_by"]
    list_filter = ["compliant"]


@admin.register(ReceptionDay)
class ReceptionDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "leader", "unit", "place", "visitors"]


@admin.register(ContactPoint)
class ContactPointAdmin(ReadOnlyAdmin):
    list_display = ["name", "leader", "unit", "is_active"]


@admin.register(ContactVisit)
class ContactVisitAdmin(ReadOnlyAdmin):
    list_display = ["visited_on", "point", "recorded_by"]


@admin.register(Opinion)
class OpinionAdmin(ReadOnlyAdmin):
    list_display = ["logged_at", "unit", "source", "status", "resolved_at"]
    list_filter = ["status", "unit"]
