"""A leader opens the cockpit, clicks a unit's red bar, lands on that unit's red list and opens
an item (Chromium)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboards import rollups
from efficiency.models import ClockState, Event, Rung
from tests.clocktest.models import TimedItem

from .conftest import login, shot


def red_items(unit, n, now):
    for i in range(n):
        item = TimedItem.objects.create(
            title=f"{unit.short_name or unit.name}超期事项{i + 1}", unit=unit, clock_start=now - timedelta(days=12),
            limit_value=5, due_at=now - timedelta(days=5), breach_level=Rung.RED, clock_state=ClockState.OVERDUE)
        Event.objects.create(kind="clock.breach", subject_type="clocktest.timeditem", subject_id=item.pk,
                             unit=unit, at=now - timedelta(days=1), level_from=Rung.YELLOW, level_to=Rung.RED,
                             fanned_out=True)


@pytest.mark.django_db(transaction=True)
def test_a_leader_clicks_a_red_bar_and_opens_an_item(page, live_server, org):
    now = timezone.now()
    red_items(org.unit_a, 3, now)
    red_items(org.unit_b, 1, now)
    rollups.rollup_recent(now=now)

    login(page, live_server, "leader")
    page.goto(f"{live_server.url}/dashboards/")
    page.wait_for_function("window.cockpitCharts && window.cockpitCharts.red")
    assert page.text_content("#fig-red").strip() == "4"
    shot(page, "dashboards_cockpit")

    # Click the first (tallest) bar where ECharts drew it: unit A, three red cards.
    page.locator("#chart-red").scroll_into_view_if_needed()
    x, y = page.evaluate("""() => {
        const c = window.cockpitCharts;
        return c.red.convertToPixel({seriesIndex: 0}, [0, c.redData[0].value / 2]);
    }""")
    box = page.locator("#chart-red").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(f"**/dashboards/items/?state=red&unit={org.unit_a.pk}")
    assert page.locator("#item-list tbody tr").count() == 3
    assert org.unit_a.name in page.text_content("h1")

    page.click("#item-list tbody tr:first-child a")
    page.wait_for_url("**/dashboards/item/clocktest.timeditem/**")
    assert "红牌" in page.text_content("#clock")
    assert "黄牌 → 红牌" in page.text_content(".timeline")
    shot(page, "dashboards_red_item")
