"""Working-day arithmetic on the Chinese calendar (R01, R02).

Working days are Monday to Friday, less statutory holidays, plus the adjusted working
weekends (调休上班). Counting follows 民法典 期间计算: the start day is not counted, and the
period ends at the end of its last day, Asia/Shanghai time.

Every process keeps one precomputed ordinal index of working days (a running count per
date and the list of working-day ordinals), so `add`, `count` and `sub` are two array
look-ups and a bisection, never a loop of date checks. The index is rebuilt when the
calendar's version changes (`efficiency.calendar.calendar_bump`): at once after a change in this
process, within a second after another process's (`efficiency.process_cache`). A year not in the
calendar table is computed provisionally here (`provisional_days`); `efficiency.calendar`,
which writes the table, sits above this module and imports it, never the other way round.
"""

from __future__ import annotations

import bisect
import threading
from array import array
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from . import process_cache

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_YEAR = 2004  # the first year the chinese-calendar package covers
PROVISIONAL_YEARS_AHEAD = 2  # years past the last official one we are willing to guess


class CalendarRangeError(ValueError):
    """The date is outside the calendar and cannot be computed provisionally."""


@dataclass
class WorkdayIndex:
    version: tuple[int, int]  # efficiency.workdays._current_stamp
    first: date
    last: date
    exceptions: dict[date, tuple[str, str]]  # date -> (kind "holiday"/"workday", name)
    provisional_years: frozenset[int]
    cum: array = field(repr=False)  # cum[i]: working days in [first, first + i], inclusive
    workdays: array = field(repr=False)  # ordinals (offsets from first) of working days

    @classmethod
    def build(cls, version, first_year, last_year, exceptions, provisional_years):
        first, last = date(first_year, 1, 1), date(last_year, 12, 31)
        days = (last - first).days + 1
        cum = array("l", bytes(8 * days))
        workdays = array("l")
        running = 0
        for i in range(days):
            d = first + timedelta(days=i)
            kind = exceptions.get(d, (None,))[0]
            if kind == "workday" or (kind is None and d.weekday() < 5):
                running += 1
                workdays.append(i)
            cum[i] = running
        return cls(version, first, last, exceptions, frozenset(provisional_years), cum, workdays)

    def _offset(self, d: date) -> int:
        if not (self.first <= d <= self.last):
            raise CalendarRangeError(
                _("%(date)s 超出工作日历范围（%(first)s 至 %(last)s）")
                % {"date": d.isoformat(), "first": self.first.isoformat(), "last": self.last.isoformat()}
            )
        return (d - self.first).days

    def day_kind(self, d: date) -> str:
        """'workday', 'holiday' or 'weekend'."""
        self._offset(d)
        kind = self.exceptions.get(d, (None,))[0]
        if kind == "workday":
            return "workday"
        if kind == "holiday":
            return "holiday"
        return "weekend" if d.weekday() >= 5 else "workday"

    def is_workday(self, d: date) -> bool:
        return self.day_kind(d) == "workday"

    def add(self, start: date, n: int) -> date:
        """The Nth working day after `start` (the start day not counted); n=0 gives `start`."""
        if n < 0:
            return self.sub(start, -n)
        if n == 0:
            self._offset(start)
            return start
        target = self.cum[self._offset(start)] + n - 1
        if target >= len(self.workdays):
            raise CalendarRangeError(_("%(date)s 之后第 %(n)s 个工作日超出工作日历范围") % {"date": start.isoformat(), "n": n})
        return self.first + timedelta(days=self.workdays[target])

    def sub(self, end: date, n: int) -> date:
        """The Nth working day before `end` (`end` itself not counted)."""
        i = self._offset(end)
        before = self.cum[i] - (1 if self.is_workday(end) else 0)
        target = before - n
        if target < 0:
            raise CalendarRangeError(_("%(date)s 之前第 %(n)s 个工作日超出工作日历范围") % {"date": end.isoformat(), "n": n})
        return self.first + timedelta(days=self.workdays[target])

    def count(self, a: date, b: date) -> int:
        """Working days after `a` up to and including `b` (negative when b < a)."""
        return self.cum[self._offset(b)] - self.cum[self._offset(a)]

    def next_workday(self, d: date, include: bool = True) -> date:
        if include and self.is_workday(d):
            return d
        return self.add(d, 1)

    def is_provisional(self, d: date) -> bool:
        return d.year in self.provisional_years

    def provisional_years_between(self, a: date, b: date) -> list[int]:
        """The provisional years an answer spanning `a`…`b` (either order) depends on."""
        low, high = min(a, b).year, max(a, b).year
        return sorted(y for y in self.provisional_years if low <= y <= high)

    def holidays_between(self, a: date, b: date) -> list[tuple[date, str, str]]:
        """The exceptions (holidays and adjusted working days) in [a, b], for display."""
        return sorted((d, k, n) for d, (k, n) in self.exceptions.items() if a <= d <= b)


# 《全国年节及纪念日放假办法》 (2024 revision) art. 2: the holidays of all citizens, by the
# English names the `holidays` package gives them.
_STATUTORY = {
    "New Year's Day": "元旦",
    "Chinese New Year's Eve": "春节",
    "Chinese New Year (Spring Festival)": "春节",
    "Tomb-Sweeping Day": "清明节",
    "Labor Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-Autumn Festival": "中秋节",
    "National Day": "国庆节",
}


