from django.contrib import admin

from . import services
from .models import PersonAssessment, ScoreWeight


@admin.register(ScoreWeight)
class ScoreWeightAdmin(admin.ModelAdmin):
    """考评权重: set by the system administrator (R37)."""

    list_display = ["component", "weight", "penalty", "updated_at"]
    list_editable = ["weight", "penalty"]

    def save_model(self, request, obj, form, change):
        # Through the service: audited, and the stored rankings are recomputed.
        services.weight_set(actor=request.user, component=obj.component, weight=obj.weight, penalty=obj.penalty)


@admin.register(PersonAssessment)
class PersonAssessmentAdmin(admin.ModelAdmin):
    list_display = ["user", "month", "de", "neng", "qin", "lian", "assessor", "updated_at"]
    list_filter = ["month"]
    raw_id_fields = ["user", "assessor"]
