"""/api/v1/supervision/: every action of the pages (R39 网上交办、网上监督、网上反馈)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from efficiency.api import error_response
from efficiency.parsers import JSONObjectParser
from efficiency.models import Role
from efficiency.permissions import require_role

from . import excel, filters, queries, services
from .models import (
    Assignment, AssignmentTarget, Coordination, HardProblem, KeyProject, KeyTask, KeyTaskList, TaskNode,
)
from .serializers import (
    AssignmentCreateSerializer, AssignmentDetailSerializer, AssignmentSerializer, AssignmentDispatchSerializer,
    TimelineEventSerializer, KeyTaskImportSerializer, KeyTaskSerializer, TaskNodeSerializer, CoordinationOpinionSerializer, ProgressReportSerializer,
    TargetActionSerializer, AssignmentTargetSerializer, KeyTaskListSerializer, TaskUrgeSerializer,
    CoordinationSerializer, DisputeStepSerializer, PauseRequestSerializer, ReassignSerializer, HardProblemSerializer,
    KeyProjectSerializer, MilestoneDoneSerializer, ProblemCreateSerializer, ProblemMilestoneSerializer,
    ProblemSolveSerializer, ProcedureDoneSerializer, ProjectProcedureSerializer, ProjectRegisterSerializer,
)

PARSERS = [JSONObjectParser, MultiPartParser, FormParser]


class AssignmentListView(generics.ListCreateAPIView):
    """The office's register (the overview page's): ?q=&status=&kind=&unit=&date_from=&date_to=&sort=."""

    serializer_class = AssignmentSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.AssignmentFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.none()
        return queries.assignment_list(self.request.user).prefetch_related("targets__assignment", "targets__unit")

    @extend_schema(request=AssignmentCreateSerializer, responses={201: AssignmentSerializer})
    def post(self, request):
        require_role(request.user, Role.OFFICE, message=_("只有效能办可以登记交办件。"))
        s = AssignmentCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        item = services.assignment_create(actor=request.user, **s.validated_data)
        return Response(AssignmentSerializer(item).data, status=status.HTTP_201_CREATED)


class AssignmentDetailView(APIView):
    serializer_class = AssignmentDetailSerializer

    @extend_schema(responses=AssignmentDetailSerializer)
    def get(self, request, pk):
        item = queries.access_assignment(request.user, pk, request=request)
        data = AssignmentDetailSerializer(item).data
        data["timeline"] = TimelineEventSerializer(queries.assignment_timeline(item), many=True).data
        return Response(data)


class DispatchView(APIView):
    serializer_class = AssignmentDispatchSerializer

    @extend_schema(request=AssignmentDispatchSerializer, responses=AssignmentTargetSerializer(many=True))
    def post(self, request, pk):
        item = queries.access_assignment(request.user, pk, request=request)
        s = AssignmentDispatchSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        targets = services.assignment_dispatch(actor=request.user, assignment=item, **s.validated_data)
        return Response(AssignmentTargetSerializer(targets, many=True).data)


class CoordinateView(APIView):
    """GET: the dispute and its step on the R43 path; POST: the office's coordination opinion
    (only once the lead unit has recorded that it could not settle it)."""

    serializer_class = CoordinationOpinionSerializer

    @extend_schema(responses=CoordinationSerializer)
    def get(self, request, pk, cpk):
        item = queries.access_assignment(request.user, pk, request=request)
        return Response(CoordinationSerializer(get_object_or_404(Coordination, pk=cpk, assignment=item)).data)

    @extend_schema(request=CoordinationOpinionSerializer, responses=CoordinationSerializer)
    def post(self, request, pk, cpk):
        item = queries.access_assignment(request.user, pk, request=request)
        c = get_object_or_404(Coordination, pk=cpk, assignment=item)
        s = CoordinationOpinionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        c = services.dispute_coordinate(actor=request.user, coordination=c, **s.validated_data)
        return Response(CoordinationSerializer(c).data)


class CoordinationStepView(APIView):
    """R43 (2019 意见 (九)) — POST /assignments/{id}/coordinations/{cid}/{step}/ with step one of
    `settle` / `escalate` (the lead unit's head: settled there, or truly not, then up to the
    government office), `refer` (the office: its preferred opinion to the government leader),
    `decide` (the leader). Same services and permissions as the page: a step out of turn is a
    400, by the wrong person a 403, on an item outside the caller's scope a 404."""

    serializer_class = DisputeStepSerializer

    @extend_schema(request=DisputeStepSerializer, responses=CoordinationSerializer,
                   operation_id="v1_supervision_assignments_coordinations_step")
    def post(self, request, pk, cpk, step):
        if step not in services.DISPUTE_STEPS:
            raise Http404
        item = queries.access_assignment(request.user, pk, request=request)
        c = get_object_or_404(Coordination, pk=cpk, assignment=item)
        s = DisputeStepSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        c = services.dispute_step(actor=request.user, coordination=c, step=step, **s.validated_data)
        return Response(CoordinationSerializer(c).data)


