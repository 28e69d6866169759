"""One event, two readers (issue #15): the applicant's SMS says "您申请的…", in the citizen's
words and without staff links; the staff who hear of the same event read the office's text,
never a message addressed to the citizen."""

from datetime import datetime

import pytest
import time_machine

from approvals import services
from efficiency.models import Notification
from efficiency.notifications import notifications_fan_out
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI

from .helpers import MONDAY, make_item, receive

pytestmark = pytest.mark.django_db


def test_a_deemed_approval_tells_the_applicant_and_the_staff_each_in_their_own_words(org):  # R17
    with time_machine.travel(MONDAY, tick=False):
        app, _code = receive(org, make_item(org, deemed=True))
    moment = datetime(2025, 11, 18, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=False):
        sweep(now=moment)
        notifications_fan_out()
    told = Notification.objects.filter(event__kind="approvals.deemed_approved", event__subject_id=app.pk)
    sms = told.get(channel="sms")
    assert sms.recipient == "phone:13800000000"
    assert sms.body.startswith("您申请的“建设工程规划许可证核发”") and "视为同意通知书" in sms.body
    assert sms.link == ""  # a staff page means nothing to the applicant
    staff = told.filter(channel="inbox")
    assert staff.exists() and {n.user_id for n in staff} >= {org.clerk_a.pk}
    for n in staff:
        assert "您" not in n.body and app.receipt_number in n.body and "已视为同意" in n.body
        assert n.link


def test_an_extension_tells_the_applicant_in_the_citizens_words(org):  # R22
    with time_machine.travel(MONDAY, tick=False):
        app, _code = receive(org, make_item(org))
        services.application_request_extension(actor=org.clerk_a, application=app, reason="需现场核查")
        services.application_approve_extension(actor=org.head_a, application=app)
        notifications_fan_out()
    told = Notification.objects.filter(event__kind="approvals.extended", event__subject_id=app.pk)
    sms = told.get(channel="sms")
    assert sms.body.startswith("您申请的“建设工程规划许可证核发”") and "延长 10 个工作日" in sms.body
    inbox = told.get(channel="inbox", user=org.clerk_a)
    assert inbox.body.startswith("经单位负责人批准延长 10 个工作日") and "您" not in inbox.body
