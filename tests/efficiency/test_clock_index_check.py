"""The sweep's partial index on `next_at` is declared once, in `Clock.Meta`; the system check
efficiency.E001 fails for a registered clock model without it."""

import pytest
from django.core.management import call_command
from django.db import connection, models
from django.test.utils import isolate_apps

from efficiency import registry
from efficiency.checks import clock_index_check
from efficiency.models import Clock
from tests.clocktest.models import TimedItem


def test_every_registered_clock_model_has_the_index_and_the_check_passes():
    assert len(registry.clock_models()) >= 12
    assert clock_index_check() == []
    call_command("check", "--fail-level", "ERROR")


def test_a_registered_model_whose_meta_drops_the_index_fails_the_check(monkeypatch):
    monkeypatch.setattr(TimedItem._meta, "indexes", [i for i in TimedItem._meta.indexes if i.fields != ["next_at"]])
    [error] = clock_index_check()
    assert error.id == "efficiency.E001" and error.obj is TimedItem


@isolate_apps("tests.clocktest")
def test_a_model_with_its_own_meta_not_inheriting_clock_meta_fails_the_check(monkeypatch):
    class Forgetful(Clock):
        unit = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+")

        class Meta:  # not Meta(Clock.Meta): the index is lost
            app_label = "clocktest"
            indexes = [models.Index(fields=["due_at"], name="forgetful_due")]

    monkeypatch.setattr(registry, "_clock_models", dict(registry._clock_models))
    registry.register_clock_model(Forgetful)
    assert [e.obj for e in clock_index_check()] == [Forgetful]


@pytest.mark.django_db
def test_the_migrations_built_the_index_on_every_clock_table():
    with connection.cursor() as cur:
        cur.execute("SELECT tablename, indexdef FROM pg_indexes WHERE indexname LIKE %s", ["%clock_next"])
        found = {table: definition for table, definition in cur.fetchall()}
    for entry in registry.clock_models():
        definition = found[entry.model._meta.db_table]
        assert "(next_at)" in definition and "WHERE" in definition and "paused_at IS NULL" in definition
