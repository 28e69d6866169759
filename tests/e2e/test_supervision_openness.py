"""R55, R57, R59 in Chromium (axe-core checks every page): the office registers a government
document and sees its year-end report missing; the lead department's head files the three parts;
a consulted unit's head signs its opinion; a visitor reads the key-work progress without the
sensitive task; a unit reads another unit's internal procedures."""

from datetime import date, datetime

import pytest
import time_machine

from efficiency.workdays import SHANGHAI
from supervision import services
from supervision.models import AssignmentKind as K, ExecutionReport

from .conftest import login_as as _as, shot


@pytest.mark.django_db(transaction=True)
def test_r55_r57_r59_documents_reports_consultation_and_openness(page, live_server, org):
    with time_machine.travel(datetime(2024, 12, 2, 9, 0, tzinfo=SHANGHAI), tick=True):
        _as(page, live_server, "office")
        page.goto(f"{live_server.url}/supervision/policies/")
        page.fill("#id_number", "鄂州政发〔2024〕3号")
        page.fill("#id_title", "关于深化工程建设项目审批制度改革的实施意见")
        page.fill("#id_issued_on", "2024-02-20")
        page.select_option("#id_unit", str(org.unit_a.pk))
        page.click("#document-form button")
        page.wait_for_selector("text=牵头起草部门")
        page.goto(f"{live_server.url}/supervision/policies/?status=missing&year=2024")
        assert "鄂州政发〔2024〕3号" in page.inner_text("#reports")
        doc = ExecutionReport.objects.get().document

        _as(page, live_server, "head_a")
        page.goto(f"{live_server.url}{doc.get_absolute_url()}")
        form = page.locator("form[id^=report-form]")
        form.locator("textarea[name=execution]").fill("全市已办理审批 1200 件")
        form.locator("textarea[name=problems]").fill("部分县区系统未对接")
        form.locator("textarea[name=measures]").fill("建议年内完成系统对接")
        form.locator("button").click()
        page.wait_for_selector("section[data-filed='1']")
        assert ExecutionReport.objects.get().filed_at is not None
        shot(page, "supervision_execution_report")

        item = services.assignment_create(actor=org.office, kind=K.UPPER_DOC, title="制发实施意见",
                                          source_text="省政府要求制发实施意见", issuing_leader="刘市长",
                                          lead_unit=org.unit_a)
        c = services.consultation_open(actor=org.clerk_a, assignment=item, subject="实施意见（征求意见稿）",
                                       draft="一、总体要求", units=[org.unit_b])
        _as(page, live_server, "head_b")
        page.goto(f"{live_server.url}{c.get_absolute_url()}")
        page.select_option("#id_stance", "amend")
        page.fill("#id_text", "建议第三条增加时限")
        page.click("#opinion-form button")
        page.wait_for_selector("#opinions >> text=赵局长")
        shot(page, "supervision_consultation")

        tl = services.tasklist_create(actor=org.office, year=2024)
        kw = dict(actor=org.office, task_list=tl, goal="目标", standard="标准", unit=org.unit_a,
                  deadline=date(2024, 12, 31))
        services.keytask_create(number="1", title="工程建设项目审批提速", **kw)
        services.keytask_create(number="2", title="某涉密工程选址论证", is_confidential=True, **kw)
        services.procedure_publish(actor=org.head_a, kind="procedure", title="行政审批内部流转规程", body="受理—审查—决定")
        _as(page, live_server, "clerk_b")
        page.goto(f"{live_server.url}/supervision/procedures/")
        assert "行政审批内部流转规程" in page.inner_text("#procedures")
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/supervision/public/progress/")
        text = page.inner_text("#progress")
        assert "工程建设项目审批提速" in text and "某涉密工程选址论证" not in text
        shot(page, "supervision_public_progress")
