"""Working-day arithmetic for people and scripts (a stable interface, DESIGN.md).

    manage.py workdays add 2025-09-30 3        -> 2025-10-11
    manage.py workdays count 2025-09-30 2025-10-11 -> 3
    manage.py workdays is 2025-10-11           -> workday | holiday | weekend

Bad input or a date the calendar cannot answer: a message on stderr and exit code 2.
"""

import sys
from datetime import date

from django.core.management.base import BaseCommand

from efficiency import workdays


class Command(BaseCommand):
    # A script interface: a system-check error in some app must not stop it.
    requires_system_checks = []
    help = "工作日计算：add DATE N | count A B | is DATE"

    def add_arguments(self, parser):
        parser.add_argument("op", choices=["add", "count", "is"])
        parser.add_argument("values", nargs="+")

    def _fail(self, message):
        self.stderr.write(message)
        sys.exit(2)

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
                result = workdays.add_workdays(self._date(args[0]), n).isoformat()
            elif op == "count":
                result = str(workdays.count_workdays(self._date(args[0]), self._date(args[1])))
            else:
                result = workdays.day_kind(self._date(args[0]))
        except workdays.CalendarRangeError as exc:
            self._fail(str(exc))
        self.stdout.write(result)
