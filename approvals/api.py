"""REST API of the approvals app (/api/v1/approvals/) and the public lookup
(/api/v1/public/applications/{receipt_number}/?code=…). Views parse, check access and call
services; errors use the core's body format."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions as drf_permissions
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from efficiency.api import KeepsSessionUser, error_response
from efficiency.models import Unit, User

from . import filters, public, queries, serializers as s, services
from .models import Material, ServiceItem


class ItemListView(APIView):
    """The published service catalog (no login); POST creates an item (unit head or office)."""

    serializer_class = s.ServiceItemSerializer
    permission_classes = [drf_permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(operation_id="approvals_items_list", responses=s.ServiceItemSerializer(many=True))
    def get(self, request):
        return Response(s.ServiceItemSerializer(queries.item_catalog(), many=True).data)

    @extend_schema(request=s.ServiceItemWriteSerializer, responses={201: s.ServiceItemSerializer})
    def post(self, request):
        data = _valid(s.ServiceItemWriteSerializer, request)
        unit = request.user.unit
        if request.data.get("unit"):
            if not str(request.data["unit"]).isdigit():  # "unit": "abc" was a 500
                return error_response(_("单位编号须为整数。"), fields={"unit": [_("单位编号须为整数。")]})
            unit = get_object_or_404(Unit, pk=request.data["unit"])
        if unit is None:
            raise Http404
        item = services.item_save(actor=request.user, unit=unit, **_item_kwargs(data))
        return Response(s.ServiceItemSerializer(item).data, status=status.HTTP_201_CREATED)


class ItemDetailView(APIView):
    serializer_class = s.ServiceItemSerializer
    permission_classes = [drf_permissions.IsAuthenticatedOrReadOnly]

    def get(self, request, pk):
        return Response(s.ServiceItemSerializer(get_object_or_404(queries.item_catalog(), pk=pk)).data)

    @extend_schema(request=s.ServiceItemWriteSerializer, responses=s.ServiceItemSerializer)
    def put(self, request, pk):
        item = get_object_or_404(ServiceItem, pk=pk)
        if not services.can_edit_items(request.user, item.unit):
            raise Http404
        data = _valid(s.ServiceItemWriteSerializer, request)
        item = services.item_save(actor=request.user, unit=item.unit, item=item, **_item_kwargs(data))
        return Response(s.ServiceItemSerializer(item).data)


def _item_kwargs(data: dict) -> dict:
    data = dict(data)
    joint = data.pop("joint_unit_ids", None)
    if joint is not None:
        data["joint_units"] = list(Unit.objects.filter(pk__in=joint))
    return data


def _valid(serializer_class, request) -> dict:
    ser = serializer_class(data=request.data)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


class ApplicationListView(ListAPIView):
    """The applications the user may see; POST is the window's intake (受理登记)."""

    serializer_class = s.ApplicationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.ApplicationFilter  # the list page's: ?q=&status=&unit=&window=&rung=&date_from=…

    def get_queryset(self):
        return queries.applications_visible(self.request.user).prefetch_related(
            "steps__unit").order_by("due_at", "-received_at")

    @extend_schema(request=s.ReceiveSerializer, responses={201: s.ReceivedSerializer})
    def post(self, request):
        data = _valid(s.ReceiveSerializer, request)
        # The unit's own items; at a 政务服务中心 window, any department's it may take in (综合窗口).
        item = get_object_or_404(queries.window_items(request.user), pk=data.pop("item"))
        materials = list(Material.objects.filter(item=item, pk__in=data.pop("material_ids")))
        app, code = services.application_receive(actor=request.user, item=item, materials=materials, **data)
        return Response({"application": s.ApplicationSerializer(app).data, "check_code": code},
                        status=status.HTTP_201_CREATED)


class ApplicationDetailView(APIView):
    serializer_class = s.ApplicationSerializer

    def get(self, request, pk):
        return Response(s.ApplicationSerializer(queries.access_application(request.user, pk, request=request)).data)


class _ApplicationAction(APIView):
    """POST an action on one application; the body's serializer is `request_serializer`."""

    serializer_class = s.ApplicationSerializer
    request_serializer = s.ApprovalEmptySerializer

    def run(self, request, app, data):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, pk):
        app = queries.access_application(request.user, pk, request=request)
        data = _valid(self.request_serializer, request)
        result = self.run(request, app, data)
        app = queries.access_application(request.user, pk)
        body = s.ApplicationSerializer(app).data
        if isinstance(result, tuple):
            body = {"application": body, "check_code": result[1]}
        return Response(body)


def _action(name, request_serializer, run, doc):
    view = type(name, (_ApplicationAction,), {"request_serializer": request_serializer, "run": run, "__doc__": doc})
    return extend_schema(request=request_serializer, responses=s.ApplicationSerializer)(view)


NoticeView = _action("NoticeView", s.ApprovalEmptySerializer, lambda self, r, app, d: services.application_issue_notice(
    actor=r.user, application=app), "一次性告知 (R20)")
