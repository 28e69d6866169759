"""/api/v1/dashboards/: today's figures, the monthly ranking (leaders and the office), and
publishing a month's scorecards (the office publishes, the system administrator re-opens)."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from efficiency.replica import reads_from_replica
from efficiency.workdays import local_date

from . import queries, scoring, services
from .models import PublishJob
from .serializers import (
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


class PublicationListView(APIView):
    """GET: the publications (newest first, `?month=YYYY-MM` for one month's history);
    POST {"month": "YYYY-MM"}: 发布月度考评 (the efficiency office; a finished month only)."""

    permission_classes = [IsAuthenticated]
    serializer_class = PublicationSerializer

    @extend_schema(parameters=[OpenApiParameter("month", str, description="YYYY-MM")],
                   responses=PublicationSerializer(many=True))
    def get(self, request):
        if request.user.role not in PUBLICATION_ROLES:
            raise Http404
        month = None
        if request.query_params.get("month"):
            month = MonthField().run_validation(request.query_params["month"])
        return Response(PublicationSerializer(queries.publication_list(month)[:200], many=True).data)

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