class ReassignView(APIView):
    """Act on a recorded coordination opinion, once: 转办 (`transfer`) or 调整牵头 (`lead`)."""

    serializer_class = ReassignSerializer

    @extend_schema(request=ReassignSerializer, responses=CoordinationSerializer)
    def post(self, request, pk, cpk):
        item = queries.access_assignment(request.user, pk, request=request)
        c = get_object_or_404(Coordination, pk=cpk, assignment=item)
        s = ReassignSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        c = services.coordination_reassign(actor=request.user, coordination=c, **s.validated_data)
        return Response(CoordinationSerializer(c).data)


class TargetListView(generics.ListAPIView):
    """The work list, filtered as its page (supervision.filters.TargetFilter): ?q=&status=&kind=&unit=
    &window=overdue|3|7|30&rung=1…5&owner=&date_from=&date_to=&sort=, by due date unless sorted."""

    serializer_class = AssignmentTargetSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.TargetFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AssignmentTarget.objects.none()
        return queries.target_list(self.request.user)


ACTIONS = {
    "acknowledge": lambda u, t, d: services.target_acknowledge(actor=u, target=t, note=d["note"]),
    "deploy": lambda u, t, d: services.target_deploy(actor=u, target=t, note=d["note"]),
    "feedback": lambda u, t, d: services.target_feedback(actor=u, target=t, text=d["text"], evidence=d["evidence"]),
    "return": lambda u, t, d: services.target_return(actor=u, target=t, reason=d["reason"]),
    "close": lambda u, t, d: services.target_close(actor=u, target=t, note=d["note"], reply=d["reply"]),
    "urge": lambda u, t, d: services.target_urge(actor=u, target=t, message=d["message"]),
    "dispute": lambda u, t, d: services.dispute_raise(actor=u, target=t, reason=d["reason"]),
    "extend": lambda u, t, d: services.target_extend(actor=u, target=t, value=d["value"], reason=d["reason"]),
    "pause-request": lambda u, t, d: services.pause_request(actor=u, target=t, reason=d["pause_reason"],
                                                            explanation=d["explanation"]),
    "pause-approve": lambda u, t, d: services.pause_approve(actor=u, target=t, note=d["note"]),
    "pause-refuse": lambda u, t, d: services.pause_refuse(actor=u, target=t, reason=d["reason"]),
    "pause-gone": lambda u, t, d: services.pause_report_gone(actor=u, target=t, note=d["note"]),
    "pause-resume": lambda u, t, d: services.pause_resume(actor=u, target=t, note=d["note"]),
}
# What only the target's own unit may ask for: a co-unit that sees the item gets 404, as an outsider.
OWN_UNIT_ACTIONS = ("pause-request", "pause-gone")


class TargetDetailView(APIView):
    serializer_class = AssignmentTargetSerializer

    @extend_schema(responses=AssignmentTargetSerializer)
    def get(self, request, pk):
        target = queries.access_target(request.user, pk, request=request)
        data = AssignmentTargetSerializer(target).data
        data["actions"] = services.target_actions(request.user, target)
        data["pause_requests"] = PauseRequestSerializer(target.pause_requests.all(), many=True).data
        return Response(data)


class TargetActionView(APIView):
    """POST /targets/{id}/{action}/ with action one of acknowledge, deploy, feedback, return,
    close, urge, dispute, extend, pause-request, pause-approve, pause-refuse, pause-gone, pause-resume."""

    serializer_class = TargetActionSerializer
    parser_classes = PARSERS

    @extend_schema(request=TargetActionSerializer, responses=AssignmentTargetSerializer)
    def post(self, request, pk, action):
        if action not in ACTIONS:
            raise Http404
        access = queries.access_own_target if action in OWN_UNIT_ACTIONS else queries.access_target
        target = access(request.user, pk, request=request)
        s = TargetActionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        ACTIONS[action](request.user, target, s.validated_data)
        target = queries.access_target(request.user, pk)
        return Response(AssignmentTargetSerializer(target).data)


