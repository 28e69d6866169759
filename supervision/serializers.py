from django.urls import reverse
from rest_framework import serializers

from efficiency.event_kinds import event_label, event_severity
from efficiency.models import Event, PauseReason, Region, Unit, User

from .models import (
    Assignment, AssignmentKind, AssignmentTarget, Coordination, HardProblem, KeyProject, KeyTask, KeyTaskList,
    PauseRequest, ProblemMilestone, ProgressReport, ProjectProcedure, ServiceTeam, TaskNode,
)

CLOCK = ["due_at", "clock_state", "breach_level", "colour", "card", "closed_at", "paused_at"]


class ProtectedFileField(serializers.FileField):
    """An upload written as a file, read as the address of the view that checks the reader's
    scope before serving it (never a /media/ path: nothing serves that folder)."""

    def __init__(self, *, url, **kwargs):
        self.url = url  # the stored file's model instance -> the view's path
        super().__init__(**kwargs)

    def to_representation(self, value):
        if not value:
            return None
        path = self.url(value.instance)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class TimelineEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.full_name", default=None, read_only=True)
    unit = serializers.CharField(source="unit.name", default=None, read_only=True)
    # How the event reads, from the catalogue of event kinds (efficiency.event_kinds).
    label = serializers.SerializerMethodField()
    severity = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = ["id", "at", "kind", "label", "severity", "subject_type", "subject_id", "unit", "actor",
                  "level_from", "level_to", "message"]

    def get_label(self, event) -> str:
        return event_label(event)

    def get_severity(self, event) -> str:
        return event_severity(event)


class AssignmentTargetSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    colour = serializers.CharField(read_only=True)
    card = serializers.CharField(read_only=True)
    assignment_number = serializers.CharField(source="assignment.number", read_only=True)
    assignment_title = serializers.CharField(source="assignment.title", read_only=True)
    kind = serializers.CharField(source="assignment.kind", read_only=True)
    evidence = ProtectedFileField(read_only=True, url=lambda t: reverse("supervision:target_evidence", args=[t.pk]))

    class Meta:
        model = AssignmentTarget
        fields = ["id", "assignment", "assignment_number", "assignment_title", "kind", "unit", "unit_name", "owner",
                  "is_lead", "status", "step", "reports_done", "feedback", "evidence", "return_reason",
                  "return_count", "urge_count", "assigned_at", "deadline", "transferred_from", "transferred_to",
                  *CLOCK]


class CoordinationSerializer(serializers.ModelSerializer):
    """A dispute and where it is on the R43 path: `status` lead (the lead unit coordinates) →
    settled, or office (the government office) → leader (referred with a preferred opinion) →
    decided (the coordination opinion)."""

    # A plain string here, so the schema has one enum for the mode (ReassignSerializer's).
    reassign_mode = serializers.CharField(read_only=True, help_text="transfer, lead, or empty (not reassigned)")
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Coordination
        fields = ["id", "assignment", "unit", "reason", "raised_by", "raised_at", "status", "status_display",
                  "lead_note", "lead_by", "lead_at", "preferred_opinion", "referred_by", "referred_at", "opinion",
                  "decided_by", "decided_at", "reassign_mode", "reassigned_to", "reassigned_at"]


class DisputeStepSerializer(serializers.Serializer):
    """R43, one step of the dispute path; the text the step records: `settle` / `escalate` (the
    lead unit's head) `note`, how the lead unit coordinated; `refer` (the office)
    `preferred_opinion` (倾向性意见); `decide` (the government leader) `opinion`."""

    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="settle / escalate：牵头单位协调情况")
    preferred_opinion = serializers.CharField(required=False, allow_blank=True, default="",
                                              help_text="refer：报政府领导的倾向性意见")
    opinion = serializers.CharField(required=False, allow_blank=True, default="", help_text="decide：政府领导的协调意见")


class PauseRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = PauseRequest
        fields = ["id", "target", "reason", "explanation", "status", "requested_by", "requested_at", "decided_by",
                  "decided_at", "decision_note", "gone_reported_by", "gone_reported_at", "gone_note", "resumed_by",
                  "resumed_at", "credit", "credit_unit"]


