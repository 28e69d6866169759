"""回避 (issue 14, 8): a complaint or case about a unit or person never reaches that unit or person,
and the generic item page (/dashboards/item/<label>/<pk>/) answers exactly as the item's own page.

Written as the attacks that leaked before: a clerk opening the case against his own head through
the generic page; the efficiency office opening a complaint about itself the same way."""

import pytest
from django.core.exceptions import PermissionDenied

from accountability import services
from accountability.models import AccountabilityCase
from efficiency.events import event_emit
from efficiency.models import Event, Notification, Region, Role, Unit
from efficiency.notifications import notifications_fan_out
from tests.factories import RegionFactory, make_unit, make_user
from tests.permission_matrix import ROLES, assert_matrix, client_for_org

from .conftest import file_complaint

pytestmark = pytest.mark.django_db

SEEN, HIDDEN = 200, 404


@pytest.fixture
def items(org):
    about_office = file_complaint(org.office_unit).complaint
    about_a = services.complaint_assign(complaint=services.complaint_accept(
        complaint=file_complaint(org.unit_a).complaint, actor=org.office), actor=org.office, unit=org.unit_a)
    return {
        "c_head": services.case_open(actor=org.office, unit=org.unit_a, person=org.head_a, reason="审批超时，负责人失职"),
        "c_clerk": services.case_open(actor=org.office, unit=org.unit_a, person=org.clerk_a, reason="窗口超时"),
        "p_office": about_office,
        "p_a": about_a,  # about unit A and handed to it to answer: the procedure puts it there
    }


def _row(c_head, c_clerk, p_office, p_a):
    return {"c_head": c_head, "c_clerk": c_clerk, "p_office": p_office, "p_a": p_a}


NOBODY = _row(HIDDEN, HIDDEN, HIDDEN, HIDDEN)
EXPECTED = {
    "clerk_a": _row(HIDDEN, SEEN, HIDDEN, SEEN),  # not the case against his head; his own, yes
    "head_a": _row(SEEN, SEEN, HIDDEN, SEEN),  # his own case as the accused; his clerk's as the head
    "clerk_b": NOBODY, "head_b": NOBODY,
    "office": _row(SEEN, SEEN, HIDDEN, SEEN),  # never the complaint about the office itself
    "leader": _row(SEEN, SEEN, SEEN, SEEN),  # with no office above, the leaders take it
    "sysadmin": NOBODY, "secadmin": NOBODY, "auditadmin": NOBODY,
}
assert set(EXPECTED) == set(ROLES)


def _generic(item) -> str:
    return f"/dashboards/item/{item._meta.label_lower}/{item.pk}/"


def test_the_generic_item_page_refuses_what_the_items_own_page_refuses(org, items):
    assert_matrix(client_for_org(org), _generic, items, EXPECTED)


def test_the_items_own_pages_give_the_same_answers(org, items):
    assert_matrix(client_for_org(org), lambda item: item.get_absolute_url(), items, EXPECTED)


def test_the_api_gives_the_same_answers(org, items):
    def url(item):
        kind = "cases" if isinstance(item, AccountabilityCase) else "complaints"
        return f"/api/v1/accountability/{kind}/{item.pk}/"

    assert_matrix(client_for_org(org), url, items, EXPECTED)


def test_the_office_cannot_handle_a_complaint_about_itself(org, items):
    with pytest.raises(PermissionDenied, match="回避"):
        services.complaint_accept(complaint=items["p_office"], actor=org.office)
    assert services.complaint_accept(complaint=items["p_office"], actor=org.leader).owner == org.leader


def test_the_office_event_list_leaves_out_the_complaint_about_itself(org, items, client):
    client.force_login(org.office)
    body = client.get("/dashboards/events/?kind=complaints.filed").content.decode()
    assert items["p_a"].tracking_number in body and items["p_office"].tracking_number not in body
    client.force_login(org.leader)
    assert items["p_office"].tracking_number in client.get("/dashboards/events/?kind=complaints.filed").content.decode()


def _told(event) -> set[int]:
    return set(Notification.objects.filter(event=event, channel="inbox").values_list("user_id", flat=True))


def test_the_head_hears_of_a_case_against_himself_only_as_the_accused(org, items):
    case = items["c_head"]
    as_head = event_emit("test.notice", subject=case, message="请阅", recipients=["head", "office"])
    notifications_fan_out()
    assert _told(as_head) == {org.office.pk}  # not as "the head" of the unit
    services.case_record_facts(case=case, actor=org.office, facts="超时 12 个工作日")
    asked = Event.objects.get(kind="cases.statement_requested", subject_id=case.pk)
    notifications_fan_out()
    assert _told(asked) == {org.head_a.pk}  # the procedure: told the facts, asked for his statement


def test_a_head_cannot_act_as_an_officer_on_a_case_against_himself(org, items):
    services.case_record_facts(case=items["c_head"], actor=org.office, facts="超时")
    with pytest.raises(PermissionDenied):
        services.case_decide(case=items["c_head"], actor=org.head_a, decision="none", reason="无责")
    # …but states his own defence (the accused's step)
    assert services.case_record_statement(case=items["c_head"], actor=org.head_a, statement="系统故障所致").statement


# --- the office of the level above -----------------------------------------------------------------


@pytest.fixture
def province(org):
    """湖北省 above the `org` city, with its own office; a second member of the city's office."""
    region = RegionFactory(code="420000", name="湖北省", level=Region.Level.PROVINCE)
    Region.objects.filter(pk=org.region.pk).update(parent=region)
    office_unit = make_unit("湖北省效能办", region=region, code="HB-XNB", kind=Unit.Kind.OFFICE)
    return type("Province", (), {
        "office": make_user(Role.OFFICE, unit=office_unit, username="office_hb"),
        "colleague": make_user(Role.OFFICE, unit=org.office_unit, username="office_ez2"),
    })()


def test_a_complaint_about_the_city_office_goes_to_the_provincial_office(org, province):
    c = file_complaint(org.office_unit).complaint
    filed = Event.objects.get(kind="complaints.filed", subject_id=c.pk)
    notifications_fan_out()
    assert _told(filed) == {province.office.pk, org.leader.pk}  # never the city office's members
    for member in (org.office, province.colleague):
        with pytest.raises(PermissionDenied, match="回避"):
            services.complaint_accept(complaint=c, actor=member)
    assert services.complaint_accept(complaint=c, actor=province.office).owner == province.office
    client = client_for_org(org)("office")
    assert client.get(_generic(c)).status_code == HIDDEN


def test_a_case_against_a_member_of_the_office_is_handled_above_and_he_sees_only_his_own(org, province):
    case = services.case_propose(source=AccountabilityCase.Source.MANUAL, unit=org.office_unit, person=org.office,
                                 reason="审核超期")
    opened = Event.objects.get(kind="cases.opened", subject_id=case.pk)
    notifications_fan_out()
    assert _told(opened) == {province.office.pk, org.leader.pk}  # and the city's leader, who is not accused
    with pytest.raises(PermissionDenied):
        services.case_investigate(case=case, actor=org.office)  # not his own investigator
    with pytest.raises(PermissionDenied, match="回避"):
        services.case_investigate(case=case, actor=province.colleague)  # nor his colleague
    assert services.case_investigate(case=case, actor=province.office).owner == province.office
    above = client_for_org(province)
    assert above("office").get(_generic(case)).status_code == SEEN
    assert above("colleague").get(_generic(case)).status_code == HIDDEN
    assert client_for_org(org)("office").get(_generic(case)).status_code == SEEN  # the accused: his own case
