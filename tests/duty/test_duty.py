"""The duty app's records and counts: R45 duty roster and spot checks, R50 reception days, R52
contact points warned when not visited in the month, R63 the opinion ledger."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from duty import queries, services
from duty.models import DutyCheck, Opinion
from efficiency.models import AuditLog, Event, Role
from efficiency.schedule import EXTRA_SCHEDULES
from efficiency.workdays import SHANGHAI
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_r45_a_duty_day_names_officer_shift_leader_and_standby_and_checks_count_rings(org):
    clerk2 = make_user(Role.CLERK, unit=org.unit_a, username="clerk_a2")
    with pytest.raises(ValidationError) as exc:
        services.duty_shift_set(actor=org.head_a, unit=org.unit_a, day=date(2026, 3, 9), officer=org.clerk_a,
                                leader=org.head_a, standby=None, phone="0711-1234567")
    assert "standby" in exc.value.message_dict
    with pytest.raises(ValidationError):  # the people are of the unit
        services.duty_shift_set(actor=org.head_a, unit=org.unit_a, day=date(2026, 3, 9), officer=org.clerk_b,
                                leader=org.head_a, standby=clerk2, phone="0711-1234567")
    with pytest.raises(PermissionDenied):
        services.duty_shift_set(actor=org.head_b, unit=org.unit_a, day=date(2026, 3, 9), officer=org.clerk_a,
                                leader=org.head_a, standby=clerk2, phone="0711-1234567")
    shift = services.duty_shift_set(actor=org.head_a, unit=org.unit_a, day=date(2026, 3, 9), officer=org.clerk_a,
                                    leader=org.head_a, standby=clerk2, phone="0711-1234567")
    with pytest.raises(PermissionDenied):
        services.duty_check_record(actor=org.head_a, shift=shift, answered=True, rings=1)
    with pytest.raises(ValidationError):
        services.duty_check_record(actor=org.office, shift=shift, answered=True)
    for answered, rings in ((True, 2), (True, 3), (True, 4), (False, None)):
        services.duty_check_record(actor=org.office, shift=shift, answered=answered, rings=rings)
    assert list(DutyCheck.objects.order_by("pk").values_list("compliant", flat=True)) == [True, True, False, False]
    assert queries.duty_check_counts() == {"total": 4, "compliant": 2, "rate": 50.0}
    assert AuditLog.objects.filter(object_type="duty.dutycheck").count() == 4


def test_r50_a_leaders_reception_day_is_recorded(org):
    with time_machine.travel(datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI), tick=False):
        with pytest.raises(ValidationError):  # only the leader's own, or by the office
            services.reception_record(actor=org.head_a, leader=org.leader, day=date(2026, 3, 10), place="信访局",
                                      visitors=3, matters="x")
        with pytest.raises(ValidationError):
            services.reception_record(actor=org.leader, leader=org.leader, day=date(2026, 3, 10), place="信访局",
                                      visitors=3, matters=" ")
        row = services.reception_record(actor=org.leader, leader=org.leader, day=date(2026, 3, 10), place="信访局",
                                        visitors=3, matters="群众反映小区供水问题，已交市水务局办理")
    assert row.unit == org.leader.unit and AuditLog.objects.filter(object_type="duty.receptionday").exists()


def test_r52_a_contact_point_not_visited_this_month_is_warned_once_after_the_cutoff(org):
    assert EXTRA_SCHEDULES["duty contact points lagging"]["task"] == "duty.contact_points_warn"
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        point = services.contact_point_create(actor=org.office, leader=org.leader, name="葛店开发区某企业",
                                              unit=org.unit_a)
        visited = services.contact_point_create(actor=org.office, leader=org.leader, name="华容区某村",
                                                unit=org.unit_b)
        services.contact_visit_record(actor=org.leader, point=visited, visited_on=date(2026, 3, 2), summary="走访")
        with pytest.raises(PermissionDenied):  # only the leader's own (or by the office)
            services.contact_visit_record(actor=org.head_a, point=point, visited_on=date(2026, 3, 2), summary="x")
    before = datetime(2026, 3, 19, 9, 0, tzinfo=SHANGHAI)  # Thursday, before the cutoff
    assert services.contact_points_warn(now=before) == 0
    after = datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI)  # Friday, the cutoff day
    assert services.contact_points_warn(now=after) == 1
    assert services.contact_points_warn(now=after) == 0  # once a month
    event = Event.objects.get(kind="duty.contact_lagging")
    assert (event.subject_id, event.recipients[0]) == (point.pk, f"user:{org.leader.pk}")
    services.contact_visit_record(actor=org.office, point=point, visited_on=date(2026, 3, 2), summary="补记")
    assert list(queries.contact_points_lagging(date(2026, 3, 20))) == []
    assert services.contact_points_warn(now=datetime(2026, 4, 20, 9, 0, tzinfo=SHANGHAI)) == 2  # a new month


def test_r63_an_opinion_enters_the_ledger_with_measures_and_is_resolved_item_by_item(org):
    with pytest.raises(ValidationError) as exc:
        services.opinion_log(actor=org.head_a, unit=org.unit_a, source="问卷", content="办事排队久", measures="")
    assert "measures" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.opinion_log(actor=org.head_b, unit=org.unit_a, source="问卷", content="x", measures="y")
    a = services.opinion_log(actor=org.head_a, unit=org.unit_a, source="问卷", content="办事排队久", measures="增开窗口")
    services.opinion_log(actor=org.office, unit=org.unit_a, source="座谈会", content="材料多", measures="精简材料")
    with pytest.raises(ValidationError):
        services.opinion_resolve(actor=org.head_a, opinion=a, result=" ")
    services.opinion_resolve(actor=org.head_a, opinion=a, result="已增开2个窗口")
    with pytest.raises(ValidationError):
        services.opinion_resolve(actor=org.head_a, opinion=a, result="again")
    assert queries.opinion_counts() == {"total": 2, "resolved": 1}
    assert Opinion.objects.get(pk=a.pk).resolved_by == org.head_a


def test_the_duty_page_shows_the_counts_to_the_office_and_is_not_found_for_a_clerk(org, client):  # R45 R63
    shift = services.duty_shift_set(actor=org.head_a, unit=org.unit_a, day=date(2026, 3, 9), officer=org.clerk_a,
                                    leader=org.head_a, standby=org.head_a, phone="0711-1234567")
    services.duty_check_record(actor=org.office, shift=shift, answered=True, rings=2)
    client.force_login(org.clerk_a)
    assert client.get("/duty/").status_code == 404
    client.force_login(org.office)
    page = client.get("/duty/").content.decode()
    assert "值班电话抽查 1 次，3 声内接听 1 次" in page and "0711-1234567" in page
    client.force_login(org.head_b)
    assert "0711-1234567" not in client.get("/duty/").content.decode()  # another unit's roster
