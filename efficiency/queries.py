"""Reads the core's pages need."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from . import process_cache, registry
from .models import CalendarSource, CalendarYear, ClockQuerySet, Role, Unit


# Unit id -> (name, short name): units change rarely, so lists show their names (and every page's
# header the user's unit) from this process's copy instead of joining or reading the unit table on
# every page (efficiency.process_cache).
# The same copy holds the active units' ids in code order once a list's unit drop-down asked for
# them (`active_units`), under the key "active".
_unit_names: dict[int, tuple[str, str]] = {}
_active_units: dict[str, tuple[int, ...]] = {}


def _unit_copy_drop() -> None:
    _unit_names.clear()
    _active_units.clear()


_unit_names_staleness = process_cache.Staleness(drop=_unit_copy_drop)


def _unit_copy_checked() -> None:
    if _unit_names_staleness.due():
        _unit_copy_drop()
        _unit_names_staleness.checked()


def _unit_rows(ids) -> dict[int, tuple[str, str]]:
    """The copy's rows of the units `ids`; the ids not in the copy yet are read in one query."""
    _unit_copy_checked()
    missing = {i for i in ids if i is not None and i not in _unit_names}
    if missing:
        _unit_names.update((pk, (name, short)) for pk, name, short in
                           Unit.objects.filter(pk__in=missing).order_by().values_list("pk", "name", "short_name"))
    return {i: _unit_names[i] for i in ids if i in _unit_names}


def unit_names(ids) -> dict[int, str]:
    """The names of the units `ids` (id -> name; an unknown id is left out), from this process's
    copy: a rename saved here is read at once, one saved in another process within a second
    (`process_cache.RECHECK_SECONDS`)."""
    return {i: name for i, (name, _short) in _unit_rows(ids).items()}


def unit_label(unit_id) -> str:
    """A unit as the page header shows it: its short name, else its name ("" for none), from the
    same copy."""
    name, short = _unit_rows((unit_id,)).get(unit_id, ("", ""))
    return short or name


def active_units() -> list[tuple[int, str]]:
    """The active units as (id, name), in code order — the lists' unit drop-downs
    (`efficiency.listing.unit_filter`) — from the same copy: one query when the copy is read
    again (at most once a second, or after a change saved here), none otherwise."""
    _unit_copy_checked()
    ids = _active_units.get("active")
    if ids is None:
        rows = list(Unit.objects.filter(is_active=True).order_by("code").values_list("pk", "name", "short_name"))
        _unit_names.update((pk, (name, short)) for pk, name, short in rows)
        ids = _active_units["active"] = tuple(pk for pk, _name, _short in rows)
    return [(pk, _unit_names[pk][0]) for pk in ids]


def unit_names_changed(**_signal) -> None:
    """A Unit row saved or deleted in this process (a model signal)."""
    _unit_copy_drop()
    _unit_names_staleness.changed_here()


def provisional_years_with_open_deadlines() -> list[int]:
    """Provisional calendar years that some open deadline falls in."""
    years = set(CalendarYear.objects.filter(source=CalendarSource.PROVISIONAL).values_list("year", flat=True))
    found = set()
    for entry in registry.clock_models():
        for year in years - found:
            if entry.model.objects.open().filter(is_provisional=True, due_at__year=year).exists():
                found.add(year)
    return sorted(found)


def provisional_banner(user) -> list[int]:
    """For administrators and the office: the provisional years to warn about (cached a minute)."""
    if user.role not in (Role.OFFICE, Role.SYSTEM_ADMIN):
        return []
    try:
        years = cache.get("provisional_banner")
    except Exception:  # noqa: BLE001 - the cache (Redis) may be down; compute instead
        years = None
    if years is None:
        years = provisional_years_with_open_deadlines()
        try:
            cache.set("provisional_banner", years, 60)
        except Exception:  # noqa: BLE001
            pass
    return years


# --- deadline filters of the lists, and the home page's to-do ------------------------------------

# The lists' `window` parameter: already overdue, or due within N days (ClockQuerySet's rules).
DUE_WINDOWS = {"overdue": None, "3": 3, "7": 7, "30": 30}


def q_deadline(params: Mapping[str, str], now: datetime | None = None) -> Q:
    """The deadline filters every clock list reads from its query parameters, as one `Q`:
    `window` (overdue, or due within 3/7/30 days) and `rung` (open and on that rung of the
    breach ladder or above: 3 红牌, 4 督办单). Unknown values filter nothing."""
    q = Q()
    window, rung = params.get("window", ""), params.get("rung", "")
    if window == "overdue":
        q &= ClockQuerySet.q_overdue(now)
    elif window in DUE_WINDOWS:
        q &= ClockQuerySet.q_due_within(DUE_WINDOWS[window], now)
    if rung.isdigit() and 0 < int(rung) <= 5:
        q &= ClockQuerySet.q_open() & ClockQuerySet.q_at_rung(int(rung), or_above=True)
    return q


@dataclass(frozen=True)
class TodoLine:
    source: registry.TodoSource
    todo: registry.Todo
    count: int
    url: str

    @property
    def key(self) -> str:
        return f"{self.source.key}.{self.todo.key}"


def home_todo(user, *, now: datetime | None = None) -> list[TodoLine]:
    """The user's to-do: each registered line for the user's role, counted over the source's list
    (so within the user's scope) with the list's own filter. One aggregate query per source,
    whatever the number of items."""
    now = now or timezone.now()
    lines = []
    for source in registry.todo_sources():
        todos = [t for t in source.todos
                 if getattr(user, "role", None) in t.roles and (t.when is None or t.when(user))]
        if not todos:
            continue
        counts = source.items(user).aggregate(**{
            f"n{i}": Count("pk", filter=source.where(dict(t.params), now)) for i, t in enumerate(todos)})
        base = reverse(source.url)
        for i, t in enumerate(todos):
            url = base + (f"?{urlencode(t.params)}" if t.params else "") + (f"#{t.anchor}" if t.anchor else "")
            lines.append(TodoLine(source, t, counts[f"n{i}"], url))
    return lines
