"""REST API: the public complaint endpoints (no login) and /api/v1/accountability/."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from efficiency.api import KeepsSessionUser, error_response
from efficiency.client import client_ip
from efficiency.parsers import JSONObjectParser
from efficiency.models import Role, Unit, User

from . import filters, queries, security, serializers, services
from .models import AccountabilityCase, Bulletin, Complaint

SLOW_DOWN = gettext_lazy("提交过于频繁，请稍后再试。")


class ObjectBody:
    """A write's body must be an object: a JSON list or string reached `request.data.get` (a 500)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("POST", "PUT", "PATCH") and not isinstance(request.data, dict):
            raise ParseError(_("请求体须为 JSON 对象。"))


def _channel_token(request) -> str:
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    if auth.startswith("Channel "):
        return auth[len("Channel "):].strip()
    return request.META.get("HTTP_X_CHANNEL_TOKEN", "").strip()


class PublicComplaintCreate(ObjectBody, APIView):
    """POST /api/v1/public/complaints/ — a citizen's complaint (R26). Anonymous callers answer
    the CAPTCHA (GET captcha/ first); registered channels send `Authorization: Channel <token>`."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser, FormParser, JSONObjectParser]
    serializer_class = serializers.PublicComplaintInSerializer

    @extend_schema(request=serializers.PublicComplaintInSerializer,
                   responses={201: serializers.PublicComplaintCreatedSerializer})
    def post(self, request):
        token = _channel_token(request)
        channel = services.channel_for_token(token) if token else None
        if token and channel is None:
            return error_response(_("渠道令牌无效或已停用。"), code="not_authenticated", status_code=401)
        ip = client_ip(request)
        if channel is None and not security.submit_allowed(ip):
            return error_response(str(SLOW_DOWN), code="throttled", status_code=429,
                                  retry_after=security.SUBMIT_WINDOW_SECONDS)
        # Never deep-copy request.data: with uploads it holds open temporary files.
        data = {k: request.data.get(k) for k in request.data.keys() if k != "attachments"}
        files = request.FILES.getlist("attachments")
        s = serializers.PublicComplaintInSerializer(data=data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        try:  # the unit is looked up by the filing's own statement (issue #17)
            filed = services.complaint_file(
                category=d["category"], subject_unit=services.UnitNamed(pk=d["subject_unit"]),
                description=d["description"],
                occurred_on=d.get("occurred_on"), place=d.get("place", ""), is_anonymous=d.get("is_anonymous", False),
                name=d.get("name", ""), phone=d.get("phone", ""), files=files, channel=channel, ip=ip,
                received_at=d.get("received_at"),
                captcha=None if channel else (d.get("captcha_id", ""), d.get("captcha_answer", "")))
        except services.UnitMissing:
            return error_response(_("被投诉单位不存在。"), fields={"subject_unit": [_("被投诉单位不存在")]})
        except services.CaptchaRefused:
            return error_response(_("验证码不正确或已失效，请重新获取验证码。"), code="captcha",
                                  fields={"captcha_answer": [_("验证码不正确")]})
        link = request.build_absolute_uri(f"/accountability/public/t/{filed.link_token}/")
        return Response({"tracking_number": filed.complaint.tracking_number, "check_code": filed.check_code,
                         "link": link, "status": filed.complaint.status}, status=status.HTTP_201_CREATED)


class PublicCaptcha(APIView):
    """GET: a new CAPTCHA challenge (an image drawn by the server, no third party)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = serializers.CaptchaSerializer

    def get(self, request):
        return Response(security.captcha_new())


def _lookup(request, tracking_number: str, code: str):
    ip, number = client_ip(request), (tracking_number or "").strip().upper()
    if security.lookup_blocked(ip, number):
        return None, error_response(_("查询过于频繁，请稍后再试。"), code="throttled", status_code=429,
                                    retry_after=security.LOOKUP_WINDOW_SECONDS)
    c = services.complaint_by_code(number, code)
    if c is None:
        security.lookup_failed(ip, number)
        return None, error_response(_("未找到该投诉，请核对投诉编号和查询码。"), code="not_found", status_code=404)
    return c, None


