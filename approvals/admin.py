"""Admin: the service catalog for the system administrator; applications are read in the app
(三员分立: administrators do not handle cases)."""

from django.contrib import admin

from efficiency.audit import audit_record, snapshot

from .models import Material, ServiceItem


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 1


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "legal_limit", "committed_limit", "deemed_approval", "is_published"]
    list_filter = ["deemed_approval", "is_published", "unit"]
    search_fields = ["code", "name"]
    inlines = [MaterialInline]
    filter_horizontal = ["joint_units"]

    def save_model(self, request, obj, form, change):
        # The model's clean() has refused a committed limit above the legal one (R16).
        super().save_model(request, obj, form, change)
        audit_record("appr.item_save", actor=request.user, obj=obj, summary=obj.name[:200], request=request,
                     after=snapshot(obj, ["code", "name", "legal_limit", "committed_limit", "deemed_approval",
                                                   "pause_reasons"]))
