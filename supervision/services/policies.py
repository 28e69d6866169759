"""Government documents and their lead drafting department's year-end execution report (R55)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efficiency import clocks
from efficiency.audit import audit_record
from efficiency.clocks import Limit
from efficiency.events import event_emit, events_emit
from efficiency.models import LimitUnit, Role, Unit
from efficiency.permissions import require_role
from efficiency.workdays import local_date

from ..models import ExecutionReport, PolicyDocument
from .common import OFFICE_ONLY, _audit, _require

OPEN_LOCK_KEY = 0x5EEC  # pg advisory lock: one opening of the year's report duties at a time
OPEN_BATCH = 500


@transaction.atomic
def policy_document_register(*, actor, number: str, title: str, issued_on: date, unit: Unit | None,
                             issuer: str = PolicyDocument.Issuer.GOVERNMENT) -> PolicyDocument:
    """The office records a document issued in the government's (or its office's) name with its
    lead drafting department (R55, 2019 (六)); that department's report duty for the year opens at once."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    number = _require(number, _("文号"))
    if PolicyDocument.objects.filter(number=number).exists():
        raise ValidationError({"number": _("文号 %(n)s 已登记。") % {"n": number}})
    if unit is None or not unit.is_active:
        raise ValidationError({"unit": _("请选择文件的牵头起草部门。")})
    if issuer not in PolicyDocument.Issuer.values:
        raise ValidationError({"issuer": _("发文名义无效。")})
    now = timezone.now()
    if issued_on is None or issued_on > local_date(now):
        raise ValidationError({"issued_on": _("请填写已印发文件的印发日期（不晚于今天）。")})
    doc = PolicyDocument.objects.create(number=number, title=_require(title, _("文件标题")), issuer=issuer,
                                        issued_on=issued_on, unit=unit, registered_by=actor, registered_at=now)
    audit_record("create", actor=actor, obj=doc, summary=f"登记政府文件 {doc.number}，牵头起草部门 {unit.name}")
    _reports_open([doc], year=local_date(now).year, now=now, actor=actor)
    return doc


def _year_end_limit(start: datetime, year: int) -> Limit:
    """每年底: the end of 31 December of `year`, counted in calendar days from the start (a last day
    on a holiday moves on to the next working day, efficiency.clocks.limit_end)."""
    return Limit(max((date(year, 12, 31) - local_date(start)).days, 0), LimitUnit.DAYS)


def _reports_open(docs, *, year: int, now: datetime, actor=None) -> list[ExecutionReport]:
    """The year's report duty of each document given (none of them has one yet): inserted with
    their clocks in one statement, their events in another."""
    reports = []
    for doc in docs:
        report = ExecutionReport(document=doc, year=year, unit_id=doc.unit_id, owner_id=doc.unit.principal_id)
        clocks.clock_start(report, actor=actor, limit=_year_end_limit(now, year), start=now, save=False)
        reports.append(report)
    ExecutionReport.objects.bulk_create(reports)
    text = _("%(year)s 年底前向本级政府专题报告《%(title)s》（%(number)s）的执行情况、存在问题及措施建议")
    events_emit([spec for report in reports for spec in (
        clocks.clock_started_event(report, actor=actor),
        dict(kind="policy.report_due", subject=report, actor=actor, recipients=["owner", "head"], at=now,
             message=text % {"year": year, "title": report.document.title, "number": report.document.number}),
    )])
    return reports


def execution_reports_open(*, now: datetime | None = None, batch: int = OPEN_BATCH) -> int:
    """The beat task's work (DAILY_0300; it does something on 1 January, or after a missed run):
    every document in force, issued by the end of this year, gets this year's report duty —
    in batches of `batch`, each one transaction under an advisory lock, so a repeated or
    concurrent run opens each duty once."""
    now = now or timezone.now()
    year = local_date(now).year
    opened = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [OPEN_LOCK_KEY])
            docs = list(PolicyDocument.objects.select_related("unit")
                        .filter(in_force=True, issued_on__year__lte=year)
                        .exclude(reports__year=year).order_by("pk")[:batch])
            _reports_open(docs, year=year, now=now)
        opened += len(docs)
        if len(docs) < batch:
            return opened


@transaction.atomic
def execution_report_file(*, actor, report: ExecutionReport, execution: str, problems: str,
                          measures: str) -> ExecutionReport:
    """R55 (2019 (六)): the lead drafting department reports to its government, at the year-end,
    on the document's execution (具体情况), the problems (存在问题) and the measures it proposes
    (解决的措施建议) — all three, in the department's name, so by its head."""
    report = ExecutionReport.objects.select_for_update().select_related("document", "unit").get(pk=report.pk)
    require_role(actor, Role.HEAD, unit=report.unit_id,
                 message=_("年度执行情况报告由牵头起草部门负责人向本级政府报送。"))
    if report.filed_at is not None:
        raise ValidationError(_("%(year)s 年度的执行情况报告已报送。") % {"year": report.year})
    parts = {"execution": (execution, _("政策执行的具体情况")), "problems": (problems, _("存在问题")),
             "measures": (measures, _("解决的措施建议"))}
    errors = {f: _("请填写%(f)s。") % {"f": label} for f, (text, label) in parts.items() if not (text or "").strip()}
    if errors:
        raise ValidationError(errors)
    report.execution, report.problems, report.measures = (parts[f][0].strip() for f in ("execution", "problems",
                                                                                          "measures"))
    report.filed_by, report.filed_at = actor, timezone.now()
    report.save(update_fields=["execution", "problems", "measures", "filed_by", "filed_at"])
    clocks.clock_close(report, actor=actor, message=_("已向本级政府报告"))
    event_emit("policy.reported", subject=report, actor=actor, recipients=["office", "leader"],
               message=_("%(unit)s 报送《%(title)s》%(year)s 年度执行情况报告")
               % {"unit": report.unit.name, "title": report.document.title, "year": report.year})
    _audit(actor, report, f"报送年度执行情况报告 {report}")
    return report


@transaction.atomic
def policy_document_repeal(*, actor, document: PolicyDocument) -> PolicyDocument:
    """The document is no longer in force: no report duty opens for later years (this year's stays)."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    doc = PolicyDocument.objects.select_for_update().get(pk=document.pk)
    if not doc.in_force:
        raise ValidationError(_("该文件已标记为失效。"))
    doc.in_force = False
    doc.save(update_fields=["in_force"])
    _audit(actor, doc, f"政府文件失效 {doc.number}")
    return doc
