"""Working-day arithmetic for people and scripts (a stable interface, DESIGN.md).

    manage.py workdays add 2025-09-30 3        -> 2025-10-11
    manage.py workdays count 2025-09-30 2025-10-11 -> 3
    manage.py workdays is 2025-10-11           -> workday | holiday | weekend

Exit status:
  0  the answer, from the official calendar (the State Council's yearly notice);
  2  bad input or a date the calendar cannot answer: a message on stderr, nothing on stdout;
  3  a provisional answer: it touches a year whose calendar is not published yet (statutory
     holidays and art. 6 补假 only, no art. 7 调休). stdout still holds the answer alone; stderr says
     "provisional 暂定" and which years, so a script can tell it from a final one (R01).
"""

import sys
from datetime import date

from django.core.management.base import BaseCommand

from efficiency import workdays


EXIT_BAD_INPUT = 2
EXIT_PROVISIONAL = 3


class Command(BaseCommand):
    # A script interface: a system-check error in some app must not stop it.
    requires_system_checks = []
    help = "工作日计算：add DATE N | count A B | is DATE"

    def add_arguments(self, parser):
        parser.add_argument("op", choices=["add", "count", "is"])
        parser.add_argument("values", nargs="+")

    def _fail(self, message):
        self.stderr.write(message)
        sys.exit(EXIT_BAD_INPUT)

    def _date(self, text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            self._fail(f"日期“{text}”格式错误，应为 YYYY-MM-DD")

    def handle(self, *_args, op, values, **options):
        args = values
        expected = {"add": 2, "count": 2, "is": 1}[op]
        if len(args) != expected:
            self._fail(f"{op} 需要 {expected} 个参数")
        try:
            if op == "add":
                try:
                    n = int(args[1])
                except ValueError:
                    self._fail(f"天数“{args[1]}”不是整数")
                start = self._date(args[0])
                end = workdays.add_workdays(start, n)
                result, span = end.isoformat(), (start, end)
            elif op == "count":
                span = (self._date(args[0]), self._date(args[1]))
                result = str(workdays.count_workdays(*span))
            else:
                day = self._date(args[0])
                result, span = workdays.day_kind(day), (day, day)
        except workdays.CalendarRangeError as exc:
            self._fail(str(exc))
        self.stdout.write(result)
        provisional = workdays.index().provisional_years_between(*span)
        if provisional:
            years = "、".join(str(y) for y in provisional)
            self.stderr.write(f"provisional 暂定：{years} 年的工作日历尚未公布，结果仅按法定节假日推算（不含调休），"
                              "以国务院办公厅通知为准")
            sys.exit(EXIT_PROVISIONAL)
