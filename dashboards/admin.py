from django.contrib import admin

from .models import PersonAssessment, ScoreWeight


@admin.register(ScoreWeight)
class ScoreWeightAdmin(admin.ModelAdmin):
    """考评权重: set by the system administrator (R37)."""

    list_display = ["component", "weight", "penalty", "updated_at"]
    list_editable = ["weight", "penalty"]


@admin.register(PersonAssessment)
class PersonAssessmentAdmin(admin.ModelAdmin):
    list_display = ["user", "month", "de", "neng", "qin", "lian", "assessor", "updated_at"]
    list_filter = ["month"]
    raw_id_fields = ["user", "assessor"]