def provisional_days(year: int) -> dict[date, tuple[str, str]]:
    """Weekends plus the statutory holidays, for a year the State Council has not published.

    Lunar and solar-term dates come from the `holidays` package. Art. 6 (补假): a holiday that
    falls on a Saturday or Sunday gives a weekday off, the next working day. The adjusted working
    weekends (调休, art. 7, added by 国务院令第798号) are set each year by the 国务院办公厅 notice,
    cannot be guessed, and are left out until the official calendar arrives.
    """
    import holidays

    days: dict[date, tuple[str, str]] = {}
    for d, name in holidays.China(years=year, language="en_US").items():
        # The package also guesses "observed" days; only the statutory days are certain.
        for part in str(name).split("; "):
            if part in _STATUTORY:
                days[d] = ("holiday", _STATUTORY[part])
    for d in sorted(days):
        if d.weekday() >= 5:
            make_up = d + timedelta(days=1)
            while make_up.weekday() >= 5 or make_up in days:
                make_up += timedelta(days=1)
            days[make_up] = ("holiday", f"{days[d][1]}（补假）")
    return days


_lock = threading.Lock()
_index: WorkdayIndex | None = None


def forget_index() -> None:
    global _index
    _index = None


_staleness = process_cache.Staleness(drop=forget_index)


def _current_stamp() -> tuple[int, int]:
    """The calendar version and the transaction that wrote it (xmin): a version number that a
    rolled-back change had used can come back with other days, the writing transaction cannot."""
    from django.db.models.expressions import RawSQL

    from .models import CalendarVersion

    row = (CalendarVersion.objects.filter(pk=1).annotate(xmin=RawSQL("xmin::text::bigint", ()))
           .values_list("version", "xmin").first())
    return row or (0, 0)


def _load(version: tuple[int, int]) -> WorkdayIndex:
    from .models import CalendarDay, CalendarSource, CalendarYear

    years = dict(CalendarYear.objects.values_list("year", "source"))
    exceptions = {d: (k, n) for d, k, n in CalendarDay.objects.values_list("date", "kind", "name")}
    official = [y for y, s in years.items() if s != CalendarSource.PROVISIONAL]
    last_official = max(official) if official else FIRST_YEAR - 1
    provisional = {y for y, s in years.items() if s == CalendarSource.PROVISIONAL}
    last_year = max([last_official + PROVISIONAL_YEARS_AHEAD, *years.keys()])
    for year in range(FIRST_YEAR, last_year + 1):
        if year not in years:
            # Not in the table: weekends plus the statutory holidays, computed, never stored.
            provisional.add(year)
            for d, (kind, name) in provisional_days(year).items():
                exceptions.setdefault(d, (kind, name))
    return WorkdayIndex.build(version, FIRST_YEAR, last_year, exceptions, provisional)


def index() -> WorkdayIndex:
    """The index for the calendar as it is now in the database: read again after a change in
    this process, checked against another process's changes at most once a second
    (`efficiency.process_cache`)."""
    global _index
    if _index is not None and not _staleness.due():
        return _index
    stamp = _current_stamp()
    if _index is None or _index.version != stamp:
        with _lock:
            if _index is None or _index.version != stamp:
                _index = _load(stamp)
    _staleness.checked()
    return _index


def calendar_changed(**_signal) -> None:
    """This process changed the calendar (a save of its rows, `efficiency.calendar.calendar_bump`)."""
    forget_index()
    _staleness.changed_here()


# --- dates and datetimes -------------------------------------------------------------------


def local_date(dt: datetime) -> date:
    return dt.astimezone(SHANGHAI).date()


def end_of_day(d: date) -> datetime:
    """The last second of a day in Asia/Shanghai: where a period of days ends."""
    return datetime.combine(d, time(23, 59, 59), SHANGHAI)


def add_workdays(start: date, n: int) -> date:
    return index().add(start, n)


def sub_workdays(end: date, n: int) -> date:
    return index().sub(end, n)


def count_workdays(a: date, b: date) -> int:
    return index().count(a, b)


def is_workday(d: date) -> bool:
    return index().is_workday(d)


def day_kind(d: date) -> str:
    return index().day_kind(d)


def add_months(d: date, n: int) -> date:
    """The same day N months later, or the month's last day (民法典 §202)."""
    month = d.month - 1 + n
    year, month = d.year + month // 12, month % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def next_working_moment(now: datetime, start_hour: int = 9, end_hour: int = 18) -> datetime:
    """`now` if it falls in working hours of a working day, else the next working day at
    `start_hour`: notices never go out at night or on a holiday."""
    local = now.astimezone(SHANGHAI)
    idx = index()
    d = local.date()
    if idx.is_workday(d):
        if start_hour <= local.hour < end_hour:
            return now
        if local.hour < start_hour:
            return datetime.combine(d, time(start_hour, 0), SHANGHAI)
    return datetime.combine(idx.add(d, 1), time(start_hour, 0), SHANGHAI)
