from django.contrib import admin

from django.utils.translation import gettext_lazy as _

from .models import (
    AccountabilityCase, Bulletin, CaseStatement, Complaint, ComplaintReview, ExemptionCondition, IntakeChannel,
    MeasureAuthority,
)


LOCAL_DEFAULT = _("本地默认（种子未规定）")


@admin.register(MeasureAuthority)
class MeasureAuthorityAdmin(admin.ModelAdmin):
    """Who decides each measure: set here by the administrator (normally the 任免机关)."""

    list_display = ["kind", "body", "origin"]
    list_editable = ["body"]

    @admin.display(description=_("来源"))
    def origin(self, obj):
        return LOCAL_DEFAULT

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExemptionCondition)
class ExemptionConditionAdmin(admin.ModelAdmin):
    """Local 容错 conditions besides the 三个区分开来 (which the seeds name and are fixed)."""

    list_display = ["label", "is_active", "position", "origin"]
    list_editable = ["is_active", "position"]

    @admin.display(description=_("来源"))
    def origin(self, obj):
        return LOCAL_DEFAULT


@admin.register(IntakeChannel)
class IntakeChannelAdmin(admin.ModelAdmin):
    """Tokens are issued by `manage.py intake_channel add`; here a channel can only be switched off."""

    list_display = ["name", "is_active", "created_at"]
    fields = ["name", "is_active"]
    readonly_fields = ["name"]

    def has_add_permission(self, request):
        return False


class ReadOnly(admin.ModelAdmin):
    """Every change goes through accountability.services (events, clock, audit): read only here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnly):
    list_display = ["tracking_number", "category", "subject_unit", "unit", "status", "due_at", "is_problem"]
    list_filter = ["status", "category", "is_problem"]
    search_fields = ["tracking_number"]
    exclude = ["check_code_hash", "link_token_hash"]


@admin.register(AccountabilityCase)
class CaseAdmin(ReadOnly):
    list_display = ["number", "source", "unit", "person", "leader", "status", "decision", "decided_unit"]
    list_filter = ["status", "source", "decision"]


@admin.register(Bulletin)
class BulletinAdmin(ReadOnly):
    list_display = ["title", "kind", "status", "number", "published_at"]


@admin.register(ComplaintReview)
class ComplaintReviewAdmin(ReadOnly):
    list_display = ["complaint", "unit", "owner", "due_at", "clock_state", "breach_level", "outcome"]
    list_filter = ["clock_state", "outcome"]


@admin.register(CaseStatement)
class CaseStatementAdmin(ReadOnly):
    list_display = ["case", "due_at", "clock_state", "breach_level", "closed_at"]
    list_filter = ["clock_state"]
