"""Where apps plug into the core without the core importing them.

- `register_clock_model(Model, on_breach=..., rung_recipients=..., proposes=True)`: the sweep
  moves every registered model's clocks and hands each batch of transitions to the model's
  breach handlers (same transaction); `rung_recipients` ({rung: [recipient specs]}) replaces, for
  the rungs it names, who hears of that model's cards (`efficiency.sweep.RUNG_RECIPIENTS`
  otherwise). An item crossing the last rung (问责建议) makes the sweep emit one
  `accountability.propose` event, unless `proposes=False` (a model that proposes otherwise, or
  the accountability case itself). `on_change(model, ids)`: called by `efficiency.clocks` after
  every write of clock fields of that model's items (start, pause, resume, extension, close,
  recompute; one call per statement, with the ids written), in the same transaction — for an
  app that keeps a copy of a clock's date on another row (the complaint's `review_due`, the due
  time of its open review). A clock started with `save=False` is inserted by the caller, who
  calls `clocks.clocks_changed` once the rows exist.
- `subscribe(kind, handler, batch=False)`: called with each event of that kind, in the emitting
  transaction; this is how one app reacts to another (`accountability.propose` opening a
  proposal). With `batch=True` the handler is called once per `events_emit` call with the list
  of that call's events of the kind (a sweep batch's thousand proposals are one call), so it can
  do its work in a constant number of statements. A batch handler may also give `sql=`: a
  function `(source, kinds) -> (sql, params)` returning one data-modifying statement that does
  the same work from the rows of `source` (a relation with the event table's columns
  `efficiency.events.EVENT_COLUMNS`) whose kind is in `kinds` — or, for work in several
  steps, `sql` a list of whole CTEs (`name AS (…)`, names the subscriber's own, e.g. its app's
  prefix), or None to be called as a handler this time; `efficiency.events.write_with`, the
  sweep and 超时默认 then run it inside their single statement (writable CTEs) instead of
  calling the handler.
- `register_formatter(kind, fn)`: how an event reads in a notification (title, body, link), when
  the default (`【label】item`, the event's message, the item's page) does not fit.
- `register_todos(key, items=..., where=..., url=..., todos=[Todo(...), ...])`: lines of the
  home page's to-do. `items(user)` is the list page's own scoped queryset, `where(params, now)`
  the list page's own filter (query parameters → `Q`); each `Todo` names the parameters of its
  line, so its count (`efficiency.queries.home_todo`, one aggregate per source) and the list
  its link opens (`url?params`) are the same items by construction.

Event kinds themselves (label, audience, severity) are registered in the catalogue,
`efficiency.event_kinds.register_event_kinds(<app>.events.KINDS)`: `event_emit` refuses a kind
that is not there, and tests/efficiency/test_event_kinds.py checks that subscriptions and
formatters name registered kinds.

Apps register in `AppConfig.ready`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from collections.abc import Sequence
from typing import Callable, Iterable, NamedTuple

from django.db import models


class Transition(NamedTuple):
    """One rung crossed by one clock in one sweep (a row of the sweep's RETURNING)."""

    event_id: int
    item_id: int
    level_from: int
    level_to: int

    def crossed(self, rung: int) -> bool:
        return self.level_from < rung <= self.level_to


class Transitions(Sequence):
    """A sweep batch's transitions as PostgreSQL returns them: grouped by (from-rung, to-rung),
    each group two arrays of event ids and item ids. A wave moves most clocks the same way, so
    a handler asking which items crossed a rung (`items_crossing`) gets whole arrays without a
    Python step per transition; `Transition`s are built only for a handler that iterates."""

    __slots__ = ("groups",)

    def __init__(self, groups: Iterable[tuple[int, int, list[int], list[int]]]):
        self.groups = [g for g in groups if g[2]]

    def __len__(self) -> int:
        return sum(len(g[2]) for g in self.groups)

    def __iter__(self):
        for level_from, level_to, events, items in self.groups:
            for event_id, item_id in zip(events, items):
                yield Transition(event_id, item_id, level_from, level_to)

    def __getitem__(self, index: int) -> Transition:
        if index < 0:
            index += len(self)
        for level_from, level_to, events, items in self.groups:
            if 0 <= index < len(events):
                return Transition(events[index], items[index], level_from, level_to)
            index -= len(events)
        raise IndexError("transition index out of range")

    def __repr__(self) -> str:
        return f"<Transitions {[(f, t, len(e)) for f, t, e, _ in self.groups]}>"


def items_crossing(transitions: Sequence[Transition], rung: int) -> list[int]:
    """The ids of the items whose transition crossed `rung`."""
    if isinstance(transitions, Transitions):
        out: list[int] = []
        for level_from, level_to, _events, items in transitions.groups:
            if level_from < rung <= level_to:
                out += items
        return out
    return [t.item_id for t in transitions if t.crossed(rung)]


@dataclass
class ClockModel:
    model: type[models.Model]
    on_breach: list[Callable[[type[models.Model], Sequence[Transition]], None]] = field(default_factory=list)
    # {rung: recipient specs} for the rungs whose recipients differ from the sweep's default.
    rung_recipients: dict[int, tuple[str, ...]] | None = None
    # Whether crossing 问责建议 emits `accountability.propose` (efficiency.sweep).
    proposes: bool = True
    # Called with (model, ids) after clock fields of those items were written (efficiency.clocks).
    on_change: list[Callable[[type[models.Model], list[int]], None]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


_clock_models: dict[str, ClockModel] = {}
_subscribers: dict[str, list[Callable]] = defaultdict(list)
_batch_subscribers: dict[str, list[Callable]] = defaultdict(list)
_batch_subscribers_sql: dict[Callable, Callable] = {}
_formatters: dict[str, Callable] = {}


RECIPIENT_SPECS = ("owner", "head", "office", "leader")


def _check_specs(specs: Iterable[str]) -> tuple[str, ...]:
    out = tuple(specs)
    for spec in out:
        kind, _sep, value = spec.partition(":")
        if not (spec in RECIPIENT_SPECS or (kind == "user" and value.isdigit())
                or (kind in ("phone", "email") and value)):
            raise ValueError(f"unknown recipient spec {spec!r}")
        if any(ch in spec for ch in "'\\%{}"):  # compiled into the sweep's SQL as a jsonb literal
            raise ValueError(f"recipient spec {spec!r} may not contain ' \\ % {{ }}")
    return out


def register_clock_model(model, *, on_breach: Callable | None = None,
                         rung_recipients: dict[int, Iterable[str]] | None = None, proposes: bool = True,
                         on_change: Callable | None = None) -> None:
    """`rung_recipients`: who hears of this model's cards, per rung ({Rung.RED: ["owner",
    "leader"], …}); rungs not named keep the sweep's default. Compiled into the sweep's SQL for
    this model only. `on_change`: see the module's docstring."""
    entry = _clock_models.setdefault(model._meta.label_lower, ClockModel(model))
    if on_breach and on_breach not in entry.on_breach:
        entry.on_breach.append(on_breach)
    if on_change and on_change not in entry.on_change:
        entry.on_change.append(on_change)
    entry.proposes = entry.proposes and proposes
    if rung_recipients is not None:
        from .models import Rung

        checked = {int(Rung(rung)): _check_specs(specs) for rung, specs in rung_recipients.items()}
        if Rung.NONE in checked:
            raise ValueError("no card is raised at rung 0")
        entry.rung_recipients = checked or None


def clock_models() -> Iterable[ClockModel]:
    return list(_clock_models.values())


def clock_model(label: str) -> ClockModel | None:
    return _clock_models.get(label)


def subscribe(kind: str, handler: Callable, *, batch: bool = False, sql: Callable | None = None) -> None:
    """`handler(event)` per event, or with `batch=True` `handler(events)` once per emitting call
    with the call's events of `kind` (in emitting order). `sql` (batch handlers only): the same
    work as one SQL statement over a relation of events (see the module's docstring)."""
    if sql is not None and not batch:
        raise ValueError("an SQL form is for batch subscribers only")
    registry = _batch_subscribers if batch else _subscribers
    if handler not in registry[kind]:
        registry[kind].append(handler)
    if sql is not None:
        _batch_subscribers_sql[handler] = sql


def batch_subscriber_sql(handler: Callable) -> Callable | None:
    """The SQL form a batch handler was subscribed with, if any."""
    return _batch_subscribers_sql.get(handler)


def subscribers(kind: str) -> list[Callable]:
    return list(_subscribers.get(kind, ())) + list(_subscribers.get("*", ()))


def batch_subscribers(kind: str) -> list[Callable]:
    return list(_batch_subscribers.get(kind, ())) + list(_batch_subscribers.get("*", ()))


def register_formatter(kind: str, fn: Callable) -> None:
    _formatters[kind] = fn


def formatter(kind: str) -> Callable | None:
    return _formatters.get(kind) or _formatters.get(kind.split(".")[0] + ".*")


# --- the home page's to-do ----------------------------------------------------------------------


@dataclass(frozen=True)
class Todo:
    """One line of the home page's to-do: the items of its source matching the list filter
    `params` (query parameters of the source's list page), for users of `roles`. `alert` lines
    (red cards, 督办) are shown apart, as the office's and leaders' watch list."""

    key: str
    label: str
    roles: tuple[str, ...]
    params: tuple[tuple[str, str], ...]
    alert: bool = False
    # A fragment of the list page to open at (a page that shows several lists).
    anchor: str = ""
    # Narrower than the role, when a line concerns only some of its holders (the window lines
    # of a 政务服务中心's clerks): (user) -> bool. None: every holder of `roles`.
    when: Callable | None = None


@dataclass
class TodoSource:
    key: str
    title: str  # what the items are (交办件, 办件 …), the heading of the source's lines
    items: Callable  # (user) -> the list page's scoped QuerySet
    where: Callable  # (params: Mapping[str, str], now) -> Q, the list page's filter
    url: str  # the list page's URL name
    todos: list[Todo]
    order: int = 0


_todo_sources: dict[str, TodoSource] = {}


def register_todos(key: str, *, title: str, items: Callable, where: Callable, url: str, todos: Iterable[Todo],
                   order: int = 0) -> None:
    _todo_sources[key] = TodoSource(key, title, items, where, url, list(todos), order)


def todo_sources() -> list[TodoSource]:
    return sorted(_todo_sources.values(), key=lambda s: (s.order, s.key))


# --- the unit page's links and the rules page's local defaults ----------------------------------

_unit_links: dict[str, tuple] = {}
_local_defaults: dict[str, Callable] = {}


def register_unit_link(key: str, *, title, url_name: str) -> None:
    """A link on the unit page (`efficiency:unit_detail`) to an app's page about that unit:
    `reverse(url_name, args=[unit.pk])` (e.g. its 岗位责任制, R67)."""
    _unit_links[key] = (title, url_name)


def unit_links() -> list[tuple]:
    return [_unit_links[k] for k in sorted(_unit_links)]


def register_local_defaults(key: str, fn: Callable) -> None:
    """Numbers an app uses that the seeds do not set, besides the time-limit rules: `fn()`
    returns rows {code, name, value, default, rule_ids}; the rules page lists them, labelled
    本地默认 (种子未规定), with their current values."""
    _local_defaults[key] = fn


def local_default_rows() -> list[dict]:
    return [row for key in sorted(_local_defaults) for row in _local_defaults[key]()]


# --- gaming detection (issue 18): detectors registered by the core and the apps -------------

@dataclass(frozen=True)
class GamingDetector:
    """One pattern of gaming a clock (`efficiency.gaming`). `sql(th, start, end)` returns one
    SELECT (sql, params) over the event log and the items' tables giving the columns
    `efficiency.gaming.FINDING_COLUMNS` for items whose evidence falls in [start, end); `th` is
    the pattern's thresholds {name: value} as the office has set them (defaults: `thresholds`,
    {name: (default, label)}, local defaults — the seeds set none)."""

    code: str
    label: str
    sql: Callable
    thresholds: dict = field(default_factory=dict)
    description: str = ""


_gaming_detectors: dict[str, GamingDetector] = {}


def register_gaming_detector(code: str, *, label, sql: Callable, thresholds: dict | None = None,
                             description: str = "") -> None:
    _gaming_detectors[code] = GamingDetector(code, label, sql, dict(thresholds or {}), description)


def gaming_detectors() -> list[GamingDetector]:
    return list(_gaming_detectors.values())


def gaming_detector(code: str) -> GamingDetector | None:
    return _gaming_detectors.get(code)
