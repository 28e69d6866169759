"""The working-day calendar for the system administrator and scripts.

    manage.py calendar import 2027 国务院2027年放假安排.csv   (rows: date,kind,name)
    manage.py calendar set 2027-02-13 workday 春节调休上班
    manage.py calendar set 2027-02-13 plain
    manage.py calendar years

Importing makes the year official and recomputes every open deadline it moves; the owners
are told the old and new date. Bad input: a message on stderr and exit code 2.
"""

import sys
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand

from efficiency.calendar import CalendarImportError, calendar_import_year, calendar_set_day
from efficiency.models import CalendarYear


class Command(BaseCommand):
    help = "工作日历：import YEAR FILE | set DATE holiday|workday|plain [NAME] | years"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("op", choices=["import", "set", "years"])
        parser.add_argument("values", nargs="*")

    def _fail(self, message):
        self.stderr.write(message)
        sys.exit(2)

    def handle(self, *_args, op, values, **options):
        if op == "years":
            for y in CalendarYear.objects.order_by("year"):
                self.stdout.write(f"{y.year} {y.source}")
            return
        if op == "import":
            if len(values) != 2 or not values[0].isdigit():
                self._fail("用法：calendar import YEAR FILE")
            path = Path(values[1])
            try:
                content = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                self._fail(f"无法读取文件 {path}：{exc}")
            try:
                result = calendar_import_year(actor=None, year=int(values[0]), content=content)
            except CalendarImportError as exc:
                self._fail("\n".join(exc.errors))
            self.stdout.write(f"imported {values[0]}: recomputed {result['recomputed']}")
            return
        if len(values) not in (2, 3):
            self._fail("用法：calendar set DATE holiday|workday|plain [NAME]")
        try:
            day = date.fromisoformat(values[0])
        except ValueError:
            self._fail(f"日期“{values[0]}”格式错误，应为 YYYY-MM-DD")
        kind = None if values[1] == "plain" else values[1]
        try:
            result = calendar_set_day(actor=None, day=day, kind=kind, name=values[2] if len(values) > 2 else "")
        except CalendarImportError as exc:
            self._fail("\n".join(exc.errors))
        self.stdout.write(f"set {day}: recomputed {result['recomputed']}")
