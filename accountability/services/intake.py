"""A citizen's complaint coming in (R26, R34): intake channels (12345 hotline, mini-program), attachments
checked by content, filing with a tracking number and a check code, and finding it again by
number and code or by the private link."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efficiency import clocks
from efficiency.audit import audit_record
from efficiency.events import events_emit
from efficiency.models import Unit
from efficiency.uploads import EVIDENCE, Cleaned, upload_clean

from .. import security
from ..models import Category, Complaint, ComplaintAttachment, IntakeChannel


MAX_ATTACHMENTS = 5


# --- intake channels ----------------------------------------------------------------------------


@transaction.atomic
def channel_add(*, actor=None, name: str) -> tuple[IntakeChannel, str]:
    """Register an intake channel; returns the token, which is never stored or shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("请填写渠道名称。"))
    if IntakeChannel.objects.filter(name=name).exists():
        raise ValidationError(_("渠道“%(name)s”已登记。") % {"name": name})
    token = secrets.token_urlsafe(32)
    channel = IntakeChannel.objects.create(name=name, token_hash=security.channel_token_hash(token))
    audit_record("create", actor=actor, obj=channel, summary=f"登记投诉受理渠道 {name}")
    return channel, token


def channel_for_token(token: str) -> IntakeChannel | None:
    if not token:
        return None
    return IntakeChannel.objects.filter(token_hash=security.channel_token_hash(token), is_active=True).first()


# --- filing ------------------------------------------------------------------------------------


def attachment_check(f) -> Cleaned:
    """The file as it will be stored (an image re-encoded, a PDF parsed, a random name), judged by
    its content (never its name); raises with a clear message."""
    return upload_clean(f, allowed=EVIDENCE)


class CaptchaRefused(ValidationError):
    """The CAPTCHA's answer is wrong or its challenge used up or expired; nothing was filed."""

    def __init__(self, was_text: bool = False):
        super().__init__({"captcha_answer": _("验证码不正确或已失效，请重新输入。")})
        self.was_text = was_text  # the spent challenge was a text question: offer one again


@dataclass
class Filed:
    complaint: Complaint
    check_code: str
    link_token: str


def _new_tracking_number() -> str:
    today = timezone.localdate()
    return f"TS{today:%Y%m%d}{secrets.randbelow(10**6):06d}"


def complaint_file(*, category: str, subject_unit: Unit, description: str, occurred_on=None, place: str = "",
                   is_anonymous: bool = False, name: str = "", phone: str = "", files=(), channel=None,
                   ip: str | None = None, actor=None, captcha: tuple[str, str] | None = None) -> Filed:
    """R26: take a citizen's complaint in. The row, its attachments, its clock and its events
    are one transaction; notifications follow from the events (the outbox). `captcha` (the
    challenge's id and the answer, from a caller without a channel) is consumed in that same
    transaction: used up only by a complaint filed, and one commit per POST, not two."""
    description = (description or "").strip()
    errors = {}
    if category not in Category.values:
        errors["category"] = _("请选择投诉类别。")
    if not description:
        errors["description"] = _("请填写投诉内容。")
    elif len(description) > 5000:
        errors["description"] = _("投诉内容不能超过 5000 字。")
    if not is_anonymous and (not name.strip() or not phone.strip()):
        errors["name"] = _("实名投诉请填写姓名和联系电话；不愿留名可勾选匿名（匿名投诉无法电话回访和电话答复）。")
    if phone and not phone.strip().replace("-", "").isdigit():
        errors["phone"] = _("联系电话只能包含数字。")
    if subject_unit is None or not subject_unit.is_active:
        errors["subject_unit"] = _("请选择被投诉单位。")
    files, cleaned = list(files), []
    if len(files) > MAX_ATTACHMENTS:
        errors["attachments"] = _("附件最多 %(n)d 个。") % {"n": MAX_ATTACHMENTS}
    else:
        for f in files:
            try:
                cleaned.append(attachment_check(f))
            except ValidationError as exc:
                errors["attachments"] = exc.messages[0]
                break
    if errors:
        raise ValidationError(errors)
    code, token = security.new_check_code(), security.new_link_token()
    for attempt in range(5):
        try:
            with transaction.atomic():
                if captcha is not None:
                    right, was_text = security.captcha_use(*captcha)
                    if not right:
                        raise CaptchaRefused(was_text)
                complaint = _complaint_create(
                    category=category, subject_unit=subject_unit, description=description, occurred_on=occurred_on,
                    place=place, is_anonymous=is_anonymous, name=name, phone=phone, files=cleaned, channel=channel,
                    ip=ip, code=code, token=token, actor=actor)
            return Filed(complaint, code, token)
        except CaptchaRefused:
            security.captcha_spend(captcha[0])  # single use: the rollback must not give a wrong answer a retry
            raise
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def _complaint_create(*, category, subject_unit, description, occurred_on, place, is_anonymous, name, phone,
                      files, channel, ip, code, token, actor) -> Complaint:
    complaint = Complaint(
        tracking_number=_new_tracking_number(), check_code_hash=security.digest(code),
        link_token_hash=security.token_digest(token), category=category, subject_unit=subject_unit,
        description=description, occurred_on=occurred_on, place=place.strip()[:200], is_anonymous=is_anonymous,
        complainant_name="" if is_anonymous else name.strip()[:64],
        complainant_phone="" if is_anonymous else phone.strip()[:20],
        channel=channel, submitted_ip=ip, about_office=subject_unit.kind == Unit.Kind.OFFICE,
    )
    # The clock is set before the INSERT: one statement for the row and its deadlines. The rule
    # and the calendar come from this process's copies (efficiency.process_cache).
    clocks.clock_start(complaint, actor=actor, rule=clocks.rule_cached("complaint.accept"), save=False)
    complaint.save()
    for f in files:  # already cleaned: stored under a random name, the uploaded one kept for display
        ComplaintAttachment.objects.create(complaint=complaint, file=f.file, original_name=f.original_name,
                                           content_type=f.content_type, size=f.size)
    via = channel.name if channel else _("网上投诉")
    events_emit([
        clocks.clock_started_event(complaint, actor=actor, message=_("收到投诉，开始受理计时")),
        dict(kind="complaints.filed", subject=complaint, actor=actor, recipients=complaint.handler_recipients,
             message=_("收到效能投诉 %(no)s（%(cat)s，%(via)s）") % {
                 "no": complaint.tracking_number, "cat": complaint.get_category_display(), "via": via},
             payload={"category": category, "channel": channel.name if channel else "web",
                      "subject_unit_id": subject_unit.pk}),
    ])
    audit_record("create", actor=actor, obj=complaint, summary=f"效能投诉 {complaint.tracking_number}",
                 actor_name=channel.name if channel else "公众")
    return complaint


def complaint_by_code(tracking_number: str, code: str) -> Complaint | None:
    c = Complaint.objects.filter(tracking_number=(tracking_number or "").strip().upper()).first()
    if c is None or not code or not secrets.compare_digest(c.check_code_hash, security.digest(code)):
        return None
    return c


def complaint_by_token(token: str) -> Complaint | None:
    if not token:
        return None
    return Complaint.objects.filter(link_token_hash=security.token_digest(token)).first()
