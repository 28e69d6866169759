"""/api/v1/inspection/: every action a page can do. Access through inspection.queries (404
outside the user's scope); writes through inspection.services."""

from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from efficiency.api import error_response
from efficiency.uploads import download_name, upload_response

from . import filters, queries, serializers as s, services
from .models import InspectionCap, InspectorPool, TargetPool


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.PlanSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.PlanFilter  # the list page's: ?q=&status=&method=&year=&unit=&date_from=…

    def get_queryset(self):
        return queries.plan_list(self.request.user).prefetch_related("units", "overrides")

    @extend_schema(request=s.PlanInputSerializer, responses={201: s.PlanSerializer})
    def create(self, request):
        data = s.PlanInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.plan_create(actor=request.user, **data.validated_data)
        return Response(s.PlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    def get_serializer_class(self):
        return s.PlanDetailSerializer if self.action == "retrieve" else s.PlanSerializer

    def _plan(self, pk):
        return queries.access_plan(self.request.user, pk, request=self.request)

    @extend_schema(request=s.PlanUpdateSerializer, responses=s.PlanDetailSerializer)
    def update(self, request, pk=None, partial=False):
        plan = self._plan(pk)
        fixed = {f: _("发文单位和区域不能修改；如需调整，请另行填报计划。") for f in ("issuing_unit", "region")
                 if f in request.data and str(request.data[f]) != str(getattr(plan, f"{f}_id"))}
        if fixed:
            return error_response("；".join(dict.fromkeys(fixed.values())), fields=fixed)
        data = s.PlanUpdateSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        plan = services.plan_update(actor=request.user, plan=plan, **data.validated_data)
        return Response(s.PlanDetailSerializer(plan).data)

    @extend_schema(request=s.PlanUpdateSerializer, responses=s.PlanDetailSerializer)
    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    @extend_schema(request=s.CloseSerializer, responses=s.PlanDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        plan = self._plan(pk)
        data = s.CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(s.PlanDetailSerializer(services.plan_close(actor=request.user, plan=plan,
                                                                   **data.validated_data)).data)

    @extend_schema(methods=["POST"], request={"multipart/form-data": s.AssessmentSerializer},
                   responses=s.PlanDetailSerializer)
    @extend_schema(methods=["GET"], responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def assessment(self, request, pk=None):
        """GET: the third-party assessment report (PDF); POST: record the assessor and the report."""
        plan = self._plan(pk)
        if request.method == "GET":
            if not plan.assessment_report:
                raise Http404
            return upload_response(plan.assessment_report,
                                   filename=download_name(f"assessment-plan-{plan.pk}", plan.assessment_report,
                                                          plan.assessment_report_name))
        data = s.AssessmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.plan_assessment_record(actor=request.user, plan=plan, **data.validated_data)
        return Response(s.PlanDetailSerializer(plan).data)

    @extend_schema(request=None, responses=s.PlanSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return Response(s.PlanSerializer(services.plan_submit(actor=request.user, plan=self._plan(pk))).data)

    @extend_schema(request=s.ApproveSerializer, responses=s.PlanSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = s.ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.plan_approve(actor=request.user, plan=self._plan(pk), **data.validated_data)
        return Response(s.PlanSerializer(plan).data)

    @extend_schema(request=s.NoteSerializer, responses=s.PlanSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = s.NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(s.PlanSerializer(services.plan_reject(actor=request.user, plan=self._plan(pk),
                                                              **data.validated_data)).data)

    @extend_schema(request=None, responses=s.PlanSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return Response(s.PlanSerializer(services.plan_publish_results(actor=request.user, plan=self._plan(pk))).data)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        rep = queries.plan_report(self._plan(pk))
        return Response({"total": rep["total"], "counts": rep["counts"], "rate": rep["rate"],
                         "findings": s.FindingSerializer(rep["findings"], many=True).data})


class CapViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.CapSerializer
    queryset = InspectionCap.objects.all()

    @extend_schema(request=s.CapSerializer, responses={201: s.CapSerializer})
    def create(self, request):
        data = s.CapSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cap = services.cap_set(actor=request.user, **data.validated_data)
        return Response(s.CapSerializer(cap).data, status=status.HTTP_201_CREATED)


class DrawViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.DrawSerializer

    def get_queryset(self):
        return queries.draw_list(self.request.user)

    @extend_schema(request=s.DrawInputSerializer, responses={201: s.DrawSerializer})
    def create(self, request):
        data = s.DrawInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        plan = queries.access_plan(request.user, v["plan"])
        try:
            tp, ip = TargetPool.objects.get(pk=v["target_pool"]), InspectorPool.objects.get(pk=v["inspector_pool"])
        except (TargetPool.DoesNotExist, InspectorPool.DoesNotExist):
            raise Http404 from None
        draw = services.draw_make(actor=request.user, plan=plan, target_pool=tp, inspector_pool=ip,
                                  n_targets=v["n_targets"], per_target=v["per_target"], seed=v.get("seed"))
        return Response(s.DrawSerializer(draw).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def verify(self, request, pk=None):
        draw = queries.access_draw(request.user, pk)
        return Response({"seed": str(draw.seed), "algorithm": draw.algorithm, "same": services.draw_verify(draw)})


class VisitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.VisitSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.VisitFilter  # the list page's: ?q=&status=&kind=&unit=&plan=&date_from=…

    def get_queryset(self):
        return queries.visit_list(self.request.user)

    @extend_schema(request=s.VisitInputSerializer, responses={201: s.VisitSerializer})
    def create(self, request):
        data = s.VisitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        plan = queries.access_plan(request.user, v.pop("plan"))
        visit = services.visit_record(actor=request.user, plan=plan, **v)
        return Response(s.VisitSerializer(visit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.VisitSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        visit = queries.access_visit(request.user, pk)
        return Response(s.VisitSerializer(services.visit_close(actor=request.user, visit=visit)).data)

    @extend_schema(request=s.PhotoInputSerializer, responses={201: dict})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def photos(self, request, pk=None):
        visit = queries.access_visit(request.user, pk)
        data = s.PhotoInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.visit_photo_add(actor=request.user, visit=visit, upload=data.validated_data["image"],
                                         caption=data.validated_data["caption"])
        return Response({"id": photo.pk, "content_type": photo.content_type}, status=status.HTTP_201_CREATED)


class FindingViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.FindingSerializer

    def get_queryset(self):
        return queries.finding_list(self.request.user)

    @extend_schema(request=s.FindingInputSerializer, responses={201: s.FindingSerializer})
    def create(self, request):
        data = s.FindingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        visit = queries.access_visit(request.user, v.pop("visit"))
        finding = services.finding_record(actor=request.user, visit=visit, **v)
        return Response(s.FindingSerializer(finding).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReasonSerializer, responses=s.FindingSerializer)
    @action(detail=True, methods=["post"])
    def accountability(self, request, pk=None):
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = services.finding_propose_accountability(actor=request.user,
                                                          finding=queries.access_finding(request.user, pk),
                                                          **data.validated_data)
        return Response(s.FindingSerializer(finding).data)


class RectificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.RectificationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.RectificationFilter  # the ledger page's: ?q=&status=&unit=&clock_state=&window=…

    def get_queryset(self):
        return queries.rectification_list(self.request.user)

    def _rect(self, pk):
        return queries.access_rectification(self.request.user, pk, request=self.request)

    @extend_schema(request=s.MeasuresSerializer, responses=s.RectificationSerializer)
    @action(detail=True, methods=["post"])
    def measures(self, request, pk=None):
        data = s.MeasuresSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rect = services.rectification_measures_set(actor=request.user, rect=self._rect(pk), **data.validated_data)
        return Response(s.RectificationSerializer(rect).data)

    @extend_schema(request=s.ReportSerializer, responses=s.RectificationSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        data = s.ReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rect = services.rectification_report(actor=request.user, rect=self._rect(pk), **data.validated_data)
        return Response(s.RectificationSerializer(rect).data)

    @extend_schema(request=s.VerifySerializer, responses=s.RectificationSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        data = s.VerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rect = services.rectification_verify(actor=request.user, rect=self._rect(pk), **data.validated_data)
        return Response(s.RectificationSerializer(rect).data)

    @extend_schema(request=s.NoteSerializer, responses=s.RectificationSerializer, operation_id="inspection_rectification_return")
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        data = s.NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rect = services.rectification_return(actor=request.user, rect=self._rect(pk), **data.validated_data)
        return Response(s.RectificationSerializer(rect).data)
