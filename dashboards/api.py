"""/api/v1/dashboards/: today's figures, the monthly ranking (leaders and the office), and
publishing a month's scorecards (the office publishes, the system administrator re-opens)."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from efficiency.models import Unit
from efficiency.replica import reads_from_replica
from efficiency.workdays import local_date

from . import queries, scoring, services
from .models import PublishJob, ScorecardPublication
from .serializers import (
    AnnualAssessmentSerializer, AnnualAssessSerializer, AnnualReviewInputSerializer, AnnualReviewSerializer,
    FiguresSerializer, MonthField, PublicationSerializer, PublishJobSerializer, PublishSerializer, ReopenSerializer,
    UnitScoreSerializer,
)
from .views import BOARD_ROLES, PUBLICATION_ROLES


class FiguresView(APIView):
    permission_classes = [IsAuthenticated]
    serializer_class = FiguresSerializer

    @method_decorator(reads_from_replica)
    def get(self, request):
        if request.user.role not in BOARD_ROLES:
            raise Http404
        return Response(FiguresSerializer(queries.today_figures(timezone.now())).data)


class RankingView(APIView):
    """A published month's frozen ranking, otherwise the ranking computed now."""

    permission_classes = [IsAuthenticated]
    serializer_class = UnitScoreSerializer

    @extend_schema(parameters=[OpenApiParameter("month", str, description="YYYY-MM")],
                   responses=UnitScoreSerializer(many=True))
    @method_decorator(reads_from_replica)
    def get(self, request):
        if request.user.role not in BOARD_ROLES:
            raise Http404
        month = queries.parse_month(request.query_params.get("month"), queries.month_of(local_date(timezone.now())))
        scores, _publication = scoring.month_scores(month)
        return Response(UnitScoreSerializer(scores, many=True).data)


class PublicationListView(generics.ListCreateAPIView):
    """GET: the publications (newest first, `?month=YYYY-MM` for one month's history), paged like
    every ledger (`efficiency.listing.LedgerPagination`; no cut); POST {"month": "YYYY-MM"}:
    发布月度考评 (the efficiency office; a finished month only)."""

    permission_classes = [IsAuthenticated]
    serializer_class = PublicationSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ScorecardPublication.objects.none()
        month = None
        if self.request.query_params.get("month"):
            month = MonthField().run_validation(self.request.query_params["month"])
        return queries.publication_list(month)

    @extend_schema(parameters=[OpenApiParameter("month", str, description="YYYY-MM")])
    def get(self, request, *args, **kwargs):
        if request.user.role not in PUBLICATION_ROLES:
            raise Http404
        return super().get(request, *args, **kwargs)

    @extend_schema(request=PublishSerializer, responses={202: PublishJobSerializer})
    def post(self, request):
        """Publishing runs in a Celery task: 202 with the job; poll `jobs/<id>/` until `state`
        is `done` (then `publication` holds the publication) or `failed`."""
        if request.user.role not in BOARD_ROLES:
            raise Http404
        s = PublishSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        job = services.publish_request(actor=request.user, month=s.validated_data["month"])
        return Response(PublishJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class PublishJobView(APIView):
    """A publication job's state and progress (`percent`), and its publication once done."""

    permission_classes = [IsAuthenticated]
    serializer_class = PublishJobSerializer

    def get(self, request, pk):
        if request.user.role not in BOARD_ROLES:
            raise Http404
        job = get_object_or_404(PublishJob.objects.select_related("publication__published_by"), pk=pk)
        return Response(PublishJobSerializer(job).data)


class PublicationReopenView(APIView):
    """POST {"month": "YYYY-MM", "reason": "…"}: re-open a published month (the system
    administrator); it is re-scored and may be published again."""

    permission_classes = [IsAuthenticated]
    serializer_class = ReopenSerializer

    @extend_schema(request=ReopenSerializer, responses=PublicationSerializer)
    def post(self, request):
        if request.user.role not in PUBLICATION_ROLES:
            raise Http404
        s = ReopenSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        pub = services.month_reopen(actor=request.user, **s.validated_data)
        return Response(PublicationSerializer(pub).data)


class AnnualListView(APIView):
    """GET `?year=YYYY`: the units' 年度考核 (R47, R48), best first. POST {"year": YYYY}:
    compute it (the efficiency office; a year not ended gives a provisional result)."""

    permission_classes = [IsAuthenticated]
    serializer_class = AnnualAssessmentSerializer

    @extend_schema(parameters=[OpenApiParameter("year", int)], responses=AnnualAssessmentSerializer(many=True))
    def get(self, request):
        if request.user.role not in BOARD_ROLES:
            raise Http404
        year = request.query_params.get("year", "")
        year = int(year) if year.isdigit() else local_date(timezone.now()).year
        return Response(AnnualAssessmentSerializer(queries.annual_list(year), many=True).data)

    @extend_schema(request=AnnualAssessSerializer, responses=AnnualAssessmentSerializer(many=True))
    def post(self, request):
        if request.user.role not in BOARD_ROLES:
            raise Http404
        s = AnnualAssessSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.annual_assess(actor=request.user, year=s.validated_data["year"])
        return Response(AnnualAssessmentSerializer(queries.annual_list(s.validated_data["year"]), many=True).data)


class AnnualReviewView(APIView):
    """POST: the office enters a unit's 行政执法评议考核 (`law`) or public questionnaire
    (`questionnaire`, with `respondents`) result for a year, with its evidence (R48)."""

    permission_classes = [IsAuthenticated]
    serializer_class = AnnualReviewSerializer

    @extend_schema(request=AnnualReviewInputSerializer, responses={201: AnnualReviewSerializer})
    def post(self, request):
        if request.user.role not in BOARD_ROLES:
            raise Http404
        s = AnnualReviewInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        unit = get_object_or_404(Unit, pk=data.pop("unit"))
        review = services.annual_review_enter(actor=request.user, unit=unit, **data)
        return Response(AnnualReviewSerializer(review).data, status=status.HTTP_201_CREATED)
