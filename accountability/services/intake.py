"""A citizen's complaint coming in (R26, R34): intake channels (12345 hotline, mini-program), attachments
checked by content, filing with a tracking number and a check code, and finding it again by
number and code or by the private link."""

from __future__ import annotations

import json
import secrets
from contextlib import nullcontext
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from efficiency import clocks
from efficiency.audit import audit_record
from efficiency.bulk import row_insert_select
from efficiency.events import Sql, write_with
from efficiency.gaming_evidence import arrival_check
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


class UnitMissing(ValidationError):
    """No active unit by the name or id given; nothing was filed and the CAPTCHA is untouched."""

    def __init__(self):
        super().__init__({"subject_unit": _("没有找到该单位，请从列表中选择。")})


@dataclass(frozen=True)
class UnitNamed:
    """The unit complained about as the citizen gave it — a name, or the id a channel app sends —
    looked up by the filing's own statement (no round trip of its own): an active unit of that
    name, else of that id."""

    name: str = ""
    pk: int | None = None

    @classmethod
    def parse(cls, value: str) -> "UnitNamed":
        value = (value or "").strip()
        return cls(name=value, pk=int(value) if value.isdigit() and len(value) < 19 else None)

    def lookup_sql(self) -> tuple[str, list]:
        return (f"SELECT id, kind FROM {Unit._meta.db_table} WHERE is_active AND (name = %s OR id = %s) "
                "ORDER BY name <> %s, id LIMIT 1", [self.name or None, self.pk, self.name or None])

    def exists(self) -> bool:
        """The same lookup on its own, for a form with other errors to show them all at once."""
        return Unit.objects.filter(Q(name=self.name) | Q(pk=self.pk or 0), is_active=True).exists()


@dataclass
class Filed:
    complaint: Complaint
    check_code: str
    link_token: str


def _new_tracking_number() -> str:
    today = timezone.localdate()
    return f"TS{today:%Y%m%d}{secrets.randbelow(10**6):06d}"


