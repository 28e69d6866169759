from django.contrib import admin

from .models import AccountabilityCase, Bulletin, CaseStatement, Complaint, ComplaintReview, IntakeChannel


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
    list_display = ["number", "source", "unit", "person", "status", "decision"]
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
