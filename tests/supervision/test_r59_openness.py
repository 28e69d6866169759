"""R59 (2019 (十二)): 常规重大事项及重点工作进展情况（保密和敏感事项除外）一律向社会公布；内部运转
流程和标准要在政府部门间公开. The public portal lists the progress of key tasks, never one flagged
secret or sensitive; every unit's staff read the internal procedures and standards of all units."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from efficiency.models import Role
from supervision import services
from supervision.models import InternalProcedure

from ..factories import make_user
from .conftest import at

pytestmark = pytest.mark.django_db
JAN = at(2025, 1, 6, 9, 0)


@pytest.fixture
def tasks(org):
    with time_machine.travel(JAN, tick=False):
        tl = services.tasklist_create(actor=org.office, year=2025)
        kw = dict(actor=org.office, task_list=tl, goal="目标", standard="标准", unit=org.unit_a,
                  deadline=date(2025, 12, 31))
        public = services.keytask_create(number="1", title="工程建设项目审批时间压缩至80个工作日", **kw)
        secret = services.keytask_create(number="2", title="某涉密工程选址论证", is_confidential=True, **kw)
    return public, secret


def test_r59_the_public_progress_page_leaves_out_secret_and_sensitive_tasks(client, tasks):
    public, secret = tasks
    with time_machine.travel(JAN, tick=False):
        r = client.get(reverse("supervision:public_progress"))  # no login
        assert r.status_code == 200
        page = r.content.decode()
        assert public.title in page and secret.title not in page
        assert reverse("supervision:public_progress") in client.get(reverse("portal")).content.decode()


def test_r59_the_office_flags_a_task_as_sensitive_and_it_leaves_the_public_page(client, org, tasks):
    public, _secret = tasks
    with time_machine.travel(JAN, tick=False):
        client.force_login(org.head_a)
        assert client.post(public.get_absolute_url(), {"form": "confidential", "is_confidential": "1"}).status_code == 403
        public.refresh_from_db()
        assert not public.is_confidential
        client.force_login(org.office)
        assert client.post(public.get_absolute_url(), {"form": "confidential", "is_confidential": "1"}).status_code == 302
        public.refresh_from_db()
        assert public.is_confidential
        client.logout()
        assert public.title not in client.get(reverse("supervision:public_progress")).content.decode()
    with pytest.raises(PermissionDenied):
        services.keytask_update(actor=org.head_a, task=public, is_confidential=False)


def test_r59_a_units_internal_procedures_are_open_to_every_unit(client, org):
    with time_machine.travel(JAN, tick=False):
        p = services.procedure_publish(actor=org.head_a, kind="procedure", title="行政审批内部流转规程",
                                       body="受理—审查—决定，各环节 2 个工作日")
        assert p.unit == org.unit_a
        for who in (org.clerk_b, org.head_b, org.office, org.leader):
            client.force_login(who)
            r = client.get(reverse("supervision:procedures"))
            assert r.status_code == 200 and "行政审批内部流转规程" in r.content.decode()
        for who in (org.sysadmin, make_user(Role.PENDING, unit=org.unit_b, username="pending_b")):
            client.force_login(who)
            assert client.get(reverse("supervision:procedures")).status_code == 404
        client.logout()
        assert client.get(reverse("supervision:procedures")).status_code == 302  # to the login page


def test_r59_only_a_units_head_publishes_and_the_parts_are_required(client, org):
    with time_machine.travel(JAN, tick=False):
        for who in (org.clerk_a, org.office):
            with pytest.raises(PermissionDenied):
                services.procedure_publish(actor=who, kind="standard", title="标准", body="内容")
        with pytest.raises(ValidationError):
            services.procedure_publish(actor=org.head_a, kind="rumour", title="标准", body="内容")
        with pytest.raises(ValidationError):
            services.procedure_publish(actor=org.head_a, kind="standard", title="标准", body=" ")
        client.force_login(org.clerk_a)
        r = client.post(reverse("supervision:procedures"), {"kind": "standard", "title": "标准", "body": "内容"})
        assert r.status_code == 403
        client.force_login(org.head_a)
        r = client.post(reverse("supervision:procedures"), {"kind": "standard", "title": "", "body": "内容"})
        assert r.status_code == 200 and not InternalProcedure.objects.exists()
        r = client.post(reverse("supervision:procedures"), {"kind": "standard", "title": "窗口服务标准",
                                                            "body": "一次告知"})
        assert r.status_code == 302
    assert InternalProcedure.objects.get().unit == org.unit_a


def test_r59_major_matters_are_published_unless_secret_or_sensitive(client, org, make_assignment):
    from supervision.models import AssignmentKind as K

    meeting = make_assignment(K.MEETING, title="常务会议决定：窗口服务好差评专项整治")
    secret = make_assignment(K.MEETING, title="常务会议决定：某敏感信访事项处置", is_confidential=True)
    internal = make_assignment(K.INSTRUCTION, title="领导批示：内部工作安排")
    registered = make_assignment(K.UPPER_DOC, title="尚未交办的上级文件", lead_unit=None)
    with time_machine.travel(JAN, tick=False):
        page = client.get(reverse("supervision:public_progress")).content.decode()
    matters = page.split('id="matters"')[1]
    assert meeting.title in matters and org.unit_a.name in matters
    for hidden in (secret, internal, registered):
        assert hidden.title not in page
    assert meeting.source_text not in page  # the title and status only