CompleteView = _action("CompleteView", s.MaterialsSerializer, lambda self, r, app, d: services.application_complete(
    actor=r.user, application=app, materials=list(Material.objects.filter(item=app.item, pk__in=d["material_ids"]))),
    "材料补齐，受理；返回一次查询码")
DecideView = _action("DecideView", s.ApplicationDecideSerializer, lambda self, r, app, d: services.application_decide(
    actor=r.user, application=app, **d), "准予 / 不予许可")
WithdrawView = _action("WithdrawView", s.ApprovalReasonSerializer, lambda self, r, app, d: services.application_withdraw(
    actor=r.user, application=app, **d), "撤回")
PauseView = _action("PauseView", s.ApplicationPauseSerializer, lambda self, r, app, d: services.application_pause(
    actor=r.user, application=app, **d), "暂停计时 (R23)")
ResumeView = _action("ResumeView", s.ApprovalEmptySerializer, lambda self, r, app, d: services.application_resume(
    actor=r.user, application=app), "恢复计时")
ExtensionRequestView = _action("ExtensionRequestView", s.ApprovalReasonSerializer, lambda self, r, app, d:
                               services.application_request_extension(actor=r.user, application=app, **d), "申请延期")
ExtensionApproveView = _action("ExtensionApproveView", s.ApprovalEmptySerializer, lambda self, r, app, d:
                               services.application_approve_extension(actor=r.user, application=app),
                               "单位负责人批准延期 (R22)")

ReassignView = _action("ReassignView", s.ApplicationReassignSerializer, lambda self, r, app, d:
                       services.application_reassign(actor=r.user, application=app, reason=d["reason"],
                                                     to_user=User.objects.filter(pk=d["to_user"]).first()),
                       "单位负责人改派承办人（期限不变）")


class StepListView(ListAPIView):
    """Review steps my unit must answer."""

    serializer_class = s.ReviewStepSerializer

    def get_queryset(self):
        return queries.steps_for_unit(self.request.user)


class StepDecideView(APIView):
    serializer_class = s.ReviewStepSerializer

    @extend_schema(request=s.StepDecideSerializer, responses=s.ReviewStepSerializer)
    def post(self, request, pk):
        step = queries.access_step(request.user, pk, request=request)
        data = _valid(s.StepDecideSerializer, request)
        return Response(s.ReviewStepSerializer(services.step_decide(actor=request.user, step=step, **data)).data)


class FollowUpDoneView(APIView):
    serializer_class = s.FollowUpNoteSerializer

    @extend_schema(request=s.FollowUpNoteSerializer, responses=s.FollowUpNoteSerializer)
    def post(self, request, pk):
        f = queries.access_followup(request.user, pk, request=request)
        data = _valid(s.FollowUpNoteSerializer, request)
        f = services.followup_done(actor=request.user, followup=f, **data)
        return Response({"note": f.note})


class SatisfactionView(APIView):
    """R36: window-service satisfaction per unit (target ≥ 90%)."""

    serializer_class = s.SatisfactionSerializer

    @extend_schema(responses=s.SatisfactionSerializer(many=True))
    def get(self, request):
        return Response(s.SatisfactionSerializer(queries.satisfaction_by_unit(), many=True).data)


# --- public ------------------------------------------------------------------------------------

_NOT_FOUND = gettext_lazy("未找到该办件，请核对受理编号和查询码。")


def _public_app(request, receipt_number, code):
    if public.throttled(request):
        return None, error_response(_("查询过于频繁，请一分钟后再试。"), code="throttled", status_code=429,
                                    retry_after=public.WINDOW_SECONDS)
    app = public.lookup(request, receipt_number, code)
    if app is None:
        # Unknown number and wrong code answer alike.
        return None, error_response(str(_NOT_FOUND), code="not_found", status_code=404)
    return app, None


class PublicApplicationView(APIView):
    """An application's public progress by receipt number and check code (no login)."""

    serializer_class = s.PublicApplicationSerializer
    authentication_classes: list = []
    permission_classes = [drf_permissions.AllowAny]

    @extend_schema(parameters=[OpenApiParameter("code", str, required=True, description="查询码")],
                   responses=s.PublicApplicationSerializer)
    def get(self, request, receipt_number):
        app, error = _public_app(request, receipt_number, request.query_params.get("code", ""))
        return error or Response(public.public_view(app))


class PublicRatingView(KeepsSessionUser, APIView):
    """好差评 by the applicant after the decision (no login)."""

    serializer_class = s.PublicApplicationSerializer
    authentication_classes: list = []
    permission_classes = [drf_permissions.AllowAny]

    @extend_schema(request=s.ApplicationRatingSerializer, responses={201: s.PublicApplicationSerializer})
    def post(self, request, receipt_number):
        data = _valid(s.ApplicationRatingSerializer, request)
        app, error = _public_app(request, receipt_number, data["code"])
        if error:
            return error
        services.rating_submit(application=app, score=data["score"], comment=data["comment"],
                               actor=self.session_user, request=request)
        app.refresh_from_db()
        return Response(public.public_view(app), status=status.HTTP_201_CREATED)