class AssignmentSerializer(serializers.ModelSerializer):
    colour = serializers.CharField(read_only=True)
    card = serializers.CharField(read_only=True)
    targets = AssignmentTargetSerializer(many=True, read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "number", "kind", "title", "source_text", "issuing_leader", "deadline", "unit", "status",
                  "reply", "reply_text", "created_at", "targets", *CLOCK]


class AssignmentDetailSerializer(AssignmentSerializer):
    coordinations = CoordinationSerializer(many=True, read_only=True)

    class Meta(AssignmentSerializer.Meta):
        fields = [*AssignmentSerializer.Meta.fields, "coordinations"]


class AssignmentCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AssignmentKind.choices)
    title = serializers.CharField(max_length=200)
    source_text = serializers.CharField()
    issuing_leader = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    lead_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True), required=False,
                                                   allow_null=True, default=None)
    co_units = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True), many=True,
                                                  required=False, default=list)
    lead_owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False,
                                                    allow_null=True, default=None)


class AssignmentDispatchSerializer(serializers.Serializer):
    lead_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True))
    co_units = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True), many=True,
                                                  required=False, default=list)
    lead_owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False,
                                                    allow_null=True, default=None)


class TargetActionSerializer(serializers.Serializer):
    """Fields by action: deploy `note`; feedback `text` (+ `evidence` file); return/dispute
    `reason`; close `note` (+ `reply` for a policy difficulty); urge `message`; extend `value` + `reason`;
    pause-request `pause_reason` + `explanation`; pause-approve, pause-gone, pause-resume `note`;
    pause-refuse `reason`."""

    note = serializers.CharField(required=False, allow_blank=True, default="")
    text = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    message = serializers.CharField(required=False, allow_blank=True, default="")
    reply = serializers.ChoiceField(choices=Assignment.Reply.choices, required=False, allow_blank=True, default="")
    evidence = serializers.FileField(required=False, allow_null=True, default=None)
    value = serializers.IntegerField(required=False, min_value=1, max_value=60, default=None,
                                     help_text="extend: working days (hours for a 24-hour rule)")
    pause_reason = serializers.ChoiceField(choices=PauseReason.choices, required=False, allow_blank=True, default="",
                                           help_text="pause-request: one of the core's pause reasons")
    explanation = serializers.CharField(required=False, allow_blank=True, default="")


class ReassignSerializer(serializers.Serializer):
    """Acting on a coordination opinion: `transfer` the disputing unit's part to `to_unit`, or make
    the co-unit `to_unit` the `lead`."""

    to_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True))
    mode = serializers.ChoiceField(choices=Coordination.Reassign.choices, default=Coordination.Reassign.TRANSFER)


class CoordinationOpinionSerializer(serializers.Serializer):
    """The opinion; with `reassign_to` the office acts on it in the same step (both or neither)."""

    opinion = serializers.CharField()
    reassign_to = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True), required=False,
                                                     allow_null=True, default=None)
    mode = serializers.ChoiceField(choices=Coordination.Reassign.choices, default=Coordination.Reassign.TRANSFER)


class KeyTaskListSerializer(serializers.ModelSerializer):
    class Meta:
        model = KeyTaskList
        fields = ["id", "year", "title", "issued_at", "lag_margin"]
        read_only_fields = ["issued_at"]


class TaskNodeSerializer(serializers.ModelSerializer):
    colour = serializers.CharField(read_only=True)

    class Meta:
        model = TaskNode
        fields = ["id", "task", "parent", "kind", "title", "unit", "post", "owner", "deadline", *CLOCK]
        read_only_fields = ["task", *CLOCK]


class KeyTaskSerializer(serializers.ModelSerializer):
    colour = serializers.CharField(read_only=True)
    card = serializers.CharField(read_only=True)
    lag = serializers.IntegerField(read_only=True, required=False)
    nodes = TaskNodeSerializer(many=True, read_only=True)
    next_report_due = serializers.DateTimeField(source="report_due.due_at", read_only=True, default=None)

    class Meta:
        model = KeyTask
        fields = ["id", "task_list", "number", "title", "goal", "standard", "unit", "co_units", "leader_name",
                  "principal", "deputy", "owner", "deadline", "report_cycle", "progress", "reported_at", "urge_count", "lag",
                  "next_report_due", "nodes", *CLOCK]


