"""Issue 17: the sweep writes a batch's deliveries in the statement that claims the clocks and
writes the events (`notifications.deliveries_sql`, the recipients resolved in SQL). They must be
the deliveries the Python fan-out (`notifications_fan_out`) writes for the same events: same
people (active only; an absent owner's backup; the unit's heads; the office and leaders of the
unit's region and the one above, else the nearest level up; everyone of the role without a
region), same keys, channels, statuses and times."""

from datetime import datetime

import pytest
import time_machine
from django.db import connection, transaction

from accountability.models import Complaint
from efficiency.events import events_emit
from efficiency.models import Event, Notification, Role, Rung, User
from efficiency.notifications import deliveries_sql, notifications_fan_out
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem
from tests.efficiency.test_breach_recipients import started, tree  # noqa: F401 - the region tree fixture
from tests.factories import make_unit, make_user

pytestmark = pytest.mark.django_db

SPECS = ["owner", "head", "office", "leader", "user:{user}", "user:0{user}", "user:999999", "phone:13800000000",
         "email:citizen@example.org"]
NIGHT = datetime(2025, 10, 9, 22, tzinfo=SHANGHAI)  # deferred mail waits for 09:00 of the next working day

COLUMNS = ("event_id", "user_id", "recipient", "channel", "status", "deliver_after", "sent_at", "created_at",
           "stored_title", "attempts")


def deliveries() -> set[tuple]:
    return set(Notification.objects.values_list(*COLUMNS))


def events_for(org, tree):  # noqa: F811 - the fixture's value
    """Events naming every kind of recipient, about items in the county, the city and nowhere."""
    absent = make_user(Role.CLERK, unit=org.unit_b, username="absent_b")
    User.objects.filter(pk=absent.pk).update(is_absent=True, backup=org.clerk_b)
    gone = make_user(Role.CLERK, unit=org.unit_b, username="gone_b")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    User.objects.filter(pk=org.head_b.pk).update(email="")  # inbox only
    User.objects.filter(pk=make_user(Role.HEAD, unit=org.unit_a, username="head_a_inactive").pk).update(is_active=False)
    quiet = make_unit("鄂城区无人单位", region=tree.echeng, code="ECQ-QUIET")
    items = [started(tree.county_unit, tree.county_clerk), started(org.unit_a, org.clerk_a),
             started(org.unit_b, absent), started(org.unit_b, gone), started(quiet, None)]
    specs = []
    for item in items:
        for kind, names in (("clock.breach", SPECS), ("test.notice", SPECS[:4]), ("test.notice", ["owner", "owner"])):
            specs.append(dict(kind=kind, subject=item, level_from=0, level_to=Rung.RED,
                              recipients=[s.format(user=org.office.pk) for s in names]))
    specs.append(dict(kind="test.notice", subject=tree.province, recipients=SPECS[:4]))  # no unit
    return specs


def sql_fan_out(specs) -> None:
    sql, params = deliveries_sql("ev", specs, TimedItem)
    with connection.cursor() as cur:
        cur.execute(f"WITH ev AS (SELECT * FROM efficiency_event WHERE NOT fanned_out) {sql}", params)


def python_then_sql(events, specs) -> tuple[list, list]:
    """The same events fanned out by the Python fan-out (rolled back) and by deliveries_sql."""
    with time_machine.travel(NIGHT, tick=False):
        events_emit(events)
        with transaction.atomic():
            notifications_fan_out()
            by_python = deliveries()
            transaction.set_rollback(True)
        sql_fan_out(specs)
    return by_python, deliveries()


def test_the_deliveries_written_in_sql_are_those_of_the_python_fan_out(org, tree):  # noqa: F811
    by_python, by_sql = python_then_sql(events_for(org, tree), SPECS + ["user:1"])
    assert by_sql == by_python
    kinds = {(r[3], r[4], r[5] == NIGHT) for r in by_python}  # deferred to 09:00 (a card's mail) or not
    assert kinds == {("inbox", "sent", True), ("email", "pending", True), ("email", "pending", False),
                     ("sms", "pending", False)}
    assert len(by_python) > 100


def test_nobody_at_the_units_level_or_above_reaches_the_nearest_level_further_up_in_sql_too(org, tree):  # noqa: F811
    type(org.office).objects.filter(pk__in=[org.office.pk, tree.echeng_office.pk]).update(is_active=False)
    by_python, by_sql = python_then_sql(events_for(org, tree), SPECS)
    assert by_sql == by_python
    assert f"user:{tree.province_office.pk}" in {r[2] for r in by_python}


def test_the_sweep_delivers_its_cards_in_its_own_statement(org, tree):  # noqa: F811
    item = started(tree.county_unit, tree.county_clerk)
    with time_machine.travel(item.red_at, tick=False):
        sweep(now=item.red_at)
        card = Event.objects.get(kind="clock.breach", subject_id=item.pk)
        assert card.fanned_out  # nothing left for the fan-out
        assert notifications_fan_out() == 0
        written = deliveries()
        # The Python fan-out of the same card writes the same rows (and, ON CONFLICT, adds none).
        Event.objects.filter(pk=card.pk).update(fanned_out=False)
        Notification.objects.all().delete()
        notifications_fan_out()
    assert deliveries() == written and len(written) == 10  # clerk, 2 offices, 2 leaders; inbox + e-mail


def test_items_with_a_recusal_rule_are_left_to_the_fan_out(org):
    """回避 (a complaint about a unit reaches neither its members nor its office): the Python
    fan-out applies it, so the sweep writes those cards for the fan-out."""
    assert deliveries_sql("ev", ["owner"], Complaint) is None
    assert deliveries_sql("ev", ["owner"], TimedItem) is not None


def test_subscribers_of_breaches_hear_the_sweeps_batch(org, monkeypatch):
    """The sweep's events reach `clock.breach` subscribers as `events_emit`'s would: those with an
    SQL form inside the statement (`events.subscriber_ctes`), the others after it, by batch."""
    from collections import defaultdict

    from efficiency import registry

    monkeypatch.setattr(registry, "_subscribers", defaultdict(list))
    monkeypatch.setattr(registry, "_batch_subscribers", defaultdict(list))
    heard, each = [], []
    registry.subscribe("clock.breach", lambda batch: heard.append(sorted(batch.ids)), batch=True)
    registry.subscribe("clock.breach", each.append)
    item = started(org.unit_a, org.clerk_a)
    with time_machine.travel(item.due_at, tick=False):
        sweep(now=item.due_at)
    cards = sorted(Event.objects.filter(kind="clock.breach").values_list("pk", flat=True))
    assert heard == [cards] and [e.pk for e in each] == cards