def complaint_file(*, category: str, subject_unit: Unit | UnitNamed, description: str, occurred_on=None,
                   place: str = "", is_anonymous: bool = False, name: str = "", phone: str = "", files=(), channel=None,
                   ip: str | None = None, actor=None, captcha: tuple[str, str] | None = None,
                   received_at=None) -> Filed:
    """R26: take a citizen's complaint in. The row, its attachments, its clock and its events
    are one transaction; notifications follow from the events (the outbox). `captcha` (the
    challenge's id and the answer, from a caller without a channel) is consumed in that same
    transaction: used up only by a complaint filed (a missing unit leaves it unused).

    Without attachments the filing is ONE statement (issue #17, `efficiency.events.write_with`):
    the unit's lookup (`subject_unit` a `UnitNamed`, or a `Unit` checked again), the CAPTCHA's
    DELETE, the complaint with its clock, its events, their subscribers' counters and the audit
    row. `UnitMissing` or `CaptchaRefused` when nothing was filed for those reasons.

    `received_at`: when a registered channel received it (12345 热线), a column of the same
    INSERT; refused from a caller without a channel, in the future or over a year old. The gaming
    detector intake_lag (体外循环) reads it against the clock's start."""
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
    if subject_unit is None or (isinstance(subject_unit, Unit) and not subject_unit.is_active):
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
    if received_at is not None and channel is None:
        errors["received_at"] = _("只有登记的受理渠道可以报送渠道收件时间。")
    elif received_at is not None:
        try:
            received_at = arrival_check(received_at, now=timezone.now(), field="received_at")
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    if isinstance(subject_unit, Unit):
        subject_unit = UnitNamed(pk=subject_unit.pk)
    code, token = security.new_check_code(), security.new_link_token()
    for attempt in range(5):
        try:
            # Attachments are rows of their own after the complaint's: then one transaction.
            with transaction.atomic() if cleaned else nullcontext():
                complaint = _complaint_create(
                    category=category, subject_unit=subject_unit, description=description, occurred_on=occurred_on,
                    place=place, is_anonymous=is_anonymous, name=name, phone=phone, files=cleaned, channel=channel,
                    ip=ip, code=code, token=token, actor=actor, captcha=captcha, received_at=received_at)
            return Filed(complaint, code, token)
        except CaptchaRefused:
            if cleaned:  # rolled back with the transaction: single use all the same
                security.captcha_spend(captcha[0])
            raise
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def _complaint_create(*, category, subject_unit: UnitNamed, description, occurred_on, place, is_anonymous, name,
                      phone, files, channel, ip, code, token, actor, captcha, received_at=None) -> Complaint:
    complaint = Complaint(
        tracking_number=_new_tracking_number(), check_code_hash=security.digest(code),
        link_token_hash=security.token_digest(token), category=category, description=description,
        occurred_on=occurred_on, place=place.strip()[:200], is_anonymous=is_anonymous,
        complainant_name="" if is_anonymous else name.strip()[:64],
        complainant_phone="" if is_anonymous else phone.strip()[:20], channel=channel, submitted_ip=ip,
        channel_received_at=received_at if channel else None,
    )
    # The clock is set before the INSERT: one statement for the row and its deadlines. The rule
    # and the calendar come from this process's copies (efficiency.process_cache).
    clocks.clock_start(complaint, actor=actor, rule=clocks.rule_cached("complaint.accept"), save=False)
    before = [("unit", *subject_unit.lookup_sql())]
    gate = "TRUE"
    if captcha is not None:  # spent only when the unit is there (as when the unit was looked up first)
        captcha_sql, captcha_params, gate = security.captcha_use_sql(*captcha, when="EXISTS (SELECT 1 FROM unit)")
        before.append(("captcha", captcha_sql, captcha_params))
    row = row_insert_select(complaint, source="unit", where=gate, computed={
        "subject_unit_id": ("unit.id", []), "about_office": ("unit.kind = %s", [Unit.Kind.OFFICE])})
    via = channel.name if channel else _("网上投诉")
    recipients = Sql("CASE WHEN s.about_office THEN %s::jsonb ELSE %s::jsonb END",
                     [json.dumps(Complaint.handler_recipients_for(True)), json.dumps(Complaint.handler_recipients_for(False))])
    (unit_found, was_text, pk, subject_unit_id, about_office), _events = write_with(
        model=Complaint, row=row, before=before, events=[
            clocks.clock_started_event(complaint, actor=actor, message=_("收到投诉，开始受理计时")),
            dict(kind="complaints.filed", actor=actor, recipients=recipients,
                 message=_("收到效能投诉 %(no)s（%(cat)s，%(via)s）") % {
                     "no": complaint.tracking_number, "cat": complaint.get_category_display(), "via": via},
                 payload=Sql("%s::jsonb || jsonb_build_object('subject_unit_id', s.subject_unit_id)", [json.dumps(
                     {"category": category, "channel": channel.name if channel else "web"}, ensure_ascii=False)])),
        ], audit=dict(action="create", actor=actor, summary=f"效能投诉 {complaint.tracking_number}",
                      actor_name=channel.name if channel else "公众"),
        select="EXISTS (SELECT 1 FROM unit), (SELECT bool_or(was_text) FROM captcha), s.id, s.subject_unit_id, "
               "s.about_office" if captcha is not None else
               "EXISTS (SELECT 1 FROM unit), FALSE, s.id, s.subject_unit_id, s.about_office")
    if not unit_found:
        raise UnitMissing()
    if pk is None:
        raise CaptchaRefused(bool(was_text))
    complaint.pk, complaint.subject_unit_id, complaint.about_office = pk, subject_unit_id, about_office
    complaint._state.adding, complaint._state.db = False, connection.alias
    for f in files:  # already cleaned: stored under a random name, the uploaded one kept for display
        ComplaintAttachment.objects.create(complaint=complaint, file=f.file, original_name=f.original_name,
                                           content_type=f.content_type, size=f.size)
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
