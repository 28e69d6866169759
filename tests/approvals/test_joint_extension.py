"""行政许可法 §42 (R22): the one extension of an ordinary application (+10 working days) is
approved by the head of the agency (本行政机关负责人); the one extension of a joint handling
(+15) by the head of the government at the same level (本级人民政府负责人) — a leader account
of the people's government of the unit's own region, not the unit head."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from approvals import services
from efficiency.models import Event, Region, Role, Unit
from tests.factories import RegionFactory, make_unit, make_user

from .helpers import MONDAY, make_item, receive

pytestmark = pytest.mark.django_db


def joint_app(org, reason="联合踏勘"):
    item = make_item(org, joint=[org.unit_b], legal=45, committed=45)
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, item)
        services.application_request_extension(actor=org.clerk_a, application=app, reason=reason)
    return app


def test_a_joint_extension_is_approved_by_the_government_leader_not_the_unit_head(org):  # R22
    app = joint_app(org)
    county = RegionFactory(code="420702", name="梁子湖区", level=Region.Level.COUNTY, parent=org.region)
    other_leader = make_user(Role.LEADER, unit=make_unit("梁子湖区人民政府", region=county, kind=Unit.Kind.GOVERNMENT))
    office_leader = make_user(Role.LEADER, unit=org.office_unit)  # a leader, but not of the government
    with time_machine.travel(MONDAY, tick=False):
        for who in (org.head_a, org.clerk_a, org.office, other_leader, office_leader):
            with pytest.raises(PermissionDenied, match="本级人民政府负责人"):
                services.application_approve_extension(actor=who, application=app)
        app.refresh_from_db()
        assert app.extension_value is None
        before = app.due_at
        app = services.application_approve_extension(actor=org.leader, application=app)
    assert (app.extension_value, app.extension_approver) == (15, org.leader) and app.due_at > before
    assert app.legal_due_at == app.due_at  # 45 + 15 working days, committed = legal here
    extended = Event.objects.get(kind="approvals.extended", subject_id=app.pk)
    assert "本级人民政府负责人" in extended.message


def test_the_joint_request_goes_to_the_government_leader(org):  # R22
    app = joint_app(org)
    requested = Event.objects.get(kind="approvals.extension_requested", subject_id=app.pk)
    assert requested.recipients == [f"user:{org.leader.pk}"]


def test_the_ordinary_ten_day_extension_stays_the_agency_heads(org):  # R22
    with time_machine.travel(MONDAY, tick=False):
        app, _ = receive(org, make_item(org))
        services.application_request_extension(actor=org.clerk_a, application=app, reason="需现场核查")
        with pytest.raises(PermissionDenied, match="本单位负责人"):
            services.application_approve_extension(actor=org.leader, application=app)
        app = services.application_approve_extension(actor=org.head_a, application=app)
    assert (app.extension_value, app.extension_approver) == (10, org.head_a)
    assert Event.objects.get(kind="approvals.extension_requested", subject_id=app.pk).recipients == ["head"]


def test_the_leader_approves_a_joint_extension_on_the_page_and_the_head_cannot(org, client):  # R22
    app = joint_app(org)
    client.force_login(org.head_a)
    page = client.get(reverse("approvals:application", args=[app.pk])).content.decode()
    assert 'id="extension-approval"' not in page
    assert client.post(reverse("approvals:extension_approve", args=[app.pk])).status_code == 403
    assert client.post(f"/api/v1/approvals/applications/{app.pk}/extension/approve/").status_code == 403
    client.force_login(org.leader)
    desk = client.get(reverse("approvals:index")).content.decode()
    assert reverse("approvals:extension_approve", args=[app.pk]) in desk
    page = client.get(reverse("approvals:application", args=[app.pk])).content.decode()
    assert 'id="extension-approval"' in page and "本级人民政府负责人批准" in page
    with time_machine.travel(MONDAY, tick=False):
        assert client.post(reverse("approvals:extension_approve", args=[app.pk])).status_code == 302
    app.refresh_from_db()
    assert (app.extension_value, app.extension_approver) == (15, org.leader)
