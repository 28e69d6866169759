"""Admin: the service catalog for the system administrator; applications are read in the app
(三员分立: administrators do not handle cases)."""

from django.contrib import admin

from efficiency.audit import audit_record, snapshot

from .models import Material, ServiceItem, ServiceStep


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 1


class ServiceStepInline(admin.TabularInline):
    """Shown, not edited here: steps are set through `services.item_steps_set` (the staff page
    办理环节), which refuses a step without its limit, leader or handler (R61)."""

    model = ServiceStep
    extra = 0
    can_delete = False
    fields = readonly_fields = ["order", "name", "limit_days", "leader", "handler"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "legal_limit", "committed_limit", "deemed_approval", "one_visit",
                    "is_published"]
    list_filter = ["deemed_approval", "one_visit", "is_published", "unit"]
    search_fields = ["code", "name"]
    inlines = [MaterialInline, ServiceStepInline]
    filter_horizontal = ["joint_units"]

    def save_model(self, request, obj, form, change):
        # The model's clean() has refused a committed limit above the legal one (R16).
        super().save_model(request, obj, form, change)
        audit_record("appr.item_save", actor=request.user, obj=obj, summary=obj.name[:200], request=request,
                     after=snapshot(obj, ["code", "name", "legal_limit", "committed_limit", "deemed_approval",
                                                   "pause_reasons"]))
