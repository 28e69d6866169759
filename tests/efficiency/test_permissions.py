"""One place decides who sees what (efficiency.permissions); pages and API agree; cross-unit is 404."""

import pytest
from django.http import Http404

from efficiency import permissions
from efficiency.models import AuditLog, Event, Notification
from tests.clocktest.models import TimedItem
from tests.permission_matrix import ROLES, assert_matrix, client_for_org

pytestmark = pytest.mark.django_db

ALL = {"own": 200, "other": 200}
OWN = {"own": 200, "other": 404}
NONE = {"own": 404, "other": 404}
# "own" is unit A's, "other" is unit B's; clerk_b and head_b see it from the other side.
UNIT_MATRIX = {
    "clerk_a": OWN, "head_a": OWN,
    "clerk_b": {"own": 404, "other": 200}, "head_b": {"own": 404, "other": 200},
    "office": ALL, "leader": ALL,
    "sysadmin": NONE, "secadmin": NONE, "auditadmin": NONE,
}


@pytest.fixture
def items(org):
    return {"own": TimedItem.objects.create(unit=org.unit_a, title="A 的事项"),
            "other": TimedItem.objects.create(unit=org.unit_b, title="B 的事项")}


def _visible(user):
    return set(permissions.scope(user, TimedItem.objects.all()).values_list("title", flat=True))


def test_scope_gives_each_role_exactly_its_items(org, items):
    seen = {name: _visible(getattr(org, name)) for name in ROLES}
    assert seen == {
        "clerk_a": {"A 的事项"}, "head_a": {"A 的事项"}, "clerk_b": {"B 的事项"}, "head_b": {"B 的事项"},
        "office": {"A 的事项", "B 的事项"}, "leader": {"A 的事项", "B 的事项"},
        "sysadmin": set(), "secadmin": set(), "auditadmin": set(),  # 三员分立: no business data
    }


def test_an_item_shared_with_a_co_unit_is_visible_there_and_nowhere_else(org, items):
    permissions.share_with_unit(items["own"], org.unit_b)
    assert _visible(org.clerk_b) == {"A 的事项", "B 的事项"}
    assert _visible(org.head_b) == {"A 的事项", "B 的事项"}
    assert permissions.access(org.clerk_b, TimedItem.objects.all(), items["own"].pk) == items["own"]
    assert _visible(org.clerk_a) == {"A 的事项"}
    assert list(permissions.shared_units(items["own"])) == [org.unit_b]


def test_unsharing_hides_the_item_again(org, items):
    permissions.share_with_unit(items["own"], org.unit_b)
    permissions.unshare_with_unit(items["own"], org.unit_b)
    assert _visible(org.clerk_b) == {"B 的事项"}


def test_a_deactivated_user_sees_nothing(org, items):
    org.clerk_a.is_active = False
    assert _visible(org.clerk_a) == set()


def test_access_to_another_units_item_is_not_found_and_audited(org, items):
    with pytest.raises(Http404):
        permissions.access(org.clerk_a, TimedItem.objects.all(), items["other"].pk)
    row = AuditLog.objects.get(action="denied")
    assert (row.actor, row.object_type, row.object_id) == (org.clerk_a, "clocktest.timeditem", str(items["other"].pk))


def test_access_to_a_missing_item_is_not_found_without_audit(org):
    with pytest.raises(Http404):
        permissions.access(org.clerk_a, TimedItem.objects.all(), 999999)
    assert not AuditLog.objects.filter(action="denied").exists()


def test_the_unit_page_matrix(org):
    assert_matrix(client_for_org(org), lambda unit: f"/org/units/{unit.pk}/",
                  {"own": org.unit_a, "other": org.unit_b}, UNIT_MATRIX)


def test_the_unit_members_api_matrix(org):
    assert_matrix(client_for_org(org), lambda unit: f"/api/v1/units/{unit.pk}/members/",
                  {"own": org.unit_a, "other": org.unit_b}, UNIT_MATRIX)


def test_the_unit_page_lists_its_people(org, client):
    client.force_login(org.clerk_a)
    body = client.get(f"/org/units/{org.unit_a.pk}/").content.decode()
    assert "李局长" in body and "王经办" not in body


def _inbox_item(user, title):
    event = Event.objects.create(kind="test", subject_type="clocktest.timeditem", subject_id=1)
    return Notification.objects.create(event=event, user=user, recipient=f"user:{user.pk}", channel="inbox",
                                       title=title, status="sent")


def test_the_notifications_api_matrix_is_own_inbox_only(org):
    notes = {"own": _inbox_item(org.clerk_a, "给张经办"), "other": _inbox_item(org.clerk_b, "给王经办")}
    expected = {name: NONE for name in ROLES}
    expected["clerk_a"] = OWN
    expected["clerk_b"] = {"own": 404, "other": 200}
    assert_matrix(client_for_org(org), lambda n: f"/api/v1/notifications/{n.pk}/", notes, expected)


def test_the_system_administrator_reaches_the_calendar_page_from_the_nav(client, org):
    client.force_login(org.sysadmin)
    assert 'href="/calendar/"' in client.get("/").content.decode()
    assert client.get("/calendar/").status_code == 200


# --- require_role: the one guard for "may this user do this" (403) ------------------------------


def test_require_role_lets_a_unit_role_act_only_in_its_own_unit(org):
    from django.core.exceptions import PermissionDenied

    from efficiency.models import Role

    permissions.require_role(org.head_a, Role.HEAD, unit=org.unit_a)
    permissions.require_role(org.office, Role.OFFICE, Role.HEAD, unit=org.unit_a)  # the office acts everywhere
    for user, roles, unit in ((org.head_b, (Role.HEAD,), org.unit_a), (org.clerk_a, (Role.HEAD,), org.unit_a),
                              (org.clerk_a, (Role.CLERK,), None), (org.leader, (Role.OFFICE,), permissions._ANYWHERE)):
        with pytest.raises(PermissionDenied, match="只有单位负责人"):
            permissions.require_role(user, *roles, unit=unit, message="只有单位负责人可以批准。")


def test_no_app_keeps_a_role_guard_of_its_own():
    """Services, views and API views refuse through efficiency.permissions only (issue 13, 6)."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    local_guard = re.compile(r"raise PermissionDenied\(|def _(require|office|member|unit_member|check_role)\w*\(actor")
    found = [f"{path.relative_to(root)}:{n}" for app in ("accountability", "approvals", "dashboards", "inspection",
                                                         "supervision")
             for path in sorted((root / app).rglob("*.py"))
             for n, line in enumerate(path.read_text().splitlines(), 1) if local_guard.search(line)]
    assert found == []
