import pytest
from django.utils import timezone

from approvals import demo
from approvals.models import Application, Rating, ServiceItem
from efficiency import demo as org_demo, demo_history

pytestmark = pytest.mark.django_db


def test_the_demo_seed_is_idempotent():  # R18
    org_demo.seed_org()
    demo.seed()
    counts = (ServiceItem.objects.count(), Application.objects.count(), Rating.objects.count())
    demo.seed()
    assert counts == (ServiceItem.objects.count(), Application.objects.count(), Rating.objects.count())
    assert counts[0] == 5
    # today's demo items; the rest is the twelve months of history (tests/dashboards/test_demo_history.py)
    recent = timezone.now() - demo_history.PAST
    assert Application.objects.filter(received_at__gte=recent).count() == 5 + len(demo.WINDOW_APPLICATIONS)
    assert Rating.objects.filter(created_at__gte=recent).count() == 1
    assert Application.objects.filter(received_at__lt=recent).exists()
    joint = Application.objects.get(applicant_name="鄂州市滨湖置业有限公司")
    assert joint.steps.count() == 2 and joint.time_rule.code == "application.joint"


def test_the_demo_government_leader_approves_a_joint_extension_and_the_unit_head_does_not():  # R22
    from approvals.services import can_approve_extension
    from efficiency.models import User

    org_demo.seed_org()
    demo.seed()
    joint = Application.objects.get(applicant_name="鄂州市滨湖置业有限公司")
    lingdao = User.objects.get(username="lingdao")
    assert (lingdao.full_name, lingdao.unit.name) == ("刘振华", "鄂州市人民政府")
    assert can_approve_extension(lingdao, joint)
    assert not can_approve_extension(User.objects.get(username="fuzeren"), joint)


def test_the_demo_window_has_real_work_for_three_departments():
    """综合窗口 (issue 15 point 6): the 政务服务中心's window took applications in on three
    departments' behalf, in different states, each routed to a clerk of the department."""
    from efficiency.models import User

    org_demo.seed_org()
    demo.seed()
    window = User.objects.get(username="chuangkou")
    taken = Application.objects.filter(intake_unit=window.unit, first_handler=window)
    assert taken.count() == len(demo.WINDOW_APPLICATIONS)
    assert taken.values("unit").distinct().count() >= 3
    assert {"accepted", "notice", "received", "approved"} <= set(taken.values_list("status", flat=True))
    for app in taken:
        assert app.unit != window.unit and app.owner.unit_id == app.unit_id
    decided = taken.get(status="approved")
    assert decided.decided_by.unit_id == decided.unit_id
