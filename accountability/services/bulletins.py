"""Bulletins (通报): drafted by an office clerk from cases and complaints (citizens never named),
published only by a leader's sign-off (签发), with a number; the PDF shows who signed and when."""

from __future__ import annotations


from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from efficiency.audit import audit_record
from efficiency.events import event_emit
from efficiency.models import Role
from efficiency.permissions import refuse, require_role

from ..models import Bulletin
from .cases import CASE_OFFICERS, CASE_OFFICERS_ONLY


# --- bulletins ------------------------------------------------------------------------------------


def bulletin_draft_text(*, cases=(), complaints=()) -> str:
    """A first draft from cases and complaints; citizens are never named."""
    lines = []
    for i, c in enumerate(cases, 1):
        who = c.person.full_name if c.person_id else c.unit.name
        outcome = c.get_decision_display() or c.get_status_display()
        measures = "、".join(c.measure_labels(c.person_measures + c.head_measures))
        lines.append(f"{i}. {c.unit.name}{who if c.person_id else ''}：{c.reason}。处理结果：{outcome}"
                     + (f"（{measures}）" if measures else "") + "。")
    for j, p in enumerate(complaints, len(lines) + 1):
        lines.append(f"{j}. 群众反映{p.subject_unit.name}存在“{p.get_category_display()}”问题，"
                     f"经核查{'属实' if p.substantiated else '已办理'}：{(p.reply or '')[:200]}")
    return "\n".join(lines)


@transaction.atomic
def bulletin_create(*, actor, title: str, body: str = "", kind: str = Bulletin.Kind.MIXED, cases=(),
                    complaints=()) -> Bulletin:
    require_role(actor, *CASE_OFFICERS, message=CASE_OFFICERS_ONLY)
    cases, complaints = list(cases), list(complaints)
    body = (body or "").strip() or bulletin_draft_text(cases=cases, complaints=complaints)
    if not (title or "").strip() or not body:
        raise ValidationError(_("请填写通报标题，并填写正文或选择案件、投诉。"))
    bulletin = Bulletin.objects.create(title=title.strip(), body=body, kind=kind, author=actor)
    bulletin.cases.set(cases)
    bulletin.complaints.set(complaints)
    audit_record("create", actor=actor, obj=bulletin, summary=f"起草通报 {bulletin.title}")
    return bulletin


SIGN_OFF_ONLY = gettext_lazy("通报须由领导签发后才能发布；效能办工作人员只能起草。")


@transaction.atomic
def bulletin_sign_off(*, bulletin: Bulletin, actor) -> Bulletin:
    """签发: a leader, not the author, signs the draft off, which publishes it (R34)."""
    require_role(actor, Role.LEADER, message=SIGN_OFF_ONLY)
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.status != Bulletin.Status.DRAFT:
        raise ValidationError(_("只有草稿可以签发。"))
    if actor.pk == bulletin.author_id:
        raise ValidationError(_("通报须由起草人以外的领导签发。"))
    bulletin.approved_by, bulletin.approved_at = actor, timezone.now()
    bulletin.save(update_fields=["approved_by", "approved_at"])
    audit_record("approve", actor=actor, obj=bulletin, summary=f"签发通报 {bulletin.title}")
    return _publish(bulletin, actor=actor)


@transaction.atomic
def bulletin_publish(*, bulletin: Bulletin, actor) -> Bulletin:
    """Publishes only what a leader signed off and is not out yet (a bulletin signed off before
    sign-off published it); a draft is refused."""
    require_role(actor, *CASE_OFFICERS, message=CASE_OFFICERS_ONLY)
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.status == Bulletin.Status.PUBLISHED:
        raise ValidationError(_("通报已发布。"))
    signed = bulletin.status == Bulletin.Status.APPROVED and bulletin.approved_by and \
        bulletin.approved_by.role == Role.LEADER
    if not signed:
        refuse(SIGN_OFF_ONLY)
    return _publish(bulletin, actor=actor)


def _publish(bulletin: Bulletin, *, actor) -> Bulletin:
    """R34: typical cases, good and bad, published on the public site with a number."""
    now = timezone.now()
    year = timezone.localdate().year
    n = Bulletin.objects.filter(number__startswith=f"效能通报〔{year}〕").count() + 1
    bulletin.status, bulletin.published_at = Bulletin.Status.PUBLISHED, now
    bulletin.number = bulletin.number or f"效能通报〔{year}〕{n}号"
    bulletin.save(update_fields=["status", "published_at", "number"])
    event_emit("bulletins.published", subject=bulletin, actor=actor, message=bulletin.title)
    audit_record("publish", actor=actor, obj=bulletin, summary=f"发布通报 {bulletin.title}")
    return bulletin
