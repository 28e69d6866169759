"""Who hears of a breach: "office" and "leader" are the responsible ones of the item's unit
(属地管理、分级负责: the unit's own region and the one directly above), and a clock model can
name its own recipients per rung (registry `rung_recipients`), compiled into the sweep."""

from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from efficiency import clocks, registry
from efficiency import sweep as sweep_module
from efficiency.clocks import Limit
from efficiency.events import event_emit
from efficiency.models import Event, Notification, Region, Role, Rung, Unit
from efficiency.notifications import notifications_fan_out
from efficiency.sweep import recipients_for, sweep
from efficiency.workdays import SHANGHAI
from tests.clocktest.models import TimedItem
from tests.factories import RegionFactory, make_unit, make_user

pytestmark = pytest.mark.django_db

START = datetime(2025, 9, 30, 10, tzinfo=SHANGHAI)


@pytest.fixture
def tree(org):
    """湖北省 ⊃ 鄂州市 (the `org` fixture's city) ⊃ 鄂城区, 华容区; an office and a leader at each
    level and in each county, and a unit with a clerk in 鄂城区."""
    province = RegionFactory(code="420000", name="湖北省", level=Region.Level.PROVINCE)
    Region.objects.filter(pk=org.region.pk).update(parent=province)
    echeng = RegionFactory(code="420704", name="鄂城区", level=Region.Level.COUNTY, parent=org.region)
    huarong = RegionFactory(code="420703", name="华容区", level=Region.Level.COUNTY, parent=org.region)

    def office_and_leader(region, tag):
        office = make_user(Role.OFFICE, unit=make_unit(f"{tag}效能办", region=region, code=f"{tag}-XNB",
                                                       kind=Unit.Kind.OFFICE), username=f"office_{tag}")
        leader = make_user(Role.LEADER, unit=make_unit(f"{tag}人民政府", region=region, code=f"{tag}-GOV",
                                                       kind=Unit.Kind.GOVERNMENT), username=f"leader_{tag}")
        return office, leader

    t = type("Tree", (), {})()
    t.province_office, t.province_leader = office_and_leader(province, "HB")
    t.echeng_office, t.echeng_leader = office_and_leader(echeng, "ECQ")
    t.huarong_office, t.huarong_leader = office_and_leader(huarong, "HRQ")
    t.county_unit = make_unit("鄂城区市场监督管理局", region=echeng, code="ECQ-SCJG")
    t.county_clerk = make_user(Role.CLERK, unit=t.county_unit, username="clerk_ecq")
    t.province, t.echeng, t.huarong = province, echeng, huarong
    return t


def started(unit, owner, *, rule=None, actor=None):
    with time_machine.travel(START, tick=False):
        item = TimedItem.objects.create(unit=unit, owner=owner, title="一件交办件")
        if rule:
            return clocks.clock_start(item, actor=actor, rule=rule)
        return clocks.clock_start(item, actor=actor, limit=Limit(3))


def inbox(event) -> set[int]:
    return set(Notification.objects.filter(event=event, channel="inbox").values_list("user_id", flat=True))


# --- part 1: the responsible office and leader ---------------------------------------------------


def test_a_county_items_red_card_reaches_the_county_and_city_office_not_the_province_nor_another_county(
        org, tree):
    item = started(tree.county_unit, tree.county_clerk)
    sweep(now=item.red_at)
    card = Event.objects.get(kind="clock.breach", subject_id=item.pk)
    assert card.level_to == Rung.RED and "office" in card.recipients
    notifications_fan_out()
    told = inbox(card)
    assert {tree.echeng_office.pk, org.office.pk} <= told  # 本级 and the level above (鄂州市)
    assert tree.huarong_office.pk not in told  # another county's office
    assert tree.province_office.pk not in told  # two levels up: the city answers for its counties
    # From 红牌 up the leaders of the same two levels hear too (issue #15), not another county's
    assert told == {tree.county_clerk.pk, tree.echeng_office.pk, org.office.pk, tree.echeng_leader.pk, org.leader.pk}
    assert tree.huarong_leader.pk not in told and tree.province_leader.pk not in told


def test_a_city_items_office_and_leader_are_the_citys_and_the_provinces(org, tree):
    item = started(org.unit_a, org.clerk_a)
    event = event_emit("test.notice", subject=item, message="请阅", recipients=["office", "leader"])
    notifications_fan_out()
    assert inbox(event) == {org.office.pk, tree.province_office.pk, org.leader.pk, tree.province_leader.pk}


def test_with_nobody_at_the_units_level_or_the_one_above_the_nearest_level_further_up_is_told(org, tree):
    # 鄂城区 and 鄂州市 without an active office: the province's office hears of it, not 华容区's.
    type(org.office).objects.filter(pk__in=[org.office.pk, tree.echeng_office.pk]).update(is_active=False)
    item = started(tree.county_unit, tree.county_clerk)
    event = event_emit("test.notice", subject=item, message="请阅", recipients=["office"])
    notifications_fan_out()
    assert inbox(event) == {tree.province_office.pk}


