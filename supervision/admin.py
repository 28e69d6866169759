from django.contrib import admin

from .models import (
    Assignment, AssignmentTarget, Consultation, ConsultationOpinion, Coordination, ExecutionReport, HardProblem,
    InternalProcedure, KeyProject, KeyTask, KeyTaskList, PauseRequest, PolicyDocument, ProblemMilestone, ProgressReport,
    ProjectProcedure, ServiceTeam, TaskNode,
)


class ReadOnly(admin.ModelAdmin):
    """Business rows change only through services; the admin is for looking."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model, cols in (
    (KeyTaskList, ("year", "title", "lag_margin")),
    (KeyTask, ("number", "title", "unit", "progress", "due_at", "clock_state", "breach_level")),
    (TaskNode, ("title", "task", "unit", "due_at", "clock_state")),
    (ProgressReport, ("task", "percent", "reported_at", "was_late")),
    (Assignment, ("number", "kind", "title", "status", "created_at")),
    (AssignmentTarget, ("assignment", "unit", "status", "due_at", "breach_level", "urge_count")),
    (Coordination, ("assignment", "unit", "raised_at", "decided_at", "reassign_mode", "reassigned_to")),
    (PauseRequest, ("target", "reason", "status", "requested_at", "decided_at", "resumed_at", "credit")),
    (PolicyDocument, ("number", "title", "issuer", "issued_on", "unit", "in_force")),
    (ExecutionReport, ("document", "year", "unit", "due_at", "filed_at", "breach_level")),
    (Consultation, ("assignment", "unit", "subject", "stage", "opened_at", "decided_at")),
    (ConsultationOpinion, ("consultation", "unit", "stage", "stance", "new_principle", "signed_by", "signed_at")),
    (InternalProcedure, ("unit", "kind", "title", "published_at")),
    (KeyProject, ("number", "name", "enterprise", "unit", "status", "registered_at")),
    (ServiceTeam, ("project", "leader", "leader_rank", "formed_at")),
    (ProjectProcedure, ("title", "project", "kind", "unit", "status", "due_at", "clock_state", "zero_contact")),
    (HardProblem, ("number", "title", "region", "leader", "unit", "status")),
    (ProblemMilestone, ("title", "problem", "deadline", "unit", "owner", "status", "clock_state")),
):
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnly,), {"list_display": cols}))