class PublicComplaintStatus(APIView):
    """GET …/{tracking_number}/?code=CHECK_CODE — 404 for an unknown number and a wrong code alike."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = serializers.PublicComplaintStatusSerializer

    @extend_schema(parameters=[OpenApiParameter("code", str, required=True)])
    def get(self, request, tracking_number):
        c, error = _lookup(request, tracking_number, request.query_params.get("code", ""))
        if error:
            return error
        return Response(serializers.PublicComplaintStatusSerializer(queries.complaint_public(c)).data)


class PublicComplaintRate(KeepsSessionUser, ObjectBody, APIView):
    """POST {code, rating, comment} — the citizen rates the reply; {code, reexamine: reason} asks
    for the one re-examination."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = serializers.RatingSerializer

    def post(self, request, tracking_number):
        c, error = _lookup(request, tracking_number, request.data.get("code", ""))
        if error:
            return error
        if request.data.get("reexamine"):
            c = services.complaint_reexamine(complaint=c, reason=request.data["reexamine"])
        else:
            c = services.complaint_rate(complaint=c, rating=request.data.get("rating", ""),
                                        comment=request.data.get("comment", ""), actor=self.session_user,
                                        request=request)
        return Response(serializers.PublicComplaintStatusSerializer(queries.complaint_public(c)).data)


# --- /api/v1/accountability/ ----------------------------------------------------------------


