"""The leader decides an accountability case on its page and the 问责决定书 is there at once, in
the deciding body's name (R69), its PDF naming the parties, the measure and the 问责主体; the
person reads it, another unit's clerk cannot (Chromium, axe-core on each page)."""

from pathlib import Path

import pytest

from accountability import services as acc
from efficiency.models import Document
from efficiency.workdays import local_date
from tests.pdf import pdf_text

from .conftest import login_as, shot


@pytest.mark.django_db(transaction=True)
def test_r69_the_leaders_decision_issues_the_decision_document_on_the_case_page(page, live_server, org, tmp_path):
    case = acc.case_open(actor=org.office, unit=org.unit_a, person=org.clerk_a, reason="办理不动产登记超期 15 个工作日")
    case = acc.case_record_facts(case=case, actor=org.office, facts="经调取系统记录，超期属实", evidence="系统日志")
    acc.case_record_statement(case=case, actor=org.clerk_a, statement="系统故障导致延误")
    acc.case_submit(case=case, actor=org.office, proposal="建议责令作出书面检查")

    login_as(page, live_server, "leader")
    url = f"{live_server.url}/accountability/cases/{case.pk}/"
    page.goto(url)
    assert "尚未出具公文" in page.inner_text("#document-list")
    page.select_option("#decide-form select[name=decision]", "measure")
    page.check("#decide-form input[name=person_measures][value=self_criticism]")
    page.fill("#decide-form textarea[name=reason]", "超期属实，未按规定申请延期")
    page.click("#decide-form button")
    page.locator("#document-list tr[data-kind=accountability_decision]").wait_for()
    doc = Document.objects.get(kind="accountability_decision", subject_id=case.pk)
    row = page.locator(f"#document-list tr[data-number='{doc.number}']")
    assert doc.number.startswith(org.leader.unit.name) and "问责决定书" in row.inner_text()
    assert page.locator("#document-issue").count() == 0  # never issued by hand
    shot(page, "case_decision_document")

    login_as(page, live_server, "clerk_a")  # the person held to account
    page.goto(url)
    with page.expect_download() as download:
        page.locator(f"#document-list tr[data-number='{doc.number}'] a.document-download").click()
    path = Path(tmp_path) / "decision.pdf"
    download.value.save_as(path)
    text = pdf_text(path.read_bytes())
    today = local_date(doc.issued_at)
    for expected in (doc.number, "问责决定书", f"{today.year}年{today.month}月{today.day}日", org.unit_a.name, "张经办",
                     "责令作出书面检查", org.leader.unit.name, "任免机关", "申诉"):
        assert expected in text, expected

    login_as(page, live_server, "clerk_b")
    assert page.goto(f"{live_server.url}/documents/{doc.pk}.pdf").status == 404
