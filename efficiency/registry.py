"""Where apps plug into the core without the core importing them.

- `register_clock_model(Model, on_breach=...)`: the sweep moves every registered model's clocks
  and hands each batch of transitions to the model's breach handlers (same transaction).
- `subscribe_breach(handler)`: called with every model's transitions (any app's red cards).
- `subscribe(kind, handler)`: called with each event of that kind, in the emitting transaction;
  this is how one app reacts to another (a red card opening an accountability proposal).
- `register_formatter(kind, fn)`: how an event reads in a notification (title, body, link).

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

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


_clock_models: dict[str, ClockModel] = {}
_breach_subscribers: list[Callable] = []
_subscribers: dict[str, list[Callable]] = defaultdict(list)
_formatters: dict[str, Callable] = {}


def register_clock_model(model, *, on_breach: Callable | None = None) -> None:
    entry = _clock_models.setdefault(model._meta.label_lower, ClockModel(model))
    if on_breach and on_breach not in entry.on_breach:
        entry.on_breach.append(on_breach)


def clock_models() -> Iterable[ClockModel]:
    return list(_clock_models.values())


def clock_model(label: str) -> ClockModel | None:
    return _clock_models.get(label)


def subscribe_breach(handler: Callable[[type[models.Model], Sequence[Transition]], None]) -> None:
    """Called for every model's transitions, after the model's own handlers, in the sweep's
    transaction (e.g. accountability opening a proposal when an item crosses 问责建议)."""
    if handler not in _breach_subscribers:
        _breach_subscribers.append(handler)


def breach_subscribers() -> list[Callable]:
    return list(_breach_subscribers)


def subscribe(kind: str, handler: Callable) -> None:
    if handler not in _subscribers[kind]:
        _subscribers[kind].append(handler)


def subscribers(kind: str) -> list[Callable]:
    return list(_subscribers.get(kind, ())) + list(_subscribers.get("*", ()))


def register_formatter(kind: str, fn: Callable) -> None:
    _formatters[kind] = fn


def formatter(kind: str) -> Callable | None:
    return _formatters.get(kind) or _formatters.get(kind.split(".")[0] + ".*")
