"""R61 (每个环节的时限、责任领导、经办人) and R44 (最多跑一次) on the service catalog."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from approvals import queries, services
from approvals.models import ONE_VISIT_TARGET, ServiceStep
from efficiency.models import AuditLog

from .helpers import make_item

pytestmark = pytest.mark.django_db


def _step(org, **over):
    return {"name": "受理", "limit_days": 2, "leader": org.head_a, "handler": org.clerk_a, **over}


def test_r61_a_step_without_its_limit_leader_or_handler_is_refused(org):
    item = make_item(org, committed=10)
    for bad, field in (({"limit_days": None}, "limit_days"), ({"limit_days": 0}, "limit_days"),
                       ({"leader": None}, "leader"), ({"handler": None}, "handler"), ({"name": " "}, "name"),
                       ({"leader": org.clerk_a}, "leader"),  # the leader is the unit's head
                       ({"handler": org.clerk_b}, "handler")):  # the handler is of the unit
        with pytest.raises(ValidationError) as exc:
            services.item_steps_set(actor=org.head_a, item=item, steps=[_step(org), _step(org, **bad)])
        assert field in exc.value.message_dict
    assert not ServiceStep.objects.exists()
    with pytest.raises(ValidationError, match="承诺时限"):
        services.item_steps_set(actor=org.head_a, item=item, steps=[_step(org, limit_days=6), _step(org, limit_days=5)])
    with pytest.raises(PermissionDenied):
        services.item_steps_set(actor=org.head_b, item=item, steps=[_step(org)])
    services.item_steps_set(actor=org.head_a, item=item, steps=[_step(org), _step(org, name="审查决定", limit_days=8)])
    steps = list(item.steps.all())
    assert [(s.order, s.name, s.limit_days, s.leader, s.handler) for s in steps] == [
        (1, "受理", 2, org.head_a, org.clerk_a), (2, "审查决定", 8, org.head_a, org.clerk_a)]
    assert AuditLog.objects.filter(action="appr.item_steps", object_id=str(item.pk)).exists()


def test_r61_the_steps_page_saves_steps_and_shows_a_refusal(org, client):
    item = make_item(org, committed=10)
    url = reverse("approvals:item_steps", args=[item.pk])
    client.force_login(org.clerk_b)
    assert client.get(url).status_code == 404
    client.force_login(org.head_a)
    data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0", "form-0-name": "受理", "form-0-limit_days": "2",
            "form-0-leader": str(org.head_a.pk), "form-0-handler": ""}
    response = client.post(url, data)
    assert response.status_code == 400 and "须明确经办人" in response.content.decode()
    data["form-0-handler"] = str(org.clerk_a.pk)
    assert client.post(url, data).status_code == 302
    assert item.steps.get().handler == org.clerk_a
    page = client.get(reverse("approvals:public_item", args=[item.code])).content.decode()
    assert "办理环节及时限" in page and "受理" in page


def test_r44_one_visit_items_are_flagged_and_counted_against_the_target(org, client):
    make_item(org, code="A-1")
    item = make_item(org, code="A-2")
    assert queries.one_visit_count() == {"count": 0, "target": ONE_VISIT_TARGET, "meets": False}
    services.item_save(actor=org.head_a, unit=org.unit_a, item=item, one_visit=True)
    assert queries.one_visit_count()["count"] == 1 and ONE_VISIT_TARGET == 200
    page = client.get(reverse("approvals:public_catalog")).content.decode()
    assert "1/200" in page
