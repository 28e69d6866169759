"""Demo data for the dashboards: the default score weights, and the rollups of the last year
built from whatever the other parts' demo seeds created (run after them)."""

from datetime import timedelta

from django.utils import timezone

from efficiency.workdays import local_date

from . import rollups, scoring
from .models import ScoreWeight


def seed(stdout=None) -> None:
    for component, weight in scoring.DEFAULT_WEIGHTS.items():
        ScoreWeight.objects.get_or_create(
            component=component, defaults={"weight": weight, "penalty": scoring.DEFAULT_PENALTY.get(component, 10)})
    today = local_date(timezone.now())
    rollups.rollup_days(today - timedelta(days=400), today)
    rollups.refresh_now()
    if stdout:
        stdout.write("驾驶舱：已设置考评权重并重算近一年汇总。")