class OverviewView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        if request.user.role not in (Role.OFFICE, Role.LEADER):
            raise Http404
        return Response({"units": queries.overview()})


# --- key tasks --------------------------------------------------------------------------------


class TaskListListView(generics.ListCreateAPIView):
    serializer_class = KeyTaskListSerializer
    queryset = KeyTaskList.objects.all()
    filter_backends: list = []

    def get_queryset(self):
        return queries.task_lists(self.request.user)

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.tasklist_create(actor=self.request.user, year=d["year"],
                                                       title=d.get("title", ""), lag_margin=d.get("lag_margin", 20))


class TaskListTasksView(generics.ListAPIView):
    """The year's tasks, filtered as the list page (supervision.filters.KeyTaskFilter)."""

    serializer_class = KeyTaskSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.KeyTaskFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return KeyTask.objects.none()
        tl = get_object_or_404(queries.task_lists(self.request.user), year=self.kwargs["year"])
        return queries.tasks_of(self.request.user, tl)


class TaskImportView(APIView):
    """All or nothing: 400 with {"error": {..., "fields": {"rows": [{"row", "message"}]}}}."""

    serializer_class = KeyTaskImportSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=KeyTaskImportSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request, year):
        if request.user.role != Role.OFFICE:
            raise Http404
        tl = get_object_or_404(queries.task_lists(request.user), year=year)
        s = KeyTaskImportSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        result = excel.import_xlsx(actor=request.user, task_list=tl, data=s.validated_data["file"])
        if not result.ok:
            rows = [{"row": n, "message": m} for n, m in result.errors]
            lines = (_("第 %(row)s 行：%(message)s") % {"row": n, "message": m} for n, m in result.errors)
            return error_response("；".join(lines),
                                  fields={"rows": rows})
        return Response({"created": result.created, "updated": result.updated, "unchanged": result.unchanged})


class TaskExportView(APIView):
    @extend_schema(responses={(200, excel.XLSX): OpenApiTypes.BINARY})
    def get(self, request, year):
        tl = get_object_or_404(queries.task_lists(request.user), year=year)
        response = HttpResponse(excel.export_xlsx(tl, queries.tasks_of(request.user, tl)), content_type=excel.XLSX)
        response["Content-Disposition"] = f'attachment; filename="key-tasks-{year}.xlsx"'
        return response


class TaskDetailView(APIView):
    serializer_class = KeyTaskSerializer

    @extend_schema(responses=KeyTaskSerializer)
    def get(self, request, pk):
        task = queries.access_task(request.user, pk, request=request)
        data = KeyTaskSerializer(task).data
        data["lag"] = queries.lag_of(task)
        data["reports"] = ProgressReportSerializer(task.reports.all(), many=True).data
        data["timeline"] = TimelineEventSerializer(queries.task_timeline(task), many=True).data
        return Response(data)


class TaskReportView(APIView):
    serializer_class = ProgressReportSerializer
    parser_classes = PARSERS

    @extend_schema(request=ProgressReportSerializer, responses={201: ProgressReportSerializer})
    def post(self, request, pk):
        task = queries.access_task(request.user, pk, request=request)
        s = ProgressReportSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        report = services.progress_report(actor=request.user, task=task, **s.validated_data)
        return Response(ProgressReportSerializer(report).data, status=status.HTTP_201_CREATED)


class TaskNodeView(APIView):
    serializer_class = TaskNodeSerializer

    @extend_schema(request=TaskNodeSerializer, responses={201: TaskNodeSerializer})
    def post(self, request, pk):
        task = queries.access_task(request.user, pk, request=request)
        s = TaskNodeSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        node = services.node_create(actor=request.user, task=task, **s.validated_data)
        return Response(TaskNodeSerializer(node).data, status=status.HTTP_201_CREATED)


class NodeCompleteView(APIView):
    serializer_class = TaskNodeSerializer

    @extend_schema(request=None, responses=TaskNodeSerializer)
    def post(self, request, pk):
        node = get_object_or_404(TaskNode, pk=pk)
        queries.access_task(request.user, node.task_id, request=request)
        node = services.node_complete(actor=request.user, node=node)
        return Response(TaskNodeSerializer(node).data)


class TaskUrgeView(APIView):
    serializer_class = TaskUrgeSerializer

    @extend_schema(request=TaskUrgeSerializer,
                   responses=inline_serializer("TaskUrged", {"urge_count": serializers.IntegerField()}))
    def post(self, request, pk):
        task = queries.access_task(request.user, pk, request=request)
        s = TaskUrgeSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        task = services.keytask_urge(actor=request.user, task=task, message=s.validated_data["message"])
        return Response({"urge_count": task.urge_count})