def test_an_event_without_a_unit_still_reaches_every_office_and_leader(org, tree):
    event = event_emit("test.notice", subject=tree.province, message="全省通报", recipients=["office", "leader"])
    assert event.unit_id is None
    notifications_fan_out()
    offices = {org.office.pk, tree.province_office.pk, tree.echeng_office.pk, tree.huarong_office.pk}
    leaders = {org.leader.pk, tree.province_leader.pk, tree.echeng_leader.pk, tree.huarong_leader.pk}
    assert inbox(event) == offices | leaders


def test_fan_out_resolves_offices_with_a_fixed_number_of_queries_per_batch(org, tree):
    def fan_out_of(pairs) -> int:
        for unit, owner in pairs:
            event_emit("test.notice", subject=started(unit, owner), message="请阅", recipients=["office", "leader", "head"])
        Event.objects.filter(fanned_out=False).exclude(kind="test.notice").update(fanned_out=True)
        with CaptureQueriesContext(connection) as queries:
            assert notifications_fan_out() == len(pairs)
        return len(queries.captured_queries)

    notifications_fan_out()  # warm up the content-type cache
    two = fan_out_of([(tree.county_unit, tree.county_clerk), (org.unit_a, org.clerk_a)])
    twenty = fan_out_of([(tree.county_unit, tree.county_clerk), (org.unit_b, org.clerk_b)] * 10)
    assert twenty == two  # no query per event


def test_a_repeated_fan_out_of_a_regional_breach_adds_nothing(org, tree):
    item = started(tree.county_unit, tree.county_clerk)
    sweep(now=item.red_at)
    sweep(now=item.red_at)
    card = Event.objects.get(kind="clock.breach", subject_id=item.pk)
    notifications_fan_out()
    before = sorted(Notification.objects.filter(event=card).values_list("recipient", "channel"))
    Event.objects.filter(pk=card.pk).update(fanned_out=False)  # as if the first run died before its commit
    notifications_fan_out()
    assert sorted(Notification.objects.filter(event=card).values_list("recipient", "channel")) == before
    assert {r for r, _c in before} == {f"user:{u.pk}" for u in (tree.county_clerk, tree.echeng_office, org.office,
                                                                 tree.echeng_leader, org.leader)}


# --- part 2: a model's own rung recipients -----------------------------------------------------------


@pytest.fixture
def overridden():
    """TimedItem with its own recipients for 黄牌 and 红牌 (the other rungs keep the default)."""
    entry = registry.clock_model("clocktest.timeditem")
    saved = entry.rung_recipients
    registry.register_clock_model(TimedItem, rung_recipients={
        Rung.YELLOW: ["owner"], Rung.RED: ["owner", "head", "leader"]})
    yield entry
    entry.rung_recipients = saved


def test_a_models_rung_recipients_are_stored_on_its_cards_and_notified(org, overridden):
    item = started(org.unit_a, org.clerk_a)
    sweep(now=item.due_at)
    yellow = Event.objects.get(kind="clock.breach", subject_id=item.pk, level_to=Rung.YELLOW)
    assert yellow.recipients == ["owner"]  # default: owner and head
    sweep(now=item.red_at)
    red = Event.objects.get(kind="clock.breach", subject_id=item.pk, level_to=Rung.RED)
    assert red.recipients == ["owner", "head", "leader"]  # default: owner, head, office
    notifications_fan_out()
    assert inbox(yellow) == {org.clerk_a.pk}
    assert inbox(red) == {org.clerk_a.pk, org.head_a.pk, org.leader.pk}  # the office is not told


def test_a_jump_over_several_rungs_joins_the_overridden_and_the_default_lists(org, overridden):
    item = started(org.unit_a, org.clerk_a, rule="instruction.deploy")
    sweep(now=item.notice_at)
    card = Event.objects.get(kind="clock.breach", subject_id=item.pk)
    assert (card.level_from, card.level_to) == (0, Rung.NOTICE)
    assert card.recipients == ["owner", "head", "leader", "office"]  # 提示, 黄牌*, 红牌*, 督办单
    assert card.recipients == recipients_for(0, Rung.NOTICE, overridden.rung_recipients)


def test_models_without_an_override_keep_the_default_recipients_and_sql(org, overridden):
    assert sweep_module._recipients_sql(TimedItem) != sweep_module._RECIPIENTS_SQL
    overridden.rung_recipients = None
    assert sweep_module._recipients_sql(TimedItem) is sweep_module._RECIPIENTS_SQL
    item = started(org.unit_a, org.clerk_a)
    sweep(now=item.red_at)
    card = Event.objects.get(kind="clock.breach", subject_id=item.pk)
    assert card.recipients == ["owner", "head", "office", "leader"] == recipients_for(0, Rung.RED)


@pytest.mark.parametrize("bad", [
    {Rung.RED: ["everyone"]}, {Rung.RED: ["email:x'; DROP TABLE efficiency_event; --@a.cn"]},
    {Rung.RED: ["phone:%s"]}, {Rung.NONE: ["owner"]}, {9: ["owner"]}, {Rung.RED: ["user:abc"]},
])
def test_a_bad_rung_recipients_table_is_refused_at_registration(overridden, bad):
    with pytest.raises(ValueError):
        registry.register_clock_model(TimedItem, rung_recipients=bad)
    assert overridden.rung_recipients == {Rung.YELLOW: ("owner",), Rung.RED: ("owner", "head", "leader")}
