"""Demo data for the dashboards: the default score weights, and the rollups of the last year
built from whatever the other parts' demo seeds created (run after them)."""

from datetime import timedelta

from django.utils import timezone

from efficiency.workdays import local_date

from efficiency.models import Role, User

from . import rollups, scoring, services
from .models import ScoreWeight, UnitMonthScore


def seed(stdout=None) -> None:
    for component, weight in scoring.DEFAULT_WEIGHTS.items():
        ScoreWeight.objects.get_or_create(
            component=component, defaults={"weight": weight, "penalty": scoring.DEFAULT_PENALTY.get(component, 10)})
    today = local_date(timezone.now())
    rollups.rollup_days(today - timedelta(days=400), today)
    rollups.refresh_now()
    # The office publishes the finished months that have scores, so the public portal, which
    # shows published months only, has figures in the demo too. A second run publishes nothing.
    office = User.objects.filter(role=Role.OFFICE, is_active=True).order_by("pk").first()
    published = 0
    if office is not None:
        standing = scoring.published_months()
        for month in sorted(set(UnitMonthScore.objects.values_list("month", flat=True))):
            if month < today.replace(day=1) and month not in standing:
                services.month_publish(actor=office, month=month)
                published += 1
    if stdout:
        stdout.write("驾驶舱：已设置考评权重并重算近一年汇总" + (f"，发布 {published} 个月的月度考评。" if published else "。"))
