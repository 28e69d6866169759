"""R43 (2019 意见 (九)) in the API: a dispute between co-units goes to the lead unit first, and
only what it cannot settle goes to the government office, which gives its opinion or refers it
with a preferred opinion to the leader — the page's services and permissions, step by step."""

import pytest
import time_machine

from efficiency.models import AuditLog, Event
from supervision.models import AssignmentKind as K
from supervision.models import Coordination

from .conftest import api_as, at

pytestmark = pytest.mark.django_db

DISPUTED = at(2024, 9, 18, 10, 0)


api = api_as


@pytest.fixture
def item(org, make_assignment):
    """A meeting decision: lead unit A, co-unit B."""
    return make_assignment(K.MEETING, co_units=[org.unit_b])


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(DISPUTED, tick=False):
        yield


def _raise(org, item):
    target_b = item.targets.get(unit=org.unit_b)
    r = api(org.clerk_b).post(f"/api/v1/supervision/targets/{target_b.pk}/dispute/", {"reason": "不属本局职责"},
                              format="json")
    assert r.status_code == 200, r.content
    return Coordination.objects.get(assignment=item)


def _step(user, c, step, **data):
    return api(user).post(f"/api/v1/supervision/assignments/{c.assignment_id}/coordinations/{c.pk}/{step}/", data,
                          format="json")


def test_r43_the_whole_path_lead_unit_then_office_then_leader_through_the_api(org, item, unit_c):
    c = _raise(org, item)
    assert Event.objects.get(kind="assignment.disputed").unit_id == org.unit_a.pk  # the lead unit is told
    r = _step(org.head_a, c, "escalate", note="已与配合单位会商，未能达成一致")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "office" and body["lead_note"] == "已与配合单位会商，未能达成一致"
    assert body["lead_by"] == org.head_a.pk and body["status_display"] == "牵头单位协调未果，待政府办公室协调"
    r = _step(org.office, c, "refer", preferred_opinion="倾向由住建局办理")
    assert r.status_code == 200 and r.json()["status"] == "leader", r.content
    assert Event.objects.get(kind="assignment.dispute_referred").recipients == ["leader"]
    r = _step(org.leader, c, "decide", opinion="由住建局办理")
    assert r.status_code == 200, r.content
    c.refresh_from_db()
    assert (c.status, c.decided_by, c.opinion, c.preferred_opinion) == (
        Coordination.Status.DECIDED, org.leader, "由住建局办理", "倾向由住建局办理")  # R66: the leader decided
    r = api(org.office).post(f"/api/v1/supervision/assignments/{item.pk}/coordinations/{c.pk}/reassign/",
                             {"to_unit": unit_c.pk}, format="json")
    assert r.status_code == 200 and r.json()["reassign_mode"] == "transfer", r.content
    assert item.targets.get(unit=unit_c).transferred_from == item.targets.get(unit=org.unit_b)
    assert AuditLog.objects.filter(summary__startswith="政府领导协调决定").count() == 1
    got = api(org.clerk_b).get(f"/api/v1/supervision/assignments/{item.pk}/coordinations/{c.pk}/").json()
    assert got["status"] == "decided" and got["opinion"] == "由住建局办理"


def test_r43_the_lead_unit_settles_it_and_it_never_reaches_the_office(org, item):
    c = _raise(org, item)
    r = _step(org.head_a, c, "settle", note="会商一致，由配合单位继续办理")
    assert r.status_code == 200 and r.json()["status"] == "settled", r.content
    for user, step, data in ((org.office, "refer", {"preferred_opinion": "x"}), (org.leader, "decide", {"opinion": "x"})):
        assert _step(user, c, step, **data).status_code == 400
    r = api(org.office).post(f"/api/v1/supervision/assignments/{item.pk}/coordinations/{c.pk}/", {"opinion": "x"},
                             format="json")
    assert r.status_code == 400
    assert Coordination.objects.get(pk=c.pk).status == Coordination.Status.SETTLED


def test_r43_nothing_is_passed_up_before_the_lead_units_record(org, item):
    """不得直接上交矛盾: the office can neither give its opinion nor refer before the lead unit's record."""
    c = _raise(org, item)
    r = api(org.office).post(f"/api/v1/supervision/assignments/{item.pk}/coordinations/{c.pk}/", {"opinion": "转住建局"},
                             format="json")
    assert r.status_code == 400 and "须先经牵头单位协调" in r.json()["error"]["message"]
    r = _step(org.office, c, "refer", preferred_opinion="倾向转住建局")
    assert r.status_code == 400 and "待牵头单位协调" in r.json()["error"]["message"]
    assert Coordination.objects.get(pk=c.pk).status == Coordination.Status.LEAD


def test_r43_each_step_is_refused_to_the_wrong_person(org, item):
    c = _raise(org, item)
    for user in (org.head_b, org.clerk_a, org.office):  # only the lead unit's head records the lead's coordination
        r = _step(user, c, "escalate", note="会商未果")
        assert r.status_code == 403, (user.username, r.content)
        assert r.json()["error"]["message"]
    assert _step(org.head_a, c, "escalate", note="会商未果").status_code == 200
    assert _step(org.head_a, c, "refer", preferred_opinion="x").status_code == 403  # the office's step
    assert _step(org.office, c, "decide", opinion="x").status_code == 403  # the leader's step
    assert _step(org.office, c, "refer", preferred_opinion="倾向转住建局").status_code == 200
    assert Coordination.objects.get(pk=c.pk).status == Coordination.Status.LEADER


def test_r43_blank_text_unknown_step_and_an_outsider(org, item, unit_c):
    c = _raise(org, item)
    r = _step(org.head_a, c, "escalate", note="  ")
    assert r.status_code == 400 and r.json()["error"]["message"]
    assert _step(org.head_a, c, "approve", note="x").status_code == 404
    assert _step(unit_c.head, c, "escalate", note="x").status_code == 404  # not on the item: not even seen
    assert api(unit_c.head).get(f"/api/v1/supervision/assignments/{item.pk}/coordinations/{c.pk}/").status_code == 404
    other = api(org.head_a).post(f"/api/v1/supervision/assignments/{item.pk}/coordinations/999999/escalate/",
                                 {"note": "x"}, format="json")
    assert other.status_code == 404
    assert Coordination.objects.get(pk=c.pk).status == Coordination.Status.LEAD
