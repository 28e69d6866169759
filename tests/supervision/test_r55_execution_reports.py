"""R55 (2019 (六)): the lead drafting department of each government document tracks its execution
and at each year-end reports to its government on the execution, the problems and the measures
it proposes. The platform records the department, opens the yearly report duty (a clock due at
the year-end), requires the three parts, and shows the office the missing reports."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from efficiency.models import Document, Event, Rung
from efficiency.schedule import EXTRA_SCHEDULES
from efficiency.sweep import sweep
from supervision import queries, services
from supervision.models import ExecutionReport, PolicyDocument

from .conftest import at

pytestmark = pytest.mark.django_db
MARCH = at(2024, 3, 4, 10, 0)
PARTS = dict(execution="全市已办理审批 1200 件，平均用时压缩 40%", problems="部分县区系统未对接",
             measures="建议年内完成系统对接并纳入考核")


@pytest.fixture
def doc(org):
    with time_machine.travel(MARCH, tick=False):
        return services.policy_document_register(
            actor=org.office, number="鄂州政发〔2024〕3号", title="关于深化工程建设项目审批制度改革的实施意见",
            issued_on=date(2024, 2, 20), unit=org.unit_a)


def test_r55_a_document_records_its_lead_drafting_department_and_opens_the_year_end_report(doc, org):
    assert doc.unit == org.unit_a
    report = ExecutionReport.objects.get(document=doc)
    assert (report.year, report.unit, report.owner) == (2024, org.unit_a, org.head_a)  # the unit's principal
    assert report.due_at == at(2024, 12, 31, 23, 59, 59) and report.filed_at is None
    due = Event.objects.get(kind="policy.report_due", subject_id=report.pk)
    assert due.recipients == ["owner", "head"] and "存在问题" in due.message


def test_r55_registering_a_document_without_its_lead_department_or_by_a_unit_is_refused(org):
    kw = dict(number="鄂州政发〔2024〕4号", title="关于优化营商环境的若干措施", issued_on=date(2024, 2, 20))
    with time_machine.travel(MARCH, tick=False):
        with pytest.raises(ValidationError) as e:
            services.policy_document_register(actor=org.office, unit=None, **kw)
        assert "unit" in e.value.message_dict
        with pytest.raises(PermissionDenied):
            services.policy_document_register(actor=org.head_a, unit=org.unit_a, **kw)
        with pytest.raises(ValidationError):  # not issued yet
            services.policy_document_register(actor=org.office, unit=org.unit_a, **{**kw, "issued_on": date(2024, 4, 1)})
        services.policy_document_register(actor=org.office, unit=org.unit_a, **kw)
        with pytest.raises(ValidationError):  # the same number twice
            services.policy_document_register(actor=org.office, unit=org.unit_b, **kw)
    assert PolicyDocument.objects.count() == 1 and ExecutionReport.objects.count() == 1


def test_r55_the_report_needs_execution_problems_and_proposed_measures(doc, org):
    report = doc.reports.get()
    with time_machine.travel(at(2024, 12, 20, 10, 0), tick=False):
        for part in PARTS:
            with pytest.raises(ValidationError) as e:
                services.execution_report_file(actor=org.head_a, report=report, **{**PARTS, part: "  "})
            assert list(e.value.message_dict) == [part]
        services.execution_report_file(actor=org.head_a, report=report, **PARTS)
    report.refresh_from_db()
    assert (report.execution, report.problems, report.measures) == tuple(PARTS.values())
    assert report.filed_by == org.head_a and report.clock_state == "done"
    assert Event.objects.filter(kind="policy.reported", subject_id=report.pk, recipients=["office", "leader"]).exists()
    with pytest.raises(ValidationError, match="已报送"):
        services.execution_report_file(actor=org.head_a, report=report, **PARTS)


def test_r55_only_the_lead_departments_head_files_the_report(doc, org):
    report = doc.reports.get()
    for who in (org.clerk_a, org.head_b, org.office):
        with pytest.raises(PermissionDenied):
            services.execution_report_file(actor=who, report=report, **PARTS)
    report.refresh_from_db()
    assert report.filed_at is None


def test_r55_the_beat_task_opens_each_years_duty_once_for_the_documents_in_force(doc, org):
    assert EXTRA_SCHEDULES["supervision execution reports"]["task"] == "supervision.execution_reports_open"
    with time_machine.travel(MARCH, tick=False):
        repealed = services.policy_document_register(actor=org.office, number="鄂州政办发〔2024〕9号",
                                                     title="已废止的文件", issued_on=date(2024, 1, 5), unit=org.unit_b)
        services.policy_document_repeal(actor=org.office, document=repealed)
    new_year = at(2025, 1, 1, 3, 0)
    assert services.execution_reports_open(now=new_year) == 1
    assert services.execution_reports_open(now=new_year) == 0  # safe to repeat
    report = ExecutionReport.objects.get(document=doc, year=2025)
    assert report.due_at == at(2025, 12, 31, 23, 59, 59)
    assert not ExecutionReport.objects.filter(document=repealed, year=2025).exists()


def test_r55_the_office_sees_the_missing_reports_and_the_sweep_chases_them(doc, org):
    other = doc.reports.get()
    with time_machine.travel(MARCH, tick=False):
        filed_doc = services.policy_document_register(actor=org.office, number="鄂州政发〔2024〕5号",
                                                      title="已报送的文件", issued_on=date(2024, 1, 5), unit=org.unit_b)
        services.execution_report_file(actor=org.head_b, report=filed_doc.reports.get(), **PARTS)
    after = at(2025, 1, 3, 10, 0)
    overdue = queries.execution_report_list(org.office, now=after, status="overdue", year="2024")
    assert list(overdue) == [other]
    assert list(queries.execution_report_list(org.office, now=at(2024, 12, 30, 10, 0), status="overdue")) == []
    assert list(queries.execution_report_list(org.clerk_b, now=after, status="missing")) == []  # another unit's
    sweep(now=after)
    other.refresh_from_db()
    assert other.breach_level >= Rung.YELLOW
    sweep(now=at(2025, 2, 28, 10, 0))  # up the ladder: a 督办单 to the department, then 问责建议
    other.refresh_from_db()
    assert other.breach_level == Rung.ACCOUNTABILITY
    assert Document.objects.filter(subject_type="supervision.executionreport", subject_id=other.pk).exists()


def _reports_table(response) -> str:
    return response.content.decode().split('id="reports"')[1].split("</table>")[0]


def test_r55_the_pages_list_missing_reports_and_take_the_three_parts(client, doc, org):
    when = at(2024, 12, 20, 10, 0)
    with time_machine.travel(when, tick=False):
        client.force_login(org.office)
        page = _reports_table(client.get(reverse("supervision:policies"), {"status": "missing", "year": "2024"}))
        assert doc.number in page and org.unit_a.name in page
        client.force_login(org.clerk_b)
        assert client.get(doc.get_absolute_url()).status_code == 404
        client.force_login(org.clerk_a)
        r = client.post(doc.get_absolute_url(), {"report": doc.reports.get().pk, **PARTS})
        assert r.status_code == 403
        client.force_login(org.head_a)
        r = client.post(doc.get_absolute_url(), {"report": doc.reports.get().pk, **PARTS, "problems": ""},
                        follow=True)
        assert "请填写存在问题" in r.content.decode()
        assert doc.reports.get().filed_at is None
        r = client.post(doc.get_absolute_url(), {"report": doc.reports.get().pk, **PARTS})
        assert r.status_code == 302 and doc.reports.get().filed_at is not None
        client.force_login(org.office)
        page = _reports_table(client.get(reverse("supervision:policies"), {"status": "missing", "year": "2024"}))
        assert doc.number not in page and "暂无" in page


def test_r55_the_office_registers_a_document_on_the_page_and_a_unit_cannot(client, org):
    form = {"number": "鄂州政发〔2024〕8号", "title": "关于加快数字政府建设的意见", "issuer": "government",
            "issued_on": "2024-03-01", "unit": org.unit_a.pk}
    with time_machine.travel(MARCH, tick=False):
        client.force_login(org.head_a)
        assert client.post(reverse("supervision:policies"), form).status_code == 403
        client.force_login(org.office)
        r = client.post(reverse("supervision:policies"), {**form, "unit": ""})
        assert r.status_code == 200 and not PolicyDocument.objects.exists()
        r = client.post(reverse("supervision:policies"), form)
    doc = PolicyDocument.objects.get()
    assert r.status_code == 302 and doc.unit == org.unit_a and doc.reports.count() == 1


def test_r55_opening_a_years_duties_costs_the_same_statements_for_4_or_44_documents(org, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from efficiency import process_cache

    # The per-process copies recheck once a second: on a loaded machine that recheck must not be
    # the one statement more of one of the two calls.
    monkeypatch.setattr(process_cache, "RECHECK_SECONDS", 3600)

    def docs(n, start):
        for i in range(start, start + n):
            PolicyDocument.objects.create(number=f"鄂州政发〔2024〕{i}号", title=f"文件{i}", issued_on=date(2024, 1, 5),
                                          unit=org.unit_a, registered_by=org.office, registered_at=MARCH)

    docs(1, 1)
    services.execution_reports_open(now=at(2024, 6, 1, 3, 0))  # warm: the calendar index, the event kinds
    counts = []
    for year, n in ((2025, 3), (2026, 40)):
        docs(n, 100 * year)
        with CaptureQueriesContext(connection) as q:
            assert services.execution_reports_open(now=at(year, 1, 1, 3, 0)) == PolicyDocument.objects.count()
        counts.append(len(q))
    assert counts[0] == counts[1], counts
