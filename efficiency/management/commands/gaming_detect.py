"""Gaming detection on demand, for an operator or a script (issue 18):

    manage.py gaming_detect                      # the nightly window: the last 90 days (本地默认)
    manage.py gaming_detect --from 2025-01-01 --to 2025-12-31 [--pattern late_pause ...]

Prints, per pattern, the findings in the window (and how many are new) and the time each
pattern's one statement took. Bad input: a message on stderr and exit code 2.
"""

import sys
import time
from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from efficiency import gaming
from efficiency.registry import gaming_detectors
from efficiency.workdays import local_date


class Command(BaseCommand):
    help = "规避时限识别：--from DATE --to DATE（含）[--pattern CODE ...]"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", default="")
        parser.add_argument("--to", dest="end", default="")
        parser.add_argument("--pattern", action="append", default=None)

    def handle(self, *args, start="", end="", pattern=None, **options):
        try:
            today = local_date(timezone.now())
            last = date.fromisoformat(end) if end else today
            first = date.fromisoformat(start) if start else today - timedelta(days=gaming.NIGHTLY_DAYS)
        except ValueError:
            self.stderr.write("日期格式应为 YYYY-MM-DD")
            sys.exit(2)
        known = {d.code for d in gaming_detectors()}
        if pattern and set(pattern) - known:
            self.stderr.write(f"未知的模式：{', '.join(sorted(set(pattern) - known))}（可用：{', '.join(sorted(known))}）")
            sys.exit(2)
        if first > last:
            self.stderr.write("起始日期不能晚于截止日期")
            sys.exit(2)
        total = 0.0
        for code in sorted(pattern or known):
            began = time.perf_counter()
            result = gaming.detect(first, last + timedelta(days=1), codes=[code]).get(code)
            took = time.perf_counter() - began
            total += took
            if result is None:
                self.stdout.write(f"{code}: 已停用")
                continue
            self.stdout.write(f"{code}: found={result['found']} new={result['new']} seconds={took:.3f}")
        self.stdout.write(f"total seconds={total:.3f} window={first}..{last}")
