"""Every write of the duty app: validated, in one transaction, audited."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efficiency.audit import audit_record, snapshot
from efficiency.events import event_emit
from efficiency.models import Role, Section
from efficiency.services import section_create
from efficiency.permissions import has_role, require_role
from efficiency.workdays import is_workday, local_date

from .models import (
    DUTY_FIELDS, MAX_RINGS, BodyDuty, ContactPoint, ContactVisit, DutyCheck, DutyShift, Opinion, Post, ReceptionDay,
)

# R52: the day of the month after which a contact point not yet visited is warned — a local
# default (本地默认，种子未规定): the seed says only "at least once a month".
CONTACT_CUTOFF_DAY = 20


def _text(value: str, field: str, label: str) -> str:
    if not (value or "").strip():
        raise ValidationError({field: _("请填写%(f)s。") % {"f": label}})
    return value.strip()


@transaction.atomic
def duty_shift_set(*, actor, unit, day: date, officer, leader, standby, phone: str) -> DutyShift:
    """R45 (2008b 二(五)): a day's 24-hour duty names its officer, shift leader (带班) and standby
    (候班), all of the unit; the unit's head or the efficiency office sets it."""
    require_role(actor, Role.OFFICE, Role.HEAD, unit=unit, message=_("只有本单位负责人或效能办可以排班。"))
    errors = {}
    for field, person, label in (("officer", officer, _("值班员")), ("leader", leader, _("带班领导")),
                                 ("standby", standby, _("候班人员"))):
        if person is None or person.unit_id != unit.pk or not person.is_active:
            errors[field] = _("请指定本单位在岗的%(who)s。") % {"who": label}
    if errors:
        raise ValidationError(errors)
    shift, _created = DutyShift.objects.update_or_create(
        unit=unit, day=day, defaults={"officer": officer, "leader": leader, "standby": standby,
                                      "phone": _text(phone, "phone", _("值班电话"))})
    audit_record("update", actor=actor, obj=shift, summary=f"值班表：{unit} {day}",
                 after=snapshot(shift, ["officer", "leader", "standby", "phone"]))
    return shift


@transaction.atomic
def duty_check_record(*, actor, shift: DutyShift, answered: bool, rings: int | None = None,
                      note: str = "") -> DutyCheck:
    """R45: the office's spot-check call; answered within 3 rings is compliant."""
    require_role(actor, Role.OFFICE, message=_("值班抽查由效能办进行。"))
    if answered and (rings is None or rings < 1):
        raise ValidationError({"rings": _("接听的，请填写响铃次数。")})
    check = DutyCheck.objects.create(shift=shift, called_at=timezone.now(), answered=answered,
                                     rings=rings if answered else None,
                                     compliant=answered and rings <= MAX_RINGS, note=note, checked_by=actor)
    audit_record("create", actor=actor, obj=check, summary=f"值班抽查：{shift}",
                 after={"answered": answered, "rings": check.rings, "compliant": check.compliant})
    return check


@transaction.atomic
def reception_record(*, actor, leader, day: date, place: str, visitors: int, matters: str) -> ReceptionDay:
    """R50 (2010 三(六)): a leader's reception day (接待日) is recorded."""
    require_role(actor, Role.OFFICE, Role.LEADER, Role.HEAD, message=_("只有领导、单位负责人或效能办可以登记接待日。"))
    if not has_role(leader, Role.LEADER, Role.HEAD):
        raise ValidationError({"leader": _("接待领导须为领导或单位负责人。")})
    if actor.role != Role.OFFICE and actor.pk != leader.pk:
        raise ValidationError({"leader": _("只能登记本人的接待日。")})
    if day > local_date(timezone.now()):
        raise ValidationError({"day": _("接待日期不能晚于今天。")})
    row = ReceptionDay.objects.create(leader=leader, unit=leader.unit, day=day, place=_text(place, "place", _("地点")),
                                      visitors=visitors, matters=_text(matters, "matters", _("反映问题及处理")),
                                      recorded_by=actor)
    audit_record("create", actor=actor, obj=row, summary=f"领导接待日：{leader} {day}")
    return row


@transaction.atomic
def contact_point_create(*, actor, leader, name: str, unit) -> ContactPoint:
    """R52 (2014 二(四)二): a leader's contact point."""
    require_role(actor, Role.OFFICE, message=_("联系点由效能办登记。"))
    if not has_role(leader, Role.LEADER, Role.HEAD):
        raise ValidationError({"leader": _("联系领导须为政府领导或部门、县区主要负责人。")})
    point = ContactPoint.objects.create(leader=leader, name=_text(name, "name", _("联系点")), unit=unit)
    audit_record("create", actor=actor, obj=point, summary=f"联系点：{leader} · {point.name}")
    return point


@transaction.atomic
def contact_visit_record(*, actor, point: ContactPoint, visited_on: date, summary: str) -> ContactVisit:
    """R52: a visit to the contact point, by its leader (or recorded for them by the office)."""
    if actor.pk != point.leader_id:
        require_role(actor, Role.OFFICE, message=_("只能登记本人联系点的走访。"))
    if visited_on > local_date(timezone.now()):
        raise ValidationError({"visited_on": _("走访日期不能晚于今天。")})
    visit = ContactVisit.objects.create(point=point, visited_on=visited_on,
                                        summary=_text(summary, "summary", _("走访情况")), recorded_by=actor)
    audit_record("create", actor=actor, obj=visit, summary=f"联系点走访：{point} {visited_on}")
    return visit