class ProgressReportSerializer(serializers.ModelSerializer):
    attachment = ProtectedFileField(required=False, url=lambda r: reverse("supervision:report_attachment",
                                                                          args=[r.task_id, r.pk]))

    class Meta:
        model = ProgressReport
        fields = ["id", "task", "percent", "narrative", "attachment", "reported_by", "reported_at", "was_late"]
        read_only_fields = ["task", "reported_by", "reported_at", "was_late"]


class KeyTaskImportSerializer(serializers.Serializer):
    file = serializers.FileField()


class TaskUrgeSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, default="")




# --- key projects (R51) and county hard problems (R62) ---------------------------------------------

PEOPLE = User.objects.filter(is_active=True)
UNITS = Unit.objects.filter(is_active=True)


class ProjectProcedureSerializer(serializers.ModelSerializer):
    colour = serializers.CharField(read_only=True)
    local_default = serializers.BooleanField(source="time_rule.local_default", read_only=True, default=False)

    class Meta:
        model = ProjectProcedure
        fields = ["id", "project", "kind", "title", "unit", "owner", "deadline", "status", "result", "zero_contact",
                  "contact_note", "local_default", *CLOCK]
        read_only_fields = ["project", "status", "result", "zero_contact", "contact_note", *CLOCK]
        extra_kwargs = {"unit": {"queryset": UNITS}, "owner": {"queryset": PEOPLE}}


class ServiceTeamSerializer(serializers.ModelSerializer):
    leader_name = serializers.CharField(source="leader.full_name", read_only=True)

    class Meta:
        model = ServiceTeam
        fields = ["leader", "leader_name", "leader_rank", "units", "formed_at"]


class KeyProjectSerializer(serializers.ModelSerializer):
    team = ServiceTeamSerializer(read_only=True)
    procedures = ProjectProcedureSerializer(many=True, read_only=True)

    class Meta:
        model = KeyProject
        fields = ["id", "number", "name", "enterprise", "enterprise_contact", "investment", "unit", "status",
                  "registered_at", "finished_at", "team", "procedures"]


class ProjectRegisterSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    enterprise = serializers.CharField(max_length=200)
    enterprise_contact = serializers.CharField(max_length=100)
    investment = serializers.DecimalField(max_digits=14, decimal_places=2)
    leader = serializers.PrimaryKeyRelatedField(queryset=PEOPLE)
    units = serializers.PrimaryKeyRelatedField(queryset=UNITS, many=True)


class ProcedureDoneSerializer(serializers.Serializer):
    result = serializers.CharField()
    zero_contact = serializers.BooleanField()
    contact_note = serializers.CharField(required=False, allow_blank=True, default="")


class ProblemMilestoneSerializer(serializers.ModelSerializer):
    colour = serializers.CharField(read_only=True)

    class Meta:
        model = ProblemMilestone
        fields = ["id", "title", "deadline", "requirements", "unit", "owner", "status", "result", *CLOCK]
        read_only_fields = ["status", "result", *CLOCK]
        extra_kwargs = {"unit": {"queryset": UNITS}, "owner": {"queryset": PEOPLE}}


class HardProblemSerializer(serializers.ModelSerializer):
    milestones = ProblemMilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = HardProblem
        fields = ["id", "number", "title", "description", "region", "plan", "leader", "unit", "team_units", "status",
                  "created_at", "solved_at", "milestones"]


class ProblemCreateSerializer(serializers.Serializer):
    """One plan, one leader, one team (a lead unit and its members), a schedule (R62)."""

    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all())
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    plan = serializers.CharField()
    leader = serializers.PrimaryKeyRelatedField(queryset=PEOPLE)
    unit = serializers.PrimaryKeyRelatedField(queryset=UNITS)
    team_units = serializers.PrimaryKeyRelatedField(queryset=UNITS, many=True, required=False, default=list)
    milestones = ProblemMilestoneSerializer(many=True)


class MilestoneDoneSerializer(serializers.Serializer):
    result = serializers.CharField()


class ProblemSolveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
