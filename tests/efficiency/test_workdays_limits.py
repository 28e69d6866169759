"""Where a limit ends: working days, calendar days (民法典 §203), months (§202), hours."""

from datetime import datetime, timezone

import pytest

from efficiency.clocks import limit_end, pause_credit
from efficiency.models import LimitUnit
from efficiency.workdays import SHANGHAI, add_months, next_working_moment

pytestmark = pytest.mark.django_db


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def eod(y, m, d):
    return at(y, m, d, 23, 59, 59)


@pytest.mark.parametrize(("start", "value", "unit", "end"), [
    # R01 R02: working days, the start day not counted, due at the end of the Nth day.
    (at(2025, 9, 30, 10), 3, LimitUnit.WORKDAYS, eod(2025, 10, 11)),
    (at(2025, 10, 3, 10), 1, LimitUnit.WORKDAYS, eod(2025, 10, 9)),  # started inside the holiday
    (at(2025, 12, 31, 23, 30), 3, LimitUnit.WORKDAYS, eod(2026, 1, 6)),
    # 16:30 UTC on Dec 31 is 00:30 on Jan 1 in Shanghai: the calendar date is Shanghai's.
    (datetime(2025, 12, 31, 16, 30, tzinfo=timezone.utc), 1, LimitUnit.WORKDAYS, eod(2026, 1, 4)),
    # 民法典 §203: a period of days whose last day is a holiday or rest day ends on the next working day.
    (at(2025, 9, 24, 10), 7, LimitUnit.DAYS, eod(2025, 10, 9)),  # Oct 1 → after the holiday
    (at(2025, 10, 1, 10), 10, LimitUnit.DAYS, eod(2025, 10, 11)),  # Sat Oct 11 is a working day
    (at(2025, 10, 1, 10), 11, LimitUnit.DAYS, eod(2025, 10, 13)),  # Sun Oct 12 → Mon Oct 13
    (at(2025, 9, 1, 10), 30, LimitUnit.DAYS, eod(2025, 10, 9)),
    # 民法典 §202: the same day of the month, or its last day; then §203.
    (at(2025, 1, 31, 10), 1, LimitUnit.MONTHS, eod(2025, 2, 28)),
    (at(2024, 1, 31, 10), 1, LimitUnit.MONTHS, eod(2024, 2, 29)),
    (at(2025, 3, 31, 10), 1, LimitUnit.MONTHS, eod(2025, 4, 30)),
    (at(2025, 4, 5, 10), 1, LimitUnit.MONTHS, eod(2025, 5, 6)),  # May 5 is the last day of May Day
    (at(2025, 11, 15, 10), 2, LimitUnit.MONTHS, eod(2026, 1, 15)),
    # Hours are exact, holidays or not (R12: press conference within 24 hours).
    (at(2025, 9, 30, 22), 24, LimitUnit.HOURS, at(2025, 10, 1, 22)),
    (at(2025, 9, 30, 22, 15, 30), 2, LimitUnit.HOURS, at(2025, 10, 1, 0, 15, 30)),
])
def test_limit_end(start, value, unit, end):
    assert limit_end(start, value, unit) == end


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(datetime(2025, 8, 31).date(), 1).isoformat() == "2025-09-30"
    assert add_months(datetime(2025, 12, 15).date(), 1).isoformat() == "2026-01-15"


@pytest.mark.parametrize(("paused", "resumed", "unit", "credit"), [
    (at(2025, 9, 26, 10), at(2025, 10, 9, 10), LimitUnit.WORKDAYS, 4),  # R23: Sep 28, 29, 30, Oct 9
    (at(2025, 10, 10, 17), at(2025, 10, 13, 9), LimitUnit.WORKDAYS, 2),  # Sat Oct 11 worked, Oct 13
    (at(2025, 9, 29, 9), at(2025, 9, 29, 17), LimitUnit.WORKDAYS, 0),  # the same day
    (at(2025, 10, 2, 9), at(2025, 10, 7, 9), LimitUnit.WORKDAYS, 0),  # inside the holiday
    (at(2025, 9, 26, 10), at(2025, 10, 9, 10), LimitUnit.DAYS, 13),
    (at(2025, 9, 26, 10), at(2025, 10, 9, 10), LimitUnit.MONTHS, 13),  # credited in days
    (at(2025, 9, 30, 10), at(2025, 9, 30, 13, 59), LimitUnit.HOURS, 3),
])
def test_pause_credit(paused, resumed, unit, credit):  # R23
    assert pause_credit(paused, resumed, unit) == credit


@pytest.mark.parametrize(("now", "moment"), [
    (at(2025, 9, 30, 10), at(2025, 9, 30, 10)),  # working hours: now
    (at(2025, 9, 30, 7), at(2025, 9, 30, 9)),  # early morning: 09:00
    (at(2025, 9, 30, 22), at(2025, 10, 9, 9)),  # night before the National Day holiday
    (at(2025, 10, 10, 20), at(2025, 10, 11, 9)),  # Friday night → the adjusted working Saturday
    (at(2025, 10, 12, 10), at(2025, 10, 13, 9)),  # Sunday
])
def test_deferred_notices_go_at_0900_of_a_working_day(now, moment):
    assert next_working_moment(now) == moment
