from django.contrib import admin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from efficiency.admin import SYS, ReadOnlyAdmin, RoleAdmin

from . import services
from .models import AnnualParameter, PersonAssessment, ScorecardPublication, ScoreWeight


@admin.register(ScoreWeight)
class ScoreWeightAdmin(RoleAdmin):
    """考评权重: set by the system administrator (R37)."""

    change_roles = SYS
    list_display = ["component", "weight", "penalty", "updated_at"]
    list_editable = ["weight", "penalty"]

    def has_delete_permission(self, request, obj=None):
        return False  # a deleted row would fall back to the default without re-scoring

    def save_model(self, request, obj, form, change):
        # Through the service: audited, and the stored rankings are recomputed (published
        # months excepted).
        services.weight_set(actor=request.user, component=obj.component, weight=obj.weight, penalty=obj.penalty)


@admin.register(PersonAssessment)
class PersonAssessmentAdmin(admin.ModelAdmin):
    list_display = ["user", "month", "de", "neng", "qin", "lian", "assessor", "updated_at"]
    list_filter = ["month"]
    raw_id_fields = ["user", "assessor"]


@admin.register(ScorecardPublication)
class ScorecardPublicationAdmin(ReadOnlyAdmin):
    """月度考评发布: the system administrator's way in from the admin index to the page where a
    published month is re-opened (with a reason, through the service)."""

    view_roles = SYS
    list_display = ["month", "published_at", "published_by", "unit_count", "reopened_at", "reopened_by"]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            return super().changelist_view(request, extra_context)
        return redirect("dashboards:publications")


@admin.register(AnnualParameter)
class AnnualParameterAdmin(RoleAdmin):
    """年度考核参数 (R47, R48): weights, deductions and grade lines — 本地默认 (种子未规定); a
    parameter without a row keeps its default (`dashboards.annual.DEFAULTS`)."""

    change_roles = SYS
    list_display = ["code", "value", "updated_at"]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class Checked(form):
            def clean(self):
                data = super().clean()
                if data.get("code") or self.instance.code:
                    try:
                        services.annual_parameter_check(data.get("code") or self.instance.code, data.get("value"))
                    except ValidationError as exc:
                        raise ValidationError(exc.messages) from None
                return data

        return Checked

    def save_model(self, request, obj, form, change):
        # Through the service: validated (优秀 ≥ 良好 ≥ 合格) and audited.
        services.annual_parameter_set(actor=request.user, code=obj.code, value=obj.value)