class ComplaintViewSet(ObjectBody, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ComplaintSerializer
    queryset = Complaint.objects.none()  # for the schema; requests use get_queryset
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.ComplaintFilter  # the list page's: ?q=&status=&category=&unit=&window=&rung=…

    def get_queryset(self):
        return queries.complaint_list(self.request.user)

    def get_object(self):
        return queries.access_complaint(self.request.user, self.kwargs["pk"], request=self.request)

    def _act(self, fn, **kw):
        c = fn(complaint=self.get_object(), actor=self.request.user, **kw)
        return Response(serializers.ComplaintSerializer(c).data)

    @extend_schema(request=serializers.ComplaintActionSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(services.complaint_accept)

    @extend_schema(request=serializers.ComplaintActionSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._act(services.complaint_decline, reason=request.data.get("reason", ""))

    @extend_schema(request=serializers.ComplaintActionSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        self.get_object()  # another unit's complaint: 404 before looking at the body
        unit_id = str(request.data.get("unit") or "")
        unit = Unit.objects.filter(pk=unit_id).first() if unit_id.isdigit() else None  # "abc" was a 500
        if unit is None:
            raise ValidationError({"unit": [_("请选择承办单位。")]})
        return self._act(services.complaint_assign, unit=unit)

    @extend_schema(request=serializers.ComplaintActionSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def send_back(self, request, pk=None):
        return self._act(services.complaint_return, reason=request.data.get("reason", ""))

    @extend_schema(request=serializers.ComplaintActionSerializer)
    @action(detail=True, methods=["post"], url_path="unit-reply")
    def unit_reply(self, request, pk=None):
        return self._act(services.complaint_unit_reply, reply=request.data.get("reply", ""),
                         substantiated=request.data.get("substantiated"))

    @extend_schema(request=serializers.ComplaintActionSerializer)
    @action(detail=True, methods=["post"], url_path="send-reply")
    def send_reply(self, request, pk=None):
        return self._act(services.complaint_send_reply, reply=request.data.get("reply", ""),
                         substantiated=request.data.get("substantiated"))

    @extend_schema(request=serializers.ComplaintActionSerializer)
    @action(detail=True, methods=["post"])
    def rework(self, request, pk=None):
        return self._act(services.complaint_rework, reason=request.data.get("reason", ""))


class CaseViewSet(ObjectBody, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.CaseSerializer
    queryset = AccountabilityCase.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.CaseFilter  # the list page's: ?q=&status=&source=&unit=&person=&window=…

    def get_queryset(self):
        return queries.case_list(self.request.user)

    def get_object(self):
        return queries.access_case(self.request.user, self.kwargs["pk"], request=self.request)

    @extend_schema(request=serializers.CaseOpenSerializer, responses=serializers.CaseSerializer)
    def create(self, request):
        s = serializers.CaseOpenSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        unit = Unit.objects.filter(pk=s.validated_data["unit"]).first()
        if unit is None:
            raise ValidationError({"unit": [_("责任单位不存在。")]})
        person = User.objects.filter(pk=s.validated_data.get("person") or 0).first()
        case = services.case_open(actor=request.user, unit=unit, person=person, reason=s.validated_data["reason"],
                                  person_missing_reason=s.validated_data.get("person_missing_reason", ""),
                                  leader_missing_reason=s.validated_data.get("leader_missing_reason", ""))
        return Response(serializers.CaseSerializer(case).data, status=status.HTTP_201_CREATED)

    def _act(self, fn, *names, **extra):
        case = self.get_object()
        s = serializers.CaseActionSerializer(data=self.request.data)
        s.is_valid(raise_exception=True)
        kw = {n: s.validated_data.get(n, [] if n.endswith(("grounds", "measures")) else "") for n in names}
        if "conditions" in kw:
            kw["conditions"] = {c["id"]: (c["met"], c["facts"]) for c in kw["conditions"] or []}
        case = fn(case=case, actor=self.request.user, **kw, **extra)
        return Response(serializers.CaseSerializer(case).data)

    @extend_schema(request=serializers.CaseActionSerializer)
    @action(detail=True, methods=["post"])
    def investigate(self, request, pk=None):
        return self._act(services.case_investigate)

    @extend_schema(request=serializers.CaseActionSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return self._act(services.case_dismiss, "reason")

    @extend_schema(request=serializers.CaseActionSerializer)
    @action(detail=True, methods=["post"])
    def facts(self, request, pk=None):
        return self._act(services.case_record_facts, "facts", "evidence")

    @extend_schema(request=serializers.CaseActionSerializer)
    @action(detail=True, methods=["post"])
    def statement(self, request, pk=None):
        return self._act(services.case_record_statement, "statement")

    @extend_schema(request=serializers.CaseActionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        return self._act(services.case_decide, "decision", "reason", "grounds", "person_measures", "head_measures",
                         "ground_facts", "conditions")

    @extend_schema(request=serializers.CaseActionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """提请决定: the office puts its proposal before the deciding body."""
        return self._act(services.case_submit, "proposal")

    @extend_schema(request=serializers.CaseActionSerializer)
    @action(detail=True, methods=["post"])
    def appeal(self, request, pk=None):
        return self._act(services.case_appeal, "reason")

    @extend_schema(request=serializers.CaseActionSerializer)
    @action(detail=True, methods=["post"], url_path="appeal-decide")
    def appeal_decide(self, request, pk=None):
        return self._act(services.case_appeal_decide, "result")


class BulletinViewSet(ObjectBody, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.BulletinSerializer
    queryset = Bulletin.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.BulletinFilter  # the list page's: ?q=&status=&kind=&date_from=&date_to=&sort=

    def get_queryset(self):
        return queries.bulletin_list(self.request.user, published_only=False)

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.bulletin_create(
            actor=self.request.user, title=d.get("title", ""), body=d.get("body", ""), kind=d.get("kind", "mixed"),
            cases=d.get("cases", []), complaints=d.get("complaints", []))

    def get_object(self):
        b = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])  # 404, not a 500, for /bulletins/AAA/
        if (self.request.user.role not in (Role.OFFICE, Role.LEADER)
                and b.status != Bulletin.Status.PUBLISHED):
            raise Http404
        return b

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        """签发: a leader signs the draft off, which publishes it; anyone else gets a 403."""
        return Response(self.get_serializer(services.bulletin_sign_off(bulletin=self.get_object(), actor=request.user)).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return Response(self.get_serializer(services.bulletin_publish(bulletin=self.get_object(), actor=request.user)).data)

