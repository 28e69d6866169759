from datetime import datetime

import pytest
import time_machine

from efficiency import clocks
from efficiency.models import Event, Rung
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem

pytestmark = pytest.mark.django_db(transaction=False)


def test_it_moves_a_clock_up_the_ladder_once(org):  # R01 R02
    start = datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        item = TimedItem(unit=org.unit_a, owner=org.clerk_a)
        item.save()
        clocks.clock_start(item, actor=org.office, rule="instruction.deploy")
    assert item.due_at == datetime(2025, 10, 11, 23, 59, 59, tzinfo=SHANGHAI)
    after_due = datetime(2025, 10, 12, 9, 0, tzinfo=SHANGHAI)
    assert sweep(now=after_due)["clocktest.timeditem"] == 1
    assert sweep(now=after_due)["clocktest.timeditem"] == 0
    item.refresh_from_db()
    assert item.breach_level == Rung.YELLOW
    assert Event.objects.filter(kind="clock.breach", subject_id=item.pk).count() == 1