# --- key projects (R51) and county hard problems (R62) ---------------------------------------------


class ProjectListView(generics.ListCreateAPIView):
    """The key projects the caller may see, newest first, paged like every ledger
    (`efficiency.listing.LedgerPagination`: `next` / `previous` cursors, `count` exact up to 1,000
    and estimated above) — no cut."""

    serializer_class = KeyProjectSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return KeyProject.objects.none()
        return queries.projects_visible(self.request.user).prefetch_related("procedures__time_rule", "team__units")

    def get(self, request, *args, **kwargs):
        require_role(request.user, Role.CLERK, Role.HEAD, Role.OFFICE, Role.LEADER)
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ProjectRegisterSerializer, responses={201: KeyProjectSerializer})
    def post(self, request):
        s = ProjectRegisterSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        project = services.project_register(actor=request.user, **s.validated_data)
        return Response(KeyProjectSerializer(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailView(APIView):
    serializer_class = KeyProjectSerializer

    @extend_schema(responses=KeyProjectSerializer)
    def get(self, request, pk):
        return Response(KeyProjectSerializer(queries.access_project(request.user, pk, request=request)).data)


class ProjectProcedureView(APIView):
    serializer_class = ProjectProcedureSerializer

    @extend_schema(request=ProjectProcedureSerializer, responses={201: ProjectProcedureSerializer})
    def post(self, request, pk):
        project = queries.access_project(request.user, pk, request=request)
        s = ProjectProcedureSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        procedure = services.procedure_add(actor=request.user, project=project, **s.validated_data)
        return Response(ProjectProcedureSerializer(procedure).data, status=status.HTTP_201_CREATED)


class ProjectCloseView(APIView):
    serializer_class = KeyProjectSerializer

    @extend_schema(request=None, responses=KeyProjectSerializer)
    def post(self, request, pk):
        project = queries.access_project(request.user, pk, request=request)
        return Response(KeyProjectSerializer(services.project_close(actor=request.user, project=project)).data)


class ProcedureDoneView(APIView):
    serializer_class = ProcedureDoneSerializer

    @extend_schema(request=ProcedureDoneSerializer, responses=ProjectProcedureSerializer)
    def post(self, request, pk):
        procedure = get_object_or_404(queries.procedures_visible(request.user), pk=pk)
        s = ProcedureDoneSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        procedure = services.procedure_complete(actor=request.user, procedure=procedure, **s.validated_data)
        return Response(ProjectProcedureSerializer(procedure).data)


class ProblemListView(generics.ListCreateAPIView):
    """The county hard problems the caller may see, newest first, paged like every ledger
    (`efficiency.listing.LedgerPagination`) — no cut."""

    serializer_class = HardProblemSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HardProblem.objects.none()
        return queries.problems_visible(self.request.user).prefetch_related("milestones", "team_units")

    def get(self, request, *args, **kwargs):
        require_role(request.user, Role.CLERK, Role.HEAD, Role.OFFICE, Role.LEADER)
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ProblemCreateSerializer, responses={201: HardProblemSerializer})
    def post(self, request):
        s = ProblemCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        problem = services.problem_create(actor=request.user, **s.validated_data)
        return Response(HardProblemSerializer(problem).data, status=status.HTTP_201_CREATED)


class ProblemDetailView(APIView):
    serializer_class = HardProblemSerializer

    @extend_schema(responses=HardProblemSerializer)
    def get(self, request, pk):
        return Response(HardProblemSerializer(queries.access_problem(request.user, pk, request=request)).data)


class ProblemSolveView(APIView):
    serializer_class = ProblemSolveSerializer

    @extend_schema(request=ProblemSolveSerializer, responses=HardProblemSerializer)
    def post(self, request, pk):
        problem = queries.access_problem(request.user, pk, request=request)
        s = ProblemSolveSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(HardProblemSerializer(services.problem_solve(actor=request.user, problem=problem,
                                                                     **s.validated_data)).data)


class MilestoneDoneView(APIView):
    serializer_class = MilestoneDoneSerializer

    @extend_schema(request=MilestoneDoneSerializer, responses=ProblemMilestoneSerializer)
    def post(self, request, pk):
        milestone = get_object_or_404(queries.milestones_visible(request.user), pk=pk)
        s = MilestoneDoneSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        milestone = services.milestone_complete(actor=request.user, milestone=milestone, **s.validated_data)
        return Response(ProblemMilestoneSerializer(milestone).data)
