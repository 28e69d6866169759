"""Warn every key task whose progress lags the elapsed time by more than its list's margin."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from efficiency.workdays import SHANGHAI
from supervision.services import keytasks_warn_lagging


class Command(BaseCommand):
    help = "重点任务进度预警（--now 指定时间，ISO 格式）"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO datetime, e.g. 2025-07-01T09:00:00+08:00")

    def handle(self, now=None, **options):
        at = None
        if now:
            try:
                at = datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"时间“{now}”格式错误，应为 ISO 格式，如 2025-07-01T09:00:00+08:00") from None
            at = at if at.tzinfo else at.replace(tzinfo=SHANGHAI)
        self.stdout.write(f"warned: {keytasks_warn_lagging(now=at)}")
