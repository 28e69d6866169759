"""Recompute the dashboards' rollups for a date range from the raw data."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dashboards import rollups
from efficiency.workdays import local_date


class Command(BaseCommand):
    help = "重算驾驶舱汇总表：python manage.py rollup_rebuild --from 2026-01-01 --to 2026-11-23"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="YYYY-MM-DD (默认今天)")

    def handle(self, *args, start, end, **options):
        try:
            first = date.fromisoformat(start)
            last = date.fromisoformat(end) if end else local_date(timezone.now())
        except ValueError as exc:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{exc}") from None
        if last < first:
            raise CommandError("结束日期早于开始日期。")
        rollups.rollup_days(first, last)
        rollups.refresh_now()
        self.stdout.write(f"已重算 {first} 至 {last} 的汇总。")
