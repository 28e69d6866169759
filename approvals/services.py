"""Every write of the approvals app: one named service per state change (R16–R25, R36).

Each service is keyword-only with a required `actor`, validates, writes in one transaction,
writes the audit row and emits the item's event there too. The applicant hears through
events with a `phone:` recipient (SMS through the notification outbox).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from efficiency import clocks, permissions
from efficiency.audit import audit_record, audit_records_select_sql, snapshot
from efficiency.clocks import Limit, format_due
from efficiency.documents import issue_document
from efficiency.gaming_evidence import arrival_check, device_hash, keyed_hash
from efficiency.events import (EventBatch, Sql, dispatch_written, event_emit, events_emit, events_insert_select_sql,
                               request_fan_out, subscriber_ctes)
from efficiency.models import ClockQuerySet, Event, LimitUnit, PauseReason, Role, Rung, TimeLimitRule, Unit, User
from efficiency.permissions import UNIT_ROLES, has_role, require_role
from efficiency.registry import items_crossing
from efficiency.workdays import local_date

from .models import (
    BAD_SCORES, DECIDED, NOT_RATED, JOINT_EXTENSION, DEFAULT_EXTENSION, LEGAL_PAUSE_REASONS, Application, FollowUpKind,
    SATISFIED_SCORES, Material, Rating, RatingFollowUp, RefusalGround, ReviewStep, Score, ServiceItem, ServiceStep,
    Status, StepStatus,
)
from . import queries
from .documents import ACCEPTANCE_NOTICE, ONE_TIME_NOTICE, REFUSAL_DECISION
from .validators import validate_applicant_id

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read over the phone


# --- who may do what ----------------------------------------------------------------------------


# Unit heads edit their own unit's guide; the efficiency office and the system administrator
# (who keeps the catalog with the other reference data, DESIGN.md) edit any. Applications stay
# out of the administrator's reach (三员分立).
ITEM_EDITORS = (Role.OFFICE, Role.SYSTEM_ADMIN, Role.HEAD)
UNIT_ONLY = gettext_lazy("只有本单位的经办人或负责人可以办理。")


def can_edit_items(user, unit) -> bool:
    return has_role(user, *ITEM_EDITORS, unit=unit)


def _sms(app: Application) -> list[str]:
    return [f"phone:{app.applicant_phone}"] if app.applicant_phone else []


# --- service catalog ----------------------------------------------------------------------------

ITEM_FIELDS = ["code", "name", "legal_basis", "conditions", "procedure", "fee", "legal_limit", "committed_limit",
               "deemed_approval", "pause_reasons", "is_published", "one_visit"]


def _item_validate(item: ServiceItem) -> None:
    item.full_clean(exclude=["unit"], validate_unique=True)
    if not set(item.pause_reasons) <= set(LEGAL_PAUSE_REASONS):
        # 行政许可法 §45 (R23): only the periods the law excludes.
        raise ValidationError({"pause_reasons": [_("暂停计时事由只能是行政许可法第四十五条规定的情形。")]})


@transaction.atomic
def item_save(*, actor, unit, item: ServiceItem | None = None, materials: list[str] | None = None,
              joint_units=None, **fields) -> ServiceItem:
    """Create or change a service item (R18). The committed limit above the legal one is
    refused with a clear message (R16)."""
    require_role(actor, *ITEM_EDITORS, unit=unit, message=_("只有本单位负责人、效能办或系统管理员可以维护办事指南。"))
    before = snapshot(item, ITEM_FIELDS) if item else None
    item = item or ServiceItem(unit=unit)
    for name, value in fields.items():
        if name not in ITEM_FIELDS:
            raise ValueError(name)
        setattr(item, name, value)
    item.unit = unit
    _item_validate(item)
    item.save()
    if joint_units is not None:
        item.joint_units.set([u for u in joint_units if u.pk != unit.pk])
    if materials is not None:
        names = [m.strip() for m in materials if m and m.strip()]
        existing = {m.name: m for m in item.materials.all()}
        for i, name in enumerate(names):
            m = existing.pop(name, None) or Material(item=item, name=name)
            m.order = i
            m.save()
        for m in existing.values():
            m.required = False  # kept for history of old applications, no longer asked for
            m.save(update_fields=["required"])
    audit_record("appr.item_save", actor=actor, obj=item, summary=item.name[:200],
                 before=before, after=snapshot(item, ITEM_FIELDS))
    return item


def _step_errors(item: ServiceItem, n: int, step: dict) -> dict:
    """R61 (2014 二(二)三): a step names its limit, a responsible leader (the unit's head) and a
    handler (a member of the unit)."""
    errors: dict[str, str] = {}
    if not (step.get("name") or "").strip():
        errors["name"] = _("第 %(n)s 个环节：请填写环节名称。") % {"n": n}
    limit = step.get("limit_days")
    if not isinstance(limit, int) or limit < 1:
        errors["limit_days"] = _("第 %(n)s 个环节：须规定本环节的办理时限（至少 1 个工作日）。") % {"n": n}
    leader, handler = step.get("leader"), step.get("handler")
    if leader is None:
        errors["leader"] = _("第 %(n)s 个环节：须明确责任领导。") % {"n": n}
    elif not has_role(leader, Role.HEAD, unit=item.unit_id):
        errors["leader"] = _("第 %(n)s 个环节：责任领导须为实施单位的负责人。") % {"n": n}
    if handler is None:
        errors["handler"] = _("第 %(n)s 个环节：须明确经办人。") % {"n": n}
    elif not has_role(handler, *UNIT_ROLES, unit=item.unit_id):
        errors["handler"] = _("第 %(n)s 个环节：经办人须为实施单位的人员。") % {"n": n}
    return errors


@transaction.atomic
def item_steps_set(*, actor, item: ServiceItem, steps: list[dict]) -> list[ServiceStep]:
    """Replace the item's steps (办理环节), in order (R61). Each step: name, limit_days, leader,
    handler — a step missing any is refused, and the steps together may not take longer than
    the item's committed limit (R16)."""
    require_role(actor, *ITEM_EDITORS, unit=item.unit_id, message=_("只有本单位负责人、效能办或系统管理员可以维护办事指南。"))
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    errors: dict[str, list[str]] = {}
    for n, step in enumerate(steps, start=1):
        for field, message in _step_errors(item, n, step).items():
            errors.setdefault(field, []).append(message)
    if errors:
        raise ValidationError(errors)
    total = sum(step["limit_days"] for step in steps)
    if total > item.committed_limit:
        raise ValidationError(_("各环节时限合计 %(t)s 个工作日，超过承诺时限 %(c)s 个工作日。")
                              % {"t": total, "c": item.committed_limit})
    before = [snapshot(s, ["order", "name", "limit_days", "leader", "handler"]) for s in item.steps.all()]
    item.steps.all().delete()
    created = ServiceStep.objects.bulk_create(
        ServiceStep(item=item, order=n, name=step["name"].strip(), limit_days=step["limit_days"],
                    leader=step["leader"], handler=step["handler"]) for n, step in enumerate(steps, start=1))
    audit_record("appr.item_steps", actor=actor, obj=item, summary=f"办理环节：{item.name}"[:200], before={"steps": before},
                 after={"steps": [snapshot(s, ["order", "name", "limit_days", "leader", "handler"]) for s in created]})
    return created


# --- intake -------------------------------------------------------------------------------------


def check_code_hash(receipt_number: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{receipt_number}:{code.strip().upper()}".encode(), hashlib.sha256).hexdigest()


def _governing_rule(joint: bool) -> TimeLimitRule:
    return TimeLimitRule.objects.get(code="application.joint" if joint else "application.service")


def _terms(item: ServiceItem) -> dict:
    """The terms an application is handled under, copied from the catalog item and its rule at
    intake (R16, R17, R23): a later edit of either governs new applications only. 超时默认
    applies when both the item and the rule of its kind (`application.service` /
    `application.joint`, `TimeLimitRule.deemed_approval`) say so."""
    joint = sorted(item.joint_units.values_list("pk", flat=True))
    rule = _governing_rule(bool(joint))
    return {"terms_fixed_at": timezone.now(), "legal_limit": item.legal_limit, "committed_limit": item.committed_limit,
            "deemed_approval": item.deemed_approval and rule.deemed_approval,
            "pause_reasons": list(item.pause_reasons), "joint_unit_ids": joint}


def _missing(item: ServiceItem, received: list[Material]) -> list[dict]:
    got = {m.pk for m in received}
    return [{"id": m.pk, "name": m.name} for m in item.materials.filter(required=True) if m.pk not in got]


def can_take_in(user, item: ServiceItem) -> bool:
    """综合窗口 (一窗受理): a clerk or head of a 政务服务中心 takes in applications for the published
    catalog items of the departments of its own region and the regions below it, on their
    behalf (`queries.window_items` lists them). A department's own clerks take in its items."""
    if not queries.is_centre(user) or not has_role(user, *UNIT_ROLES):
        return False
    return (item.is_published and item.unit_id != user.unit_id
            and item.unit.region_id in queries.regions_within(user.unit.region_id))


def _route_owner(unit) -> User | None:
    """The department clerk a window intake is routed to: the active clerk of the unit with the
    fewest open applications (ties: the longest-serving account). None if the unit has no
    active clerk: its head then hands it over (改派承办人)."""
    load = (Application.objects.filter(owner=OuterRef("pk")).exclude(status__in=DECIDED)
            .values("owner").annotate(n=Count("pk")).values("n"))
    return (User.objects.filter(unit=unit, role=Role.CLERK, is_active=True)
            .annotate(load=Coalesce(Subquery(load), 0)).order_by("load", "pk").first())


def _check_applicant(applicant_kind, applicant_name, applicant_id_number, applicant_phone) -> tuple[str, str]:
    errors = {}
    try:
        applicant_id_number = validate_applicant_id(applicant_kind, applicant_id_number)
    except ValidationError as exc:
        errors["applicant_id_number"] = exc.messages
    if not (applicant_name or "").strip():
        errors["applicant_name"] = [_("请填写申请人名称。")]
    phone = (applicant_phone or "").strip()
    if not (phone.isdigit() and 7 <= len(phone) <= 12):
        errors["applicant_phone"] = [_("请填写有效的联系电话（7–12 位数字）。")]
    if errors:
        raise ValidationError(errors)
    return applicant_id_number, phone


@transaction.atomic
def application_receive(*, actor, item: ServiceItem, applicant_kind: str, applicant_name: str,
                        applicant_id_number: str, applicant_phone: str, project: str = "",
                        materials: list[Material] = (),
                        submitted_at: datetime | None = None) -> tuple[Application, str | None]:
    """受理登记 by the first handler (R19, R25). Complete materials: accepted at once, returns the
    check code (shown once). Missing materials: the application waits on the §32 clock for
    the one-time notice (R20, R21); returns no code yet.

    At a 政务服务中心 window (`can_take_in`) the application is taken in on the department's
    behalf: it belongs to the department (`unit`), which examines and decides it; the centre
    and the window are recorded (`intake_unit`, `intake_section`), the window officer is the
    first handler, the department's clerk with the least open work its handler, and the centre
    keeps sight of it (a co-unit grant: the centre sees what it took in, nothing else of the
    department). The clock starts at intake, as at the department's own desk.

    `submitted_at`: when the materials arrived (an online submission, a window's earlier
    receipt), the intake moment by default; refused in the future or over a year old. The gaming
    detector intake_lag (体外循环) reads it against the clock's start."""
    window = can_take_in(actor, item)
    if not window:
        require_role(actor, *UNIT_ROLES, unit=item.unit_id, message=UNIT_ONLY)
    applicant_id_number, phone = _check_applicant(applicant_kind, applicant_name, applicant_id_number,
                                                  applicant_phone)
    now = timezone.now()
    submitted_at = arrival_check(submitted_at, now=now, field="submitted_at")
    materials = [m for m in materials if m.item_id == item.pk]
    owner = _route_owner(item.unit) if window else actor
    app = Application.objects.create(
        item=item, unit=item.unit, owner=owner, first_handler=actor, applicant_kind=applicant_kind,
        applicant_name=applicant_name.strip(), applicant_id_number=applicant_id_number, applicant_phone=phone,
        project=project.strip(), received_at=now, submitted_at=submitted_at, missing_materials=_missing(item, materials),
        intake_unit=actor.unit if window else None, intake_section=actor.section if window else None,
        **_terms(item),
    )
    app.materials_received.set(materials)
    where = f"{actor.unit.name}代收 " if window else ""
    audit_record("appr.receive", actor=actor, obj=app, summary=f"{where}收件 {item.name} {app.applicant_name}"[:200])
    if window:
        permissions.share_with_unit(app, actor.unit)
    if not app.missing_materials:
        code = _accept(app, actor=actor)
    else:
        code = None
        # 行政许可法 §32: the notice of missing materials within 5 working days of receipt.
        clocks.clock_start(app, actor=actor, rule="application.notice",
                           message=_("收件，材料不全：须在 5 个工作日内一次性告知。"))
    if window:
        _routed(app, actor=actor)
    return app, code


def _routed(app: Application, *, actor) -> None:
    """Tell the department (its handler and head) that the window took an application in for it."""
    names = {"centre": app.intake_unit.name, "item": app.item.name, "who": app.applicant_name,
             "no": app.receipt_number or _("待受理"), "owner": app.owner or _("未指定，请单位负责人改派"),
             "due": format_due(app.due_at), "status": app.get_status_display()}
    message = _("%(centre)s综合窗口代收“%(item)s”（申请人 %(who)s，%(no)s），已转本单位办理："
                "%(status)s，承办人 %(owner)s，期限 %(due)s。") % names
    event_emit("approvals.routed", subject=app, actor=actor, recipients=["owner", "head"], message=message,
               payload={"intake_unit": app.intake_unit_id, "owner": app.owner_id})
    audit_record("appr.route", actor=actor, obj=app, summary=f"转 {app.unit.name} 办理，承办人 {app.owner or '—'}"[:200])


def _window_or_unit(actor, app: Application) -> None:
    """The department, and the window that took the application in, handle its materials
    (一次性告知, 补齐受理); deciding stays with the department."""
    if app.intake_unit_id and has_role(actor, *UNIT_ROLES, unit=app.intake_unit_id):
        return
    require_role(actor, *UNIT_ROLES, unit=app.unit_id, message=UNIT_ONLY)


def _unit_decides(actor, app: Application) -> None:
    if app.intake_unit_id and has_role(actor, *UNIT_ROLES, unit=app.intake_unit_id) \
            and not has_role(actor, *UNIT_ROLES, unit=app.unit_id):
        permissions.refuse(_("综合窗口只负责受理；该办件由%(unit)s审查并作出决定，窗口不能办理。")
                               % {"unit": app.unit.name})
    require_role(actor, *UNIT_ROLES, unit=app.unit_id, message=UNIT_ONLY)


@transaction.atomic
def application_issue_notice(*, actor, application: Application) -> Application:
    """一次性告知 (R20): every missing item, at once, once. The application then waits, with no
    clock, until the applicant brings them."""
    app = Application.objects.select_for_update().get(pk=application.pk)
    _window_or_unit(actor, app)
    if app.status != Status.RECEIVED:
        raise ValidationError(_("只有已收件、尚未受理的办件可以出具一次性告知书；当前状态：%(s)s。")
                              % {"s": app.get_status_display()})
    if not app.missing_materials:
        raise ValidationError(_("材料齐全，无需告知，请直接受理。"))
    now = timezone.now()
    app.status, app.notice_issued_at = Status.NOTICE_ISSUED, now
    app.save(update_fields=["status", "notice_issued_at"])
    clocks.clock_close(app, actor=actor, message=_("已一次性告知，等待申请人补齐材料。"))
    names = "、".join(m["name"] for m in app.missing_materials)
    doc = issue_document(kind=ONE_TIME_NOTICE, item=app, actor=actor)
    event_emit("approvals.notice_issued", subject=app, actor=actor, recipients=_sms(app),
               message=_("您申请的“%(item)s”尚缺以下材料，请一次补齐：%(names)s。") % {"item": app.item.name, "names": names},
               payload={"missing": app.missing_materials, "document": doc.number})
    audit_record("appr.notice", actor=actor, obj=app, summary=f"一次性告知 {doc.number}：{names}"[:200])
    return app


@transaction.atomic
def application_complete(*, actor, application: Application, materials: list[Material]) -> tuple[Application, str]:
    """补正: the applicant brought the missing materials — tick them; when complete, accept.
    Only before acceptance (行政许可法 §32, R20/R21): an accepted application's materials are
    settled, and its clock is never stopped for 补正."""
    app = Application.objects.select_for_update().get(pk=application.pk)
    _window_or_unit(actor, app)
    if app.status not in (Status.RECEIVED, Status.NOTICE_ISSUED):
        raise ValidationError(_("补正材料只能在受理前进行（行政许可法第三十二条：一次性告知、补正后受理）；"
                                "该办件当前状态为“%(s)s”，不能再补正材料。") % {"s": app.get_status_display()})
    app.materials_received.add(*[m for m in materials if m.item_id == app.item_id])
    app.missing_materials = _missing(app.item, list(app.materials_received.all()))
    app.save(update_fields=["missing_materials"])
    if app.missing_materials:
        raise ValidationError(_("材料仍不齐全，尚缺：%(names)s。") % {
            "names": "、".join(m["name"] for m in app.missing_materials)})
    if app.clock_start and not app.closed_at:
        clocks.clock_close(app, actor=actor, message=_("材料已补齐。"))
    return app, _accept(app, actor=actor)


def _accept(app: Application, *, actor, start: datetime | None = None, by_default: bool = False) -> str:
    """受理: the receipt number and the check code, the clock from the committed limit with the
    legal limit second (R16, R22), and the joint review steps started together (R24)."""
    now = timezone.now()
    start = start or now
    code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(8))
    app.receipt_number = f"SL{local_date(start):%Y%m%d}{app.pk:06d}"
    app.check_code_hash = check_code_hash(app.receipt_number, code)
    app.status, app.accepted_at, app.accepted_by_default = Status.ACCEPTED, start, by_default
    app.save(update_fields=["receipt_number", "check_code_hash", "status", "accepted_at", "accepted_by_default"])
    # The terms frozen at intake, not the catalog as it is now (R16, R17).
    joint = list(Unit.objects.filter(pk__in=app.joint_unit_ids).order_by("pk"))
    clocks.clock_start(app, actor=actor, rule=_governing_rule(bool(joint)), start=start,
                       limit=Limit(app.committed_limit), legal=Limit(app.legal_limit))
    for unit in joint:
        step = ReviewStep.objects.create(application=app, unit=unit)
        clocks.clock_start(step, actor=actor, rule="application.review_step", start=start,
                           message=_("联审联批：%(unit)s 并联审查") % {"unit": unit.name})
        permissions.share_with_unit(app, unit)
    message = _("您申请的“%(item)s”已受理，受理编号 %(no)s，查询码 %(code)s，承诺 %(due)s 前办结。") % {
        "item": app.item.name, "no": app.receipt_number, "code": code, "due": format_due(app.due_at)}
    if by_default:
        message = _("逾期未一次性告知，依行政许可法第三十二条自收件之日起视为受理。") + message
    # At the window the code is printed on the receipt and shown once; accepted by default
    # (§32) the applicant never stood at the window, so the SMS is the only way it reaches them.
    event_emit("approvals.accepted", subject=app, actor=actor, recipients=_sms(app),
               message=message if by_default else message.replace(code, "********"),
               payload={"receipt_number": app.receipt_number, "by_default": by_default,
                        "joint_units": [u.pk for u in joint]})
    doc = issue_document(kind=ACCEPTANCE_NOTICE, item=app, actor=actor)
    audit_record("appr.accept", actor=actor, obj=app, summary=f"受理 {app.receipt_number}（{doc.number}）"[:200])
    return code


@transaction.atomic
def application_refuse_acceptance(*, actor, application: Application, ground: str, reason: str,
                                  refer_to: str = "") -> Application:
    """不予受理 (行政许可法 §32 第一款第（一）、（二）项; after a one-time notice left
    unanswered): only before acceptance, with the ground and the reasons; the §32 notice clock
    stops (and no service clock ever starts); the 不予受理决定书, with the applicant's rights to
    行政复议 and 行政诉讼, is issued; audited."""
    app = Application.objects.select_for_update().select_related("item", "unit").get(pk=application.pk)
    require_role(actor, *UNIT_ROLES, unit=app.unit_id, message=UNIT_ONLY)
    if app.status not in (Status.RECEIVED, Status.NOTICE_ISSUED):
        raise ValidationError(_("只有尚未受理的办件可以作出不予受理决定；当前状态：%(s)s。") % {"s": app.get_status_display()})
    errors = {}
    if ground not in RefusalGround.values:
        errors["ground"] = [_("请选择不予受理的法定情形。")]
    reason, refer_to = (reason or "").strip(), (refer_to or "").strip()
    if not reason:
        errors["reason"] = [_("不予受理必须说明理由。")]
    if ground == RefusalGround.NOT_COMPETENT and not refer_to:
        errors["refer_to"] = [_("不属于本机关职权范围的，应当告知申请人向有关行政机关申请，请填写该机关。")]
    if ground == RefusalGround.NOT_SUPPLEMENTED and app.status != Status.NOTICE_ISSUED:
        errors["ground"] = [_("尚未一次性告知需补正的材料，不能以逾期未补正为由不予受理。")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    app.status, app.decided_at, app.decided_by = Status.NOT_ACCEPTED, now, actor
    app.refusal_ground, app.refer_to = ground, refer_to if ground == RefusalGround.NOT_COMPETENT else ""
    app.decision_reason = reason
    app.save(update_fields=["status", "decided_at", "decided_by", "refusal_ground", "refer_to", "decision_reason"])
    if app.clock_start and not app.closed_at:
        clocks.clock_close(app, actor=actor, at=now, message=_("不予受理，§32 告知时限停止。"))
    doc = issue_document(kind=REFUSAL_DECISION, item=app, actor=actor)
    event_emit("approvals.not_accepted", subject=app, actor=actor, recipients=_sms(app), at=now,
               message=_("您申请的“%(item)s”不予受理（%(no)s）：%(reason)s。如不服，可依法申请行政复议或者提起行政诉讼。") % {
                   "item": app.item.name, "no": doc.number, "reason": reason},
               payload={"ground": ground, "document": doc.number})
    audit_record("appr.unaccept", actor=actor, obj=app, summary=f"不予受理 {doc.number}：{reason}"[:200],
                 after={"ground": ground, "refer_to": app.refer_to, "document": doc.number})
    return app


# --- joint review ---------------------------------------------------------------------------------


@transaction.atomic
def step_decide(*, actor, step: ReviewStep, consent: bool, opinion: str = "") -> ReviewStep:
    """A co-reviewing unit answers. A refusal without reasons counts as consent and the
    liability moves to that unit (2014 二(二))."""
    step = ReviewStep.objects.select_for_update().get(pk=step.pk)
    require_role(actor, *UNIT_ROLES, unit=step.unit_id, message=UNIT_ONLY)
    if step.status != StepStatus.PENDING:
        raise ValidationError(_("该会审环节已答复：%(s)s。") % {"s": step.get_status_display()})
    opinion = (opinion or "").strip()
    if consent:
        step.status = StepStatus.CONSENTED
    elif opinion:
        step.status = StepStatus.REFUSED
    else:
        step.status, step.liability_moved = StepStatus.VOID_REFUSAL, True
    step.opinion, step.decided_at, step.decided_by = opinion, timezone.now(), actor
    if step.owner_id is None:
        step.owner = actor
    step.paused_with_application = False  # answered during a suspension: the close ends its pause
    step.save(update_fields=["status", "opinion", "decided_at", "decided_by", "liability_moved", "owner",
                             "paused_with_application"])
    clocks.clock_close(step, actor=actor, message=step.get_status_display())
    event_emit("approvals.step_decided", subject=step, actor=actor, message=step.get_status_display(),
               payload={"status": step.status, "liability_moved": step.liability_moved,
                        "application_id": step.application_id},
               recipients=[f"user:{step.application.owner_id}"] if step.application.owner_id else [])
    audit_record("appr.step", actor=actor, obj=step, summary=step.get_status_display()[:200])
    return step


def _steps_deem_consented(step_ids: list[int], now: datetime) -> list[int]:
    """缺席默认: silent steps count as consent, liability on their unit. Claimed once by a
    conditional UPDATE; a second sweep finds nothing to claim. Set-based: the claim, one read of
    the claimed steps, their clocks closed and their events written in one INSERT
    (`clocks.clocks_close`), whatever the number of steps."""
    if not step_ids:
        return []
    claimed = _claim(ReviewStep, step_ids, StepStatus.PENDING,
                     {"status": StepStatus.DEEMED_CONSENTED, "liability_moved": True, "decided_at": now,
                      "paused_with_application": False})
    steps = list(ReviewStep.objects.filter(pk__in=claimed).select_related("application__item", "unit")
                 .order_by("pk"))
    consented = _("%(unit)s 逾期未答复联审意见，视为同意，责任由该单位承担。")
    late = _("联审联批会审环节（%(app)s）逾期未答复，按缺席默认视为同意。")
    specs = []
    for step in steps:
        specs.append(dict(kind="approvals.step_deemed_consented", subject=step, recipients=["head", "office"], at=now,
                          message=consented % {"unit": step.unit.name}, payload={"application_id": step.application_id}))
        if step.is_late(now):
            specs.append(dict(kind="accountability.propose", subject=step, unit=step.unit_id, at=now, payload={
                "person_id": step.owner_id, "unit_id": step.unit_id, "source": "review_step",
                "reason": late % {"app": step.application}}))
    clocks.clocks_close(ReviewStep, steps, actor=None, at=now, message=_("逾期未答复，视为同意。"), events=specs)
    return claimed


def _claim(model, ids, from_status: str, values: dict) -> list[int]:
    """UPDATE … WHERE status = from_status … RETURNING id: the rows this caller moved. Another
    sweep or worker that got there first leaves nothing to claim (healthchecks' sendalerts)."""
    ids = list(ids)
    if not ids:
        return []
    q = connection.ops.quote_name
    fields = {name: model._meta.get_field(name) for name in values}
    sets = ", ".join(f"{q(f.column)} = %s" for f in fields.values())
    params = [f.get_db_prep_save(values[name], connection) for name, f in fields.items()]
    marks = ", ".join(["%s"] * len(ids))
    sql = (f"UPDATE {q(model._meta.db_table)} SET {sets} WHERE {q(model._meta.pk.column)} IN ({marks}) "
           f"AND {q('status')} = %s RETURNING {q(model._meta.pk.column)}")
    with connection.cursor() as cur:
        cur.execute(sql, [*params, *ids, from_status])
        return [row[0] for row in cur.fetchall()]


def step_on_breach(model, transitions) -> None:
    """Sweep handler (its transaction): a step past its deadline is deemed to consent when its
    rule (`application.review_step`) says so — a local default, not the seeds' (2014 二(二) sets
    no limit and no deemed consent): with `deemed_approval` off the silent step stays open on its
    cards and the lead unit decides (RULES.md "Local defaults")."""
    ids = items_crossing(transitions, Rung.YELLOW)
    if ids:
        ids = list(ReviewStep.objects.filter(pk__in=ids, time_rule__deemed_approval=True).values_list("pk", flat=True))
        _steps_deem_consented(ids, _sweep_now(transitions))


def _sweep_now(transitions) -> datetime:
    # The sweep's `now` is the `at` of the breach events it just wrote.
    return Event.objects.filter(pk=transitions[0].event_id).values_list("at", flat=True).first() or timezone.now()


# --- pauses, extension ------------------------------------------------------------------------------

@transaction.atomic
def application_pause(*, actor, application: Application, reason: str, note: str = "") -> Application:
    """Suspend for a period the law excludes (R23); the applicant is told. The whole
    application is suspended, so every running review step is paused with it and its unit told:
    a co-unit must not go late, be deemed to consent or get a card while the application is
    legally on hold."""
    app = Application.objects.select_for_update().get(pk=application.pk)
    _unit_decides(actor, app)
    if app.status != Status.ACCEPTED:
        raise ValidationError(_("只有审查中的办件可以暂停计时。"))
    if reason not in PauseReason.values:
        raise ValidationError(_("请选择法定的暂停事由。"))
    if reason == PauseReason.SUPPLEMENT:
        # R20/R21, 行政许可法 §32: 补正 happens before acceptance (the one-time notice).
        raise ValidationError(_("补正材料只能在受理前进行（一次性告知）；已受理的办件不能以补正为由暂停计时。"))
    if reason not in app.pause_reasons:
        # The pauses the item allowed when the application was received (R23).
        raise ValidationError(_("该办件受理时的办事指南不允许因“%(reason)s”暂停计时。") % {"reason": PauseReason(reason).label})
    clocks.clock_pause(app, actor=actor, reason=reason, note=note)
    steps = _steps_pause(app, actor=actor, reason=reason, note=note)
    event_emit("approvals.paused", subject=app, actor=actor, recipients=_sms(app),
               message=_("您申请的“%(item)s”因%(reason)s暂停计时，所需时间不计入办理时限。%(note)s") % {
                   "item": app.item.name, "reason": PauseReason(reason).label, "note": note},
               payload={"reason": reason, "steps": [s.pk for s in steps]})
    summary = f"暂停：{PauseReason(reason).label}" + (f"（会审环节 {len(steps)} 个同时暂停）" if steps else "")
    audit_record("appr.pause", actor=actor, obj=app, summary=summary)
    return app


def _steps_pause(app: Application, *, actor, reason: str, note: str) -> list[ReviewStep]:
    """Pause the application's pending, running steps with the same reason. A step already
    past its due time is left alone: the suspension cannot excuse a delay that happened
    before it, and the sweep deems it consented as usual."""
    now = timezone.now()
    steps = list(ReviewStep.objects.started().running().exclude(ClockQuerySet.q_overdue(now))
                 .select_for_update().select_related("unit")
                 .filter(application=app, status=StepStatus.PENDING).order_by("pk"))
    for step in steps:
        clocks.clock_pause(step, actor=actor, reason=reason, note=note)
        step.paused_with_application = True
        step.save(update_fields=["paused_with_application"])
        event_emit("approvals.step_paused", subject=step, actor=actor, recipients=["head", "owner"],
                   message=_("办件 %(no)s 因%(reason)s暂停计时，贵单位的会审环节同时暂停，暂停期间不计入会审时限。") % {
                       "no": app.receipt_number, "reason": PauseReason(reason).label},
                   payload={"application_id": app.pk, "reason": reason})
    return steps


@transaction.atomic
def application_resume(*, actor, application: Application, note: str = "") -> Application:
    """End the suspension; the steps it paused resume at the same moment, so each is credited
    exactly the paused working time. A step paused for another reason stays paused."""
    app = Application.objects.select_for_update().get(pk=application.pk)
    _unit_decides(actor, app)
    now = timezone.now()
    clocks.clock_resume(app, actor=actor, note=note, at=now)
    steps = list(ReviewStep.objects.open().select_for_update().select_related("unit").filter(
        application=app, paused_with_application=True, paused_at__isnull=False).order_by("pk"))
    for step in steps:
        clocks.clock_resume(step, actor=actor, note=note, at=now)
        step.paused_with_application = False
        step.save(update_fields=["paused_with_application"])
        event_emit("approvals.step_resumed", subject=step, actor=actor, recipients=["head", "owner"],
                   message=_("办件 %(no)s 恢复计时，贵单位的会审环节同时恢复，答复期限 %(due)s。") % {
                       "no": app.receipt_number, "due": format_due(step.due_at)},
                   payload={"application_id": app.pk, "due_at": clocks.iso(step.due_at)})
    event_emit("approvals.resumed", subject=app, actor=actor, recipients=_sms(app),
               message=_("您申请的“%(item)s”恢复计时，办理期限 %(due)s。") % {"item": app.item.name,
                                                                    "due": format_due(app.due_at)},
               payload={"steps": [s.pk for s in steps]})
    audit_record("appr.resume", actor=actor, obj=app,
                 summary="恢复计时" + (f"（会审环节 {len(steps)} 个同时恢复）" if steps else ""))
    return app


@transaction.atomic
def application_request_extension(*, actor, application: Application, reason: str) -> Application:
    app = Application.objects.select_for_update().get(pk=application.pk)
    _unit_decides(actor, app)
    if app.status != Status.ACCEPTED:
        raise ValidationError(_("只有审查中的办件可以申请延期。"))
    if app.extension_value:
        raise ValidationError(_("该办件已延期一次，不能再次延期。"))
    if not (reason or "").strip():
        raise ValidationError(_("延期必须说明理由。"))
    now = timezone.now()
    if app.is_late(now):
        raise ValidationError(_("延期须在期限（%(due)s）届满前申请；逾期申请不予受理，按超时办结计。")
                              % {"due": format_due(app.due_at)})
    app.extension_requested_at, app.extension_request_reason, app.extension_requested_by = now, reason.strip(), actor
    app.save(update_fields=["extension_requested_at", "extension_request_reason", "extension_requested_by"])
    event_emit("approvals.extension_requested", subject=app, actor=actor, recipients=extension_approvers(app),
               message=reason)
    audit_record("appr.ext_request", actor=actor, obj=app, summary=reason[:200])
    return app


def extension_approvers(app: Application) -> list[str]:
    """Who approves the one extension (行政许可法 §42, R22), as event recipients: the head of
    the agency (本行政机关负责人) for the ordinary 10 working days; for a joint handling's 15,
    the head of the government at the same level (本级人民政府负责人): the active leader
    accounts of the people's government of the unit's own region
    (`permissions.is_government_leader_for`)."""
    if not app.is_joint:
        return ["head"]
    leaders = User.objects.filter(role=Role.LEADER, is_active=True, unit__kind=Unit.Kind.GOVERNMENT,
                                  unit__region_id=app.unit.region_id).order_by("pk")
    return [f"user:{pk}" for pk in leaders.values_list("pk", flat=True)]


def can_approve_extension(user, app: Application) -> bool:
    if app.is_joint:
        return permissions.is_government_leader_for(user, app.unit)
    return permissions.is_head_of(user, app.unit_id)


@transaction.atomic
def application_approve_extension(*, actor, application: Application) -> Application:
    """One extension, approved before the due time (R22): +10 by the unit head; a joint
    handling's +15 by the head of the government at the same level."""
    app = Application.objects.select_for_update().get(pk=application.pk)
    if app.is_joint:
        permissions.require_government_leader_for(actor, app.unit, message=_("联合办理的延期须经本级人民政府负责人批准。"))
    else:
        require_role(actor, Role.HEAD, unit=app.unit_id, message=_("只有本单位负责人可以批准。"))
    if not app.extension_requested_at:
        raise ValidationError(_("没有待批准的延期申请。"))
    value = JOINT_EXTENSION if app.is_joint else DEFAULT_EXTENSION
    try:
        clocks.clock_extend(app, actor=actor, value=value, unit=LimitUnit.WORKDAYS,
                            reason=app.extension_request_reason, requested_at=app.extension_requested_at)
    except clocks.ClockError:
        app.extension_requested_at = None
        app.save(update_fields=["extension_requested_at"])
        raise
    app.extension_requested_at = None
    app.save(update_fields=["extension_requested_at"])
    approved_by = _("本级人民政府负责人") if app.is_joint else _("单位负责人")
    names = {"who": approved_by, "n": value, "due": format_due(app.due_at), "item": app.item.name,
             "no": app.receipt_number}
    event_emit("approvals.extended", subject=app, actor=actor, recipients=["owner", *_sms(app)],
               message=_("经%(who)s批准延长 %(n)s 个工作日，新期限 %(due)s。") % names,
               payload={"citizen_message": _("您申请的“%(item)s”（%(no)s）经%(who)s批准延长 %(n)s 个工作日办理，"
                                             "新的办理期限为 %(due)s。") % names})
    audit_record("appr.ext_approve", actor=actor, obj=app, summary=f"延期 {value} 个工作日")
    return app


# --- the handler (承办人) ---------------------------------------------------------------------------


@transaction.atomic
def application_reassign(*, actor, application: Application, to_user: User | None, reason: str) -> Application:
    """The unit head hands an open application to another active clerk of the unit (R27: the
    head answers for the unit's work). The new handler owns the clock from now on (reminders,
    cards, a deemed-approval proposal); the clock itself runs on unchanged. The first handler
    (首问负责, R19) stays on the record."""
    app = Application.objects.select_for_update().get(pk=application.pk)
    require_role(actor, Role.HEAD, unit=app.unit_id, message=_("只有本单位负责人可以改派承办人。"))
    if app.is_decided:
        raise ValidationError(_("该办件已办结（%(s)s），不能改派承办人。") % {"s": app.get_status_display()})
    errors = {}
    if (to_user is None or not to_user.is_active or to_user.role != Role.CLERK
            or to_user.unit_id != app.unit_id):
        errors["to_user"] = [_("改派对象须为本单位在岗的经办人。")]
    elif to_user.pk == app.owner_id:
        errors["to_user"] = [_("%(name)s 已是该办件的承办人。") % {"name": to_user}]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("改派承办人必须说明理由。")]
    if errors:
        raise ValidationError(errors)
    before = app.owner
    app.owner = to_user
    app.save(update_fields=["owner"])
    message = _("办件 %(no)s（%(item)s）的承办人由 %(old)s 改派为 %(new)s，办理期限不变（%(due)s）。理由：%(reason)s") % {
        "no": app.receipt_number or _("待受理"), "item": app.item.name, "old": before or "—", "new": to_user,
        "due": format_due(app.due_at), "reason": reason}
    recipients = [f"user:{to_user.pk}"] + ([f"user:{before.pk}"] if before else [])
    event_emit("approvals.handler_reassigned", subject=app, actor=actor, recipients=recipients, message=message,
               payload={"from": before.pk if before else None, "to": to_user.pk, "reason": reason})
    audit_record("appr.reassign", actor=actor, obj=app, summary=f"改派承办人 {before or '—'} → {to_user}：{reason}"[:200],
                 before={"owner": before.pk if before else None}, after={"owner": to_user.pk})
    return app


# --- decision ---------------------------------------------------------------------------------------


@transaction.atomic
def application_decide(*, actor, application: Application, outcome: str, reason: str = "") -> Application:
    """准予 / 不予许可. Waits for every review step (R24); a refusal needs its reasons."""
    app = Application.objects.select_for_update().get(pk=application.pk)
    _unit_decides(actor, app)
    if outcome not in (Status.APPROVED, Status.REJECTED):
        raise ValidationError(_("请选择准予许可或不予许可。"))
    if app.status != Status.ACCEPTED:
        raise ValidationError(_("该办件当前不能作出决定：%(s)s。") % {"s": app.get_status_display()})
    pending = [s.unit.name for s in app.steps.select_related("unit").filter(status=StepStatus.PENDING)]
    if pending:
        raise ValidationError(_("联审单位尚未全部答复：%(units)s。") % {"units": "、".join(pending)})
    if outcome == Status.REJECTED and not (reason or "").strip():
        raise ValidationError({"reason": [_("不予许可必须说明理由。")]})
    return _decide(app, actor=actor, outcome=outcome, reason=reason)


def _decide(app: Application, *, actor, outcome: str, reason: str, at: datetime | None = None) -> Application:
    now = at or timezone.now()
    app.status, app.decided_at, app.decided_by, app.decision_reason = outcome, now, actor, (reason or "").strip()
    app.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    if app.clock_start and not app.closed_at:
        clocks.clock_close(app, actor=actor, at=now, message=app.get_status_display())
    event_emit("approvals.decided", subject=app, actor=actor, recipients=_sms(app), at=now,
               message=_("您申请的“%(item)s”（%(no)s）：%(s)s。") % {
                   "item": app.item.name, "no": app.receipt_number or "", "s": app.get_status_display()},
               payload={"outcome": outcome, "late": app.clock_state == "done_late"})
    audit_record("appr.decide", actor=actor, obj=app, summary=f"{app.get_status_display()} {reason}"[:200])
    return app


@transaction.atomic
def application_withdraw(*, actor, application: Application, reason: str = "") -> Application:
    """The applicant withdraws (recorded by the clerk at the window)."""
    app = Application.objects.select_for_update().get(pk=application.pk)
    _unit_decides(actor, app)
    if app.is_decided:
        raise ValidationError(_("该办件已办结，不能撤回。"))
    ReviewStep.objects.filter(application=app, status=StepStatus.PENDING).update(
        status=StepStatus.CONSENTED, paused_with_application=False)
    for step in app.steps.open():
        clocks.clock_close(step, actor=actor, message=_("申请人撤回，会审终止。"))
    return _decide(app, actor=actor, outcome=Status.WITHDRAWN, reason=reason or _("申请人撤回申请"))


# --- the sweep: §32 acceptance by default, deemed approval, escalation ------------------------------


def application_on_breach(model, transitions) -> None:
    """Sweep handler, in the sweep's transaction. 超时默认 first, for every application that
    crossed the yellow rung, in one statement whose claim checks eligibility on the row itself
    (`_deem_approved`: accepted, 超时默认 as frozen at intake, no co-reviewer's refusal) — the
    normal batch is only that. Then one read of what decides the path of the others (status,
    超时默认, a refusal), each path for the whole batch; the objects read only for the few
    escalated."""
    yellow = items_crossing(transitions, Rung.YELLOW)
    red = items_crossing(transitions, Rung.RED)
    if not yellow and not red:
        return
    now = None
    claimed: list[int] = []
    if yellow:
        # 超时默认 as frozen on the application at intake, never the catalog item as it is now; a
        # co-reviewer's refusal with reasons stops it: the lead unit must decide (R17, R24).
        claimed, now = _deem_approved(
            yellow, now=Sql("COALESCE((SELECT at FROM efficiency_event WHERE id = %s), %s::timestamptz)",
                            [transitions[0].event_id, timezone.now()]),
            condition=Sql("t.deemed_approval AND NOT EXISTS (SELECT 1 FROM approvals_reviewstep AS r "
                          "WHERE r.application_id = t.id AND r.status = %s)", [StepStatus.REFUSED]))
    rest = (set(yellow) - set(claimed)) | set(red)
    if not rest:
        return
    now = now or _sweep_now(transitions)
    refusal = ReviewStep.objects.filter(application=OuterRef("pk"), status=StepStatus.REFUSED)
    state = {pk: (status, deemed, refused) for pk, status, deemed, refused in Application.objects.filter(pk__in=rest)
             .annotate(refused=Exists(refusal)).values_list("pk", "status", "deemed_approval", "refused")}
    notice = [pk for pk in yellow if pk in state and state[pk][0] == Status.RECEIVED]
    _accept_by_default(notice, now)
    # Not eligible for 超时默认: red card and escalation to the head, the office and leaders.
    escalate = {pk: state[pk][1] and state[pk][2] for pk in red
                if state[pk][0] == Status.ACCEPTED and (not state[pk][1] or state[pk][2])}
    if not escalate:
        return
    text = _("办件 %(no)s 超过法定期限未办结，%(why)s，提请督办。")
    refused_why, never_why = _("会审单位已附理由不同意，不适用超时默认"), _("该事项不适用超时默认")
    events_emit([dict(  # one INSERT for the batch
        kind="approvals.escalated", subject=app, recipients=["head", "office", "leader"], at=now,
        message=text % {"no": app.receipt_number, "why": refused_why if escalate[app.pk] else never_why})
        for app in Application.objects.filter(pk__in=escalate).order_by("pk")])


def _accept_by_default(ids: list[int], now: datetime) -> None:
    """行政许可法 §32 (R21): no notice within 5 working days — accepted from the day of receipt."""
    if not ids:
        return
    claimed = _claim(Application, ids, Status.RECEIVED, {"status": Status.ACCEPTED})
    for app in Application.objects.filter(pk__in=claimed).select_related("item"):
        app.status = Status.RECEIVED  # _accept sets it with the number and the code
        _accept(app, actor=None, start=app.received_at, by_default=True)


def application_deem_approved(ids: list[int], *, now: datetime) -> list[int]:
    """超时默认 (R17): an eligible application past its due time with no decision is approved.
    Exactly once: the conditional UPDATE claims only rows still undecided (and running: a paused
    clock's time is not up); a second sweep or a second worker claims nothing and emits nothing.
    Returns the ids approved (`_deem_approved`: one statement)."""
    return _deem_approved(ids, now=Sql("%s::timestamptz", [now]))[0] if ids else []


def _deem_approved(ids: list[int], *, now: Sql, condition: Sql | None = None) -> tuple[list[int], datetime]:
    """超时默认 for a batch in ONE statement (writable CTEs), nothing per application in Python:
    the claim closing the clocks (`clocks.clocks_close_claim_sql`: status, decision, the late
    close; `condition` more on the row), one `approvals.deemed_approved` event each — the
    decision, the late close and the proposal for accountability in one row (the kind implies
    `approvals.decided`, `clock.closed` and `accountability.propose`) — what its subscribers do
    in SQL (`efficiency.events.subscriber_ctes`: accountability opens the cases with their
    events and audit rows, the dashboards count), the applications' audit rows, and the read
    of their pending steps (缺席默认, claimed after it when there are any). `now`: the moment,
    as SQL (the sweep's: its breach event's `at`, read in the statement). Returns the ids
    approved and the moment (tests/approvals/test_deemed_at_scale.py)."""
    # The texts translated once, as format() templates: %1$s the item's name, %2$s the number.
    # The proposal's unit and reason are the event's own (its unit, its message).
    reason = _sql_template(_("办件 %(no)s（%(item)s）超过承诺期限未作出决定，已视为同意。"))
    notice = _sql_template(
        _("您申请的“%(item)s”（%(no)s）超过承诺期限未作出决定，视为同意，可凭视为同意通知书办理后续事项。"))
    at = Sql("(SELECT at FROM dm_now)")
    claim, claim_params = clocks.clocks_close_claim_sql(
        Application, Sql("%s", [list(ids)]), at=at, kind="approvals.deemed_approved", values={
            "status": Status.DEEMED_APPROVED, "decided_at": at,
            "decision_reason": _("超过承诺期限未作出决定，依“凡超过规定期限未做出决定的，一律视为同意”视为同意。")},
        where={"status": Status.ACCEPTED}, condition=condition)
    ev, ev_params = events_insert_select_sql(
        "approvals.deemed_approved", """FROM dm_claimed AS a JOIN approvals_serviceitem AS i ON i.id = a.item_id
              CROSS JOIN (SELECT %s::text AS reason, %s::text AS notice, %s::text AS outcome, %s::text AS source) AS t
              ORDER BY a.id""", [reason, notice, Status.DEEMED_APPROVED, "deemed_approval"],
        subject_type=Application._meta.label_lower, subject_id="a.id", unit_id="a.unit_id", owner_id="a.owner_id",
        message="format(t.reason, i.name, a.receipt_number)",
        payload="""jsonb_build_object(
            'receipt_number', a.receipt_number, 'citizen_message', format(t.notice, i.name, a.receipt_number),
            'outcome', t.outcome, 'late', a.clock_state = 'done_late', 'due_at', a.due_at,
            'person_id', a.owner_id, 'source', t.source)""",
        recipients="""CASE WHEN a.applicant_phone <> '' THEN jsonb_build_array('phone:' || a.applicant_phone)
                           ELSE '[]'::jsonb END || '["owner", "head", "office"]'::jsonb""",
        at=at)
    subs, subs_params, handlers = subscriber_ctes(["approvals.deemed_approved"], "ev")
    au, au_params = audit_records_select_sql(
        "appr.deemed", "FROM dm_claimed AS a", [], object_type=Application._meta.label_lower, object_id="a.id",
        summary="concat('视为同意 ', a.receipt_number)", actor_name="'sweep'")
    with connection.cursor() as cur:
        cur.execute(f"""
            WITH dm_now AS (SELECT {now.expr} AS at), dm_claimed AS ({claim}), ev AS ({ev}),
                 {''.join(f'{cte}, ' for cte in subs)}dm_au AS ({au})
            SELECT (SELECT at FROM dm_now), ARRAY(SELECT id FROM dm_claimed ORDER BY id),
                   ARRAY(SELECT r.id FROM approvals_reviewstep AS r
                         WHERE r.application_id IN (SELECT id FROM dm_claimed) AND r.status = %s ORDER BY r.id),
                   ARRAY(SELECT id FROM ev ORDER BY id), EXISTS (SELECT 1 FROM ev WHERE NOT fanned_out)""",
                    [*now.params, *claim_params, *ev_params, *subs_params, *au_params, StepStatus.PENDING])
        moment, claimed, pending, event_ids, fan_out = cur.fetchone()
    if not claimed:
        return [], moment
    clocks.clocks_changed(Application, claimed)
    if handlers:  # subscribers with no SQL form: called after the statement, as `events_emit` would
        dispatch_written(EventBatch("approvals.deemed_approved", event_ids), handlers)
    if fan_out:
        transaction.on_commit(request_fan_out)
    _steps_deem_consented(pending, moment)
    return claimed, moment


def _sql_template(text: str) -> str:
    """A translated text with %(item)s and %(no)s as a format() template of PostgreSQL."""
    return text.replace("%", "%%").replace("%%(item)s", "%1$s").replace("%%(no)s", "%2$s")


# --- public lookup and rating -------------------------------------------------------------------------


def application_lookup(receipt_number: str, code: str) -> Application | None:
    """The application if number and code match; None alike for an unknown number and a wrong
    code, so the answer tells nothing."""
    number = (receipt_number or "").strip().upper()
    app = Application.objects.select_related("item", "unit").filter(receipt_number=number).first()
    expected = app.check_code_hash if app else check_code_hash("x", "x")
    ok = hmac.compare_digest(expected, check_code_hash(number, code or ""))
    return app if app and ok else None


def rating_allowed(app: Application) -> int | None:
    """The round the applicant may rate now, or None."""
    if not app.is_decided or app.status in NOT_RATED:
        return None
    ratings = list(app.ratings.order_by("round"))
    if not ratings:
        return 1
    if len(ratings) == 1 and ratings[0].is_bad:
        return 2
    return None


def _satisfaction_move(rating: Rating, previous: Rating | None) -> None:
    """Keep `UnitSatisfaction` (R36) in step: the application's latest rating replaces its previous
    one, so the unit's counts move by the difference, in the rating's transaction."""
    moves = {rating.unit_id: [1, int(rating.score in SATISFIED_SCORES)]}
    if previous is not None:
        move = moves.setdefault(previous.unit_id, [0, 0])
        move[0] -= 1
        move[1] -= int(previous.score in SATISFIED_SCORES)
    with connection.cursor() as cursor:
        for unit_id, (total, satisfied) in moves.items():
            cursor.execute("""
                INSERT INTO approvals_unitsatisfaction (unit_id, total, satisfied) VALUES (%s, %s, %s)
                ON CONFLICT (unit_id) DO UPDATE SET total = approvals_unitsatisfaction.total + EXCLUDED.total,
                    satisfied = approvals_unitsatisfaction.satisfied + EXCLUDED.satisfied""",
                           [unit_id, total, satisfied])


@transaction.atomic
def rating_submit(*, actor=None, application: Application, score: int, comment: str = "",
                  request=None) -> Rating:
    """好差评 (R36). A bad rating goes to the unit head and the office, to be called back within
    1 working day and fixed within 15, both on the clock; the applicant may rate once more.

    For the gaming detectors (rating_burst, rating_by_staff) the rating keeps keyed hashes of the
    phone it is tied to (the applicant's: the check code reached them there) and of the device
    (`request`: address and user agent), and `actor`, a signed-in staff user who entered it."""
    app = Application.objects.select_for_update().get(pk=application.pk)
    rnd = rating_allowed(app)
    if rnd is None:
        raise ValidationError(_("该办件目前不能评价（尚未办结，或已评价）。"))
    if score not in Score.values:
        raise ValidationError({"score": [_("请选择评价等级。")]})
    previous = app.ratings.order_by("-round").first()
    staff = actor if actor is not None and actor.is_authenticated else None
    rating = Rating.objects.create(application=app, unit=app.unit, score=score, comment=(comment or "").strip()[:2000],
                                   round=rnd, created_at=timezone.now(),
                                   phone_hash=keyed_hash("phone", app.applicant_phone),
                                   device_hash=device_hash(request), entered_by=staff)
    _satisfaction_move(rating, previous)
    event_emit("approvals.rated", subject=app, payload={"score": score, "unit_id": app.unit_id, "round": rnd,
                                                        "rating_id": rating.pk},
               message=f"{rating.get_score_display()} {rating.comment}"[:500])
    if score in BAD_SCORES:
        head = User.objects.filter(unit=app.unit, role=Role.HEAD, is_active=True).order_by("pk").first()
        for kind, rule in ((FollowUpKind.CALLBACK, "rating.callback"), (FollowUpKind.FIX, "rating.fix")):
            f = RatingFollowUp.objects.create(rating=rating, kind=kind, unit=app.unit, owner=head)
            clocks.clock_start(f, actor=None, rule=rule)
        event_emit("approvals.bad_rating", subject=app, recipients=["head", "office"],
                   message=_("办件 %(no)s 收到差评（%(s)s）：%(c)s。请 1 个工作日内回访，15 个工作日内整改。") % {
                       "no": app.receipt_number, "s": rating.get_score_display(), "c": rating.comment})
    audit_record("appr.rate", actor=staff, obj=rating, actor_name="" if staff else "applicant", request=request,
                 summary=rating.get_score_display())
    return rating


@transaction.atomic
def followup_done(*, actor, followup: RatingFollowUp, note: str) -> RatingFollowUp:
    f = RatingFollowUp.objects.select_for_update().get(pk=followup.pk)
    require_role(actor, Role.OFFICE, *UNIT_ROLES, unit=f.unit_id, message=_("只有本单位或效能办可以办理差评。"))
    if f.closed_at:
        raise ValidationError(_("该差评处理已完成。"))
    if not (note or "").strip():
        raise ValidationError({"note": [_("请填写回访或整改情况。")]})
    f.note, f.done_by = note.strip(), actor
    f.save(update_fields=["note", "done_by"])
    clocks.clock_close(f, actor=actor, message=note)
    audit_record("appr.followup", actor=actor, obj=f, summary=f"{f.get_kind_display()}：{note}"[:200])
    return f
