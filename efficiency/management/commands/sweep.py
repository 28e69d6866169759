"""One sweep of every clock, as of now or of --now (catch-up and replay)."""

import sys
from datetime import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI


class Command(BaseCommand):
    # A script interface: a system-check error in some app must not stop it.
    requires_system_checks = []
    help = "扫描所有时限，推进预警级别（--now 指定时间，ISO 格式）"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO datetime, e.g. 2025-10-12T09:00:00+08:00")
        parser.add_argument("--batch", type=int, default=None)

    def handle(self, now=None, batch=None, **options):
        at = timezone.now()
        if now:
            try:
                at = datetime.fromisoformat(now)
            except ValueError:
                self.stderr.write(f"时间“{now}”格式错误，应为 ISO 格式，如 2025-10-12T09:00:00+08:00")
                sys.exit(2)
            if at.tzinfo is None:
                at = at.replace(tzinfo=SHANGHAI)
        counts = sweep(now=at, batch=batch)
        for label, n in counts.items():
            self.stdout.write(f"{label}: {n}")
        self.stdout.write(f"total: {sum(counts.values())}")
