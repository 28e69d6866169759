"""Writes to the working-day calendar: loading official and provisional years, editing a day.

Every change bumps the calendar version (so every process rebuilds its working-day index)
and recomputes the open clocks whose dates it moves (`efficiency.clocks.clocks_recompute`).
The provisional calendar of an unpublished year is computed by `efficiency.workdays`
(`provisional_days`), one layer below this module.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from . import workdays
from .audit import audit_record
from .clocks import clocks_recompute
from .models import CalendarDay, CalendarSource, CalendarVersion, CalendarYear
from .workdays import provisional_days


class CalendarImportError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors))
        self.errors = errors


def _official_years() -> dict[int, dict[date, tuple[str, str]]]:
    import chinese_calendar

    years: dict[int, dict[date, tuple[str, str]]] = {}
    names = {h.value: h.chinese for h in chinese_calendar.Holiday}
    for d, name in chinese_calendar.holidays.items():
        years.setdefault(d.year, {})[d] = ("holiday", names.get(name, name))
    for d, name in chinese_calendar.workdays.items():
        if d.weekday() >= 5:
            years.setdefault(d.year, {})[d] = ("workday", f"{names.get(name, name)}调休")
    return years


def calendar_bump() -> int:
    CalendarVersion.objects.get_or_create(pk=1)
    CalendarVersion.objects.filter(pk=1).update(version=F("version") + 1)
    workdays.calendar_changed()
    return CalendarVersion.objects.get(pk=1).version


def _replace_year(year: int, days: dict[date, tuple[str, str]], source: str) -> None:
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(date=d, kind=k, name=n, source=source) for d, (k, n) in sorted(days.items())
    )
    CalendarYear.objects.update_or_create(year=year, defaults={"source": source})


def _after_change(actor, summary: str, first_changed: date | None):
    calendar_bump()
    audit_record("update", actor=actor, object_type="calendar", summary=summary)
    return clocks_recompute(actor=actor, since=first_changed, reason=summary)


def calendar_seed(*, actor=None, provisional_through: int | None = None) -> dict:
    """Load every official year of the chinese-calendar package, and provisional years after.

    Idempotent: official years already loaded are left alone.
    """
    loaded = dict(CalendarYear.objects.values_list("year", "source"))
    added = []
    with transaction.atomic():
        official = _official_years()
        for year, days in sorted(official.items()):
            if loaded.get(year) in (CalendarSource.OFFICIAL, CalendarSource.MANUAL):
                continue
            _replace_year(year, days, CalendarSource.OFFICIAL)
            added.append(year)
        last = max(official)
        for year in range(last + 1, (provisional_through or last + 1) + 1):
            if year not in loaded:
                _replace_year(year, provisional_days(year), CalendarSource.PROVISIONAL)
                added.append(year)
        if added:
            first = date(min(added), 1, 1)
            result = _after_change(actor, f"载入日历年度 {added}", first)
        else:
            result = {"recomputed": 0}
    return {"years": added, **result}


def calendar_import_year(*, actor, year: int, content: str) -> dict:
    """Replace a year from a CSV of `date,kind,name` (kind: holiday / workday, 放假 / 上班).

    The State Council's notice for the next year arrives late in the year; loading it makes
    the year official and recomputes every open deadline it moves. A bad row imports nothing.
    """
    kinds = {"holiday": "holiday", "放假": "holiday", "workday": "workday", "上班": "workday", "调休上班": "workday"}
    days: dict[date, tuple[str, str]] = {}
    errors = []
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")))
    for lineno, row in enumerate(reader, start=1):
        if not row or not "".join(row).strip() or row[0].strip().lower() in ("date", "日期"):
            continue
        try:
            d = date.fromisoformat(row[0].strip())
        except ValueError:
            errors.append(_("第 %(row)s 行：日期“%(value)s”格式错误，应为 YYYY-MM-DD") % {"row": lineno, "value": row[0]})
            continue
        kind = kinds.get(row[1].strip().lower() if len(row) > 1 else "")
        if d.year != year:
            errors.append(_("第 %(row)s 行：日期 %(date)s 不在 %(year)s 年") % {"row": lineno, "date": d, "year": year})
        elif kind is None:
            errors.append(_("第 %(row)s 行：类别应为 holiday/放假 或 workday/上班") % {"row": lineno})
        else:
            days[d] = (kind, row[2].strip() if len(row) > 2 else "")
    if not days and not errors:
        errors.append(_("文件中没有任何日期"))
    if errors:
        raise CalendarImportError(errors)
    with transaction.atomic():
        _replace_year(year, days, CalendarSource.OFFICIAL)
        return _after_change(actor, f"导入 {year} 年官方日历（{len(days)} 天）", date(year, 1, 1))


def calendar_set_day(*, actor, day: date, kind: str | None, name: str = "") -> dict:
    """Mark one date a holiday or an adjusted working day, or (kind=None) a plain day again."""
    if kind not in (None, CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.WORKDAY):
        raise CalendarImportError([_("类别“%(kind)s”无效，应为 holiday 或 workday") % {"kind": kind}])
    with transaction.atomic():
        if not CalendarYear.objects.filter(year=day.year).exists():
            # A year not in the table yet is computed provisionally; store it as such first,
            # or marking one day would drop the year's statutory holidays.
            _replace_year(day.year, provisional_days(day.year), CalendarSource.PROVISIONAL)
        if kind is None:
            CalendarDay.objects.filter(date=day).delete()
        else:
            CalendarDay.objects.update_or_create(
                date=day, defaults={"kind": kind, "name": name, "source": CalendarSource.MANUAL}
            )
        return _after_change(actor, f"修改日历 {day} 为 {kind or '普通日'} {name}", day)
