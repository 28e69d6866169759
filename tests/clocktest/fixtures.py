"""Fixtures for the clock's tests (import them into a test module)."""

import pytest
from django.db import connection


def reseed() -> None:
    """What the data migrations put in, for a transactional test after another one's flush:
    the calendar (official years + provisional 2027), the time-limit rules, the beat schedule."""
    from efficiency.calendar import calendar_seed
    from efficiency.models import CalendarYear, TimeLimitRule
    from efficiency.rules_seed import seed_rules
    from efficiency.schedule import sync_beat_schedule

    if not CalendarYear.objects.exists():
        calendar_seed(provisional_through=max(CalendarYear.objects.values_list("year", flat=True), default=2026) + 1)
    if not TimeLimitRule.objects.exists():
        seed_rules(TimeLimitRule)
    sync_beat_schedule()


@pytest.fixture
def flushable_db(transactional_db):
    """A transaction=True test whose teardown can flush the database, and that finds the
    seeded data even after an earlier transactional test flushed it.

    The audit log refuses TRUNCATE (R40), and pytest-django empties the tables of a
    transactional test with one; the refusal is switched off just for that flush and back on
    at the start of the next test that uses this fixture."""
    with connection.cursor() as cur:
        cur.execute("ALTER TABLE efficiency_auditlog ENABLE TRIGGER efficiency_auditlog_no_truncate")
    reseed()
    yield
    with connection.cursor() as cur:
        cur.execute("ALTER TABLE efficiency_auditlog DISABLE TRIGGER efficiency_auditlog_no_truncate")
