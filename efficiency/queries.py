"""Reads the core's pages need."""

from __future__ import annotations

from django.core.cache import cache

from . import registry
from .models import CalendarSource, CalendarYear, Role


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