def contact_points_warn(*, now: datetime | None = None) -> int:
    """R52: after the cutoff day, on a working day, each active contact point with no visit this
    month gets one `duty.contact_lagging` event to its leader — once a month (the event is the
    record that it was warned). Set-based read; safe to repeat."""
    from efficiency.models import Event

    from .queries import contact_points_lagging

    now = now or timezone.now()
    today = local_date(now)
    if today.day < CONTACT_CUTOFF_DAY or not is_workday(today):
        return 0
    month_start = today.replace(day=1)
    warned_ids = Event.objects.filter(kind="duty.contact_lagging", subject_type="duty.contactpoint",
                                      payload__month=month_start.isoformat()).values("subject_id")
    n = 0
    for point in contact_points_lagging(today).exclude(pk__in=warned_ids).select_related("leader", "unit")[:1000]:
        with transaction.atomic():
            event_emit("duty.contact_lagging", subject=point, actor=None, unit=point.unit, at=now,
                       recipients=[f"user:{point.leader_id}", "office"],
                       message=_("联系点“%(p)s”本月尚未走访（每月至少一次）") % {"p": point.name},
                       payload={"month": month_start.isoformat()})
        n += 1
    return n


@transaction.atomic
def opinion_log(*, actor, unit, source: str, content: str, measures: str) -> Opinion:
    """R63 (2014 二(四)三): an opinion collected from the public enters the ledger with its measures."""
    require_role(actor, Role.OFFICE, Role.HEAD, unit=unit, message=_("只有效能办或责任单位负责人可以登记民意台帐。"))
    row = Opinion.objects.create(unit=unit, source=_text(source, "source", _("来源")),
                                 content=_text(content, "content", _("意见建议")),
                                 measures=_text(measures, "measures", _("整改措施")), logged_at=timezone.now(),
                                 logged_by=actor)
    audit_record("create", actor=actor, obj=row, summary=f"民意台帐：{unit}")
    return row


@transaction.atomic
def opinion_resolve(*, actor, opinion: Opinion, result: str) -> Opinion:
    """R63: each item is resolved on its own (逐项销号), with what was done."""
    require_role(actor, Role.OFFICE, Role.HEAD, unit=opinion.unit, message=_("只有效能办或责任单位负责人可以销号。"))
    row = Opinion.objects.select_for_update().get(pk=opinion.pk)
    if row.status == Opinion.Status.RESOLVED:
        raise ValidationError(_("该意见已销号。"))
    row.result, row.status = _text(result, "result", _("解决情况")), Opinion.Status.RESOLVED
    row.resolved_at, row.resolved_by = timezone.now(), actor
    row.save(update_fields=["result", "status", "resolved_at", "resolved_by"])
    audit_record("action", actor=actor, obj=row, summary=f"民意台帐销号：{row.unit}", after={"result": row.result})
    return row


# --- 岗位责任制 (R67) ---------------------------------------------------------------------------


def post_responsibility_errors(fields: dict) -> dict:
    """R67: every one of the eight parts is stated; the message names the missing ones."""
    missing = [(name, label) for name, label in DUTY_FIELDS if not str(fields.get(name) or "").strip()]
    if not missing:
        return {}
    message = _("岗位责任制须写明工作内容、数量、质量、程序、标准、时限、权限和责任，缺少：%(m)s。") % {
        "m": "、".join(str(label) for _n, label in missing)}
    return {name: message for name, _label in missing}


def _duty_values(fields: dict) -> dict:
    return {name: str(fields[name]).strip() for name, _label in DUTY_FIELDS}


def _keeper(actor, unit) -> None:
    require_role(actor, Role.HEAD, unit=unit, message=_("岗位责任制由本单位负责人维护。"))


@transaction.atomic
def body_duty_set(*, actor, unit, name: str, fields: dict) -> BodyDuty:
    """R67: an internal body's duties, in the eight parts; a body the org chart does not have
    yet is added to it (内设机构)."""
    _keeper(actor, unit)
    name = _text(name, "name", _("内设机构名称"))
    errors = post_responsibility_errors(fields)
    if errors:
        raise ValidationError(errors)
    section = Section.objects.filter(unit=unit, name=name).first() or section_create(actor=actor, unit=unit, name=name)
    old = BodyDuty.objects.select_for_update().filter(section=section).first()
    before = snapshot(old, [n for n, _l in DUTY_FIELDS]) if old else None
    body, _created = BodyDuty.objects.update_or_create(
        section=section, defaults={"unit": unit, "updated_by": actor, **_duty_values(fields)})
    audit_record("update" if old else "create", actor=actor, obj=body, summary=f"内设机构职责：{unit} {name}",
                 before=before, after=snapshot(body, [n for n, _l in DUTY_FIELDS]))
    return body


@transaction.atomic
def post_set(*, actor, body: BodyDuty, name: str, fields: dict) -> Post:
    """R67: a post of an internal body, its duties in the eight parts; the same name again
    replaces the post's statement."""
    _keeper(actor, body.unit)
    name = _text(name, "name", _("岗位名称"))
    errors = post_responsibility_errors(fields)
    if errors:
        raise ValidationError(errors)
    old = Post.objects.select_for_update().filter(body=body, name=name).first()
    before = snapshot(old, [n for n, _l in DUTY_FIELDS]) if old else None
    post, _created = Post.objects.update_or_create(
        body=body, name=name, defaults={"unit": body.unit, "updated_by": actor, **_duty_values(fields)})
    audit_record("update" if old else "create", actor=actor, obj=post, summary=f"岗位责任：{body} · {name}",
                 before=before, after=snapshot(post, [n for n, _l in DUTY_FIELDS]))
    return post


@transaction.atomic
def post_remove(*, actor, post: Post) -> None:
    """A post the unit no longer has; the audit row keeps its statement."""
    _keeper(actor, post.unit)
    audit_record("delete", actor=actor, obj=post, summary=f"撤销岗位：{post}",
                 before=snapshot(post, ["name", *[n for n, _l in DUTY_FIELDS]]))
    post.delete()
