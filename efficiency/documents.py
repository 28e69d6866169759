"""Official documents (公文): kinds, numbering, issue, rendering and scoped download.

- **Kinds** are registered by the apps (`register_document_kind`) in `AppConfig.ready`: a code
  (`assignment_order`, `acceptance_notice` …), the title, the prefix of its number (发文字),
  the models it may be issued on, and `draft(item, **extra) -> Draft`: who issues it (the
  office unit), to whom (主送) and the text to print. The core knows one kind itself, the
  督办单 (`supervision_order`), because the breach ladder issues it for every clock model
  (`supervision_orders_for`, called by the sweep before any 问责建议).
- **Numbers** (文号) run per (issuing office, prefix, year): `某某效能办督〔2026〕12号`. One
  `INSERT … ON CONFLICT DO UPDATE SET last = last + n RETURNING last` per batch takes them;
  the counter row stays locked until the transaction commits, so two issuers never get the
  same number and the numbers of a year have no gaps from rolled-back issues.
- **Frozen**: everything printed (office name, number, date in China time, parties, body) is
  stored on the row at issue (`Document.fields`); the PDF is rendered from those fields alone
  — deterministically (reportlab's invariant mode) — at the first download, and kept
  (`DocumentFile`). The item as it is later is never read. Rows are never updated or deleted
  (model, queryset and database trigger, migration 0009); a correction is a new document
  naming the one it replaces (`issue_document(..., replaces=doc, reason=...)`).
- **Download** (`document_for_user`) is scoped like the item: the subject is fetched through
  `efficiency.permissions.access`, so another unit's user gets a 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from xml.sax.saxutils import escape

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import permissions
from .audit import audit_record
from .clocks import format_due
from .models import AuditLog, Document, DocumentFile, Region, Role, Rung, Unit, User
from .workdays import local_date

SUPERVISION_ORDER = "supervision_order"


@dataclass
class Draft:
    """What one document will say: issued by `office` to `addressee` (a unit, or a person's
    name), its body paragraphs and its table of particulars (label, value)."""

    office: Unit
    addressee: str
    body: list[str]
    rows: list[tuple[str, str]] = field(default_factory=list)
    addressee_unit: Unit | None = None
    closing: str = ""
    notes: list[str] = field(default_factory=list)  # printed after the signature (告知事项, 抄送 …)


@dataclass(frozen=True)
class DocumentKind:
    code: str
    title: str
    prefix: str  # 发文字: the part of the number before 〔year〕
    model: str  # the label (app_label.model) of the items it is issued on; "*" for any clock model
    draft: Callable[..., Draft]
    roles: tuple[str, ...] = (Role.OFFICE,)  # who may issue it by hand
    # Whether a hand-issued one needs a leader's sign-off (签批), given the item.
    needs_signoff: Callable[[object], bool] | None = None


# (code, model label) -> kind: one code (受理通知书) may be issued on several models, each app
# drafting it for its own.
_kinds: dict[tuple[str, str], DocumentKind] = {}


def register_document_kind(kind: DocumentKind) -> None:
    _kinds[(kind.code, kind.model)] = kind


def _on_the_ladder(model_label: str) -> bool:
    """A clock model whose cards lead to 问责建议: the ones a 督办单 ("*") may be issued on."""
    from .registry import clock_model

    entry = clock_model(model_label)
    return entry is not None and entry.proposes


def document_kind(code: str, model_label: str) -> DocumentKind:
    found = _kinds.get((code, model_label))
    if found is None and _on_the_ladder(model_label):
        found = _kinds.get((code, "*"))
    if found is None:
        raise ValidationError(_("该类事项不能出具这种文书（%(k)s）。") % {"k": code})
    return found


def document_kinds() -> list[DocumentKind]:
    return list(_kinds.values())


def kinds_for(model) -> list[DocumentKind]:
    label = model._meta.label_lower
    return [k for k in _kinds.values() if k.model == label or (k.model == "*" and _on_the_ladder(label))]


# --- the issuing office --------------------------------------------------------------------------


def _offices_by_region() -> tuple[dict[int, Unit], dict[int, int | None]]:
    offices: dict[int, Unit] = {}
    for unit in Unit.objects.filter(kind=Unit.Kind.OFFICE, is_active=True).order_by("pk"):
        offices.setdefault(unit.region_id, unit)
    parents = dict(Region.objects.values_list("pk", "parent_id"))
    return offices, parents


def office_for(unit: Unit, *, _cache=None) -> Unit:
    """The efficiency office that supervises `unit`: its region's, or the nearest one above; the
    office above when `unit` is that office itself (回避: no office supervises itself)."""
    offices, parents = _cache or _offices_by_region()
    region = unit.region_id
    while region is not None:
        office = offices.get(region)
        if office is not None and office.pk != unit.pk:
            return office
        region = parents.get(region)
    raise ValidationError(_("找不到对 %(u)s 有督办权限的效能办，无法出具公文。") % {"u": unit.name})


# --- numbering -----------------------------------------------------------------------------------


def allocate_numbers(wanted: dict[tuple[int, str, int], int]) -> dict[tuple[int, str, int], int]:
    """Take `n` numbers for each (office id, prefix, year): one statement for all of them. Returns
    the first number of each range. Keys are taken in sorted order (no deadlock between two
    batches), and each counter row stays locked until this transaction ends."""
    if not wanted:
        return {}
    keys = sorted(wanted)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(keys))
    params = [p for k in keys for p in (*k, wanted[k])]
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO efficiency_documentcounter (office_id, prefix, year, last) VALUES {values} "
            "ON CONFLICT (office_id, prefix, year) DO UPDATE "
            "SET last = efficiency_documentcounter.last + EXCLUDED.last "
            "RETURNING office_id, prefix, year, last", params)
        return {(o, p, y): last - wanted[(o, p, y)] + 1 for o, p, y, last in cur.fetchall()}


def format_number(office: Unit, prefix: str, year: int, seq: int) -> str:
    return f"{office.short_name or office.name}{prefix}〔{year}〕{seq}号"


def format_date(moment) -> str:
    d = local_date(moment)
    return f"{d.year}年{d.month}月{d.day}日"


# --- issue ---------------------------------------------------------------------------------------


def _frozen(kind: DocumentKind, draft: Draft, *, number: str, at, signer: User | None, replaces: Document | None,
            reason: str) -> dict:
    notes = list(draft.notes)
    if replaces is not None:
        notes.insert(0, _("本文书更正并取代 %(n)s。更正理由：%(r)s") % {"n": replaces.number, "r": reason})
    return {"office": draft.office.name, "number": number, "title": str(kind.title),
            "addressee": draft.addressee, "body": [str(p) for p in draft.body],
            "rows": [[str(a), str(b)] for a, b in draft.rows], "closing": str(draft.closing),
            "notes": [str(n) for n in notes], "date": format_date(at),
            "signer": (signer.full_name or signer.username) if signer else ""}


def _subject_label(item) -> str:
    return item._meta.label_lower


@transaction.atomic
def issue_document(*, kind: str, item, actor: User | None, signed_by: User | None = None,
                   replaces: Document | None = None, reason: str = "", check_role: bool = False,
                   **extra) -> Document:
    """Issue one document of `kind` on `item` — the one call a service makes (e.g.
    `issue_document(kind="acceptance_notice", item=app, actor=clerk)`). `check_role`: a hand
    issue from a page, refused unless the actor holds one of the kind's roles; a kind that
    needs a leader's sign-off then requires `signed_by`, a leader. A correction names the
    document it `replaces` and why."""
    spec = document_kind(kind, _subject_label(item))
    if check_role:
        permissions.require_role(actor, *spec.roles, message=_("您无权出具%(k)s。") % {"k": spec.title})
        if spec.needs_signoff and spec.needs_signoff(item) and signed_by is None:
            raise ValidationError({"signed_by": [_("该%(k)s须经领导签批，请选择签批领导。") % {"k": spec.title}]})
    if signed_by is not None and signed_by.role != Role.LEADER:
        raise ValidationError({"signed_by": [_("签批人必须是领导。")]})
    if replaces is not None:
        if replaces.kind != kind or (replaces.subject_type, replaces.subject_id) != (_subject_label(item), item.pk):
            raise ValidationError(_("更正文书须与原文书同一文种、同一事项。"))
        if not (reason or "").strip():
            raise ValidationError({"reason": [_("更正须说明理由。")]})
    draft = spec.draft(item, **extra)
    now = timezone.now()
    year = local_date(now).year
    seq = allocate_numbers({(draft.office.pk, spec.prefix, year): 1})[(draft.office.pk, spec.prefix, year)]
    number = format_number(draft.office, spec.prefix, year, seq)
    doc = Document.objects.create(
        kind=kind, title=str(spec.title), number=number, office=draft.office, prefix=spec.prefix, year=year, seq=seq,
        subject_type=_subject_label(item), subject_id=item.pk, addressee=draft.addressee[:200],
        addressee_unit=draft.addressee_unit, issued_at=now, issued_by=actor if getattr(actor, "pk", None) else None,
        issued_by_name=(actor.full_name or actor.username) if getattr(actor, "pk", None) else _("系统"),
        signed_by=signed_by, replaces=replaces,
        fields=_frozen(spec, draft, number=number, at=now, signer=signed_by, replaces=replaces, reason=reason))
    audit_record("doc.issue", actor=actor, obj=doc, actor_name="" if getattr(actor, "pk", None) else "system",
                 summary=f"出具{spec.title} {number}（{_subject_label(item)}#{item.pk}）"[:255],
                 after={"number": number, "kind": kind, "subject": f"{_subject_label(item)}#{item.pk}",
                        "signed_by": signed_by.pk if signed_by else None,
                        "replaces": replaces.number if replaces else None})
    return doc


def documents_of(item) -> list[Document]:
    """The documents issued on an item, oldest first (for its page)."""
    return list(Document.objects.filter(subject_type=_subject_label(item), subject_id=item.pk)
                .select_related("replaces").order_by("issued_at", "pk"))


def documents_of_many(items: Iterable) -> list[Document]:
    """The documents of several items (an assignment and its units), in one query."""
    by_type: dict[str, list[int]] = {}
    for item in items:
        by_type.setdefault(_subject_label(item), []).append(item.pk)
    if not by_type:
        return []
    from django.db.models import Q

    q = Q()
    for label, ids in by_type.items():
        q |= Q(subject_type=label, subject_id__in=ids)
    return list(Document.objects.filter(q).select_related("replaces").order_by("issued_at", "pk"))


# --- the 督办单 of the breach ladder ------------------------------------------------------------


def _clock_rows(item) -> list[tuple[str, str]]:
    rows = [(_("督办事项"), str(item))]
    if getattr(item, "clock_start", None):
        rows.append((_("起算时间"), format_due(item.clock_start)))
    rows.append((_("办理期限"), format_due(item.due_at)))
    if getattr(item, "legal_due_at", None) and item.legal_due_at != item.due_at:
        rows.append((_("法定期限"), format_due(item.legal_due_at)))
    return rows


def supervision_order_draft(item, *, office=None, now=None, cache=None, note: str = "") -> Draft:
    unit = getattr(item, item.clock_unit_field)
    office = office or office_for(unit, _cache=cache)
    owner = getattr(item, item.clock_owner_field, None)
    now = now or timezone.now()
    rows = _clock_rows(item)
    if owner is not None:
        rows.append((_("责任人"), str(owner)))
    body = [_("经查，你单位承办的下列事项已超过办理期限，经黄牌、红牌预警仍未办结。现予督办，请你单位主要负责同志"
              "亲自过问，于收到本督办单之日起 3 个工作日内办结并书面反馈办理情况；逾期未办结的，将依规提出问责建议。")]
    if note:
        body.append(note)
    rows.append((_("督办时间"), format_due(now)))
    return Draft(office=office, addressee=unit.name, addressee_unit=unit, body=body, rows=rows,
                 closing=_("特此督办。"))


def _needs_leader_signoff(item) -> bool:
    needs = getattr(item, "supervision_order_needs_signoff", None)
    return bool(needs() if callable(needs) else needs)


register_document_kind(DocumentKind(
    code=SUPERVISION_ORDER, title=gettext_lazy("督办单"), prefix="督", model="*",
    draft=supervision_order_draft, roles=(Role.OFFICE,), needs_signoff=_needs_leader_signoff))


def supervision_orders_for(model, item_ids: Sequence[int], *, now) -> list[Document]:
    """The 督办单 rung (R39 网上督办): one 督办单 per item, issued to the item's unit by its
    supervising office, set-based — a constant number of statements for the batch: the
    items with their units and owners (1), the offices and regions (2), the numbers (1), the
    documents (1) and their audit rows (1). Rendering waits for the first download."""
    if not item_ids:
        return []
    spec = _kinds[(SUPERVISION_ORDER, "*")]
    unit_field, owner_field = model.clock_unit_field, model.clock_owner_field
    related = [unit_field] + ([owner_field] if owner_field else [])
    items = list(model._default_manager.filter(pk__in=item_ids).select_related(*related).order_by("pk"))
    cache = _offices_by_region()
    drafts = []
    for item in items:
        if getattr(item, unit_field, None) is None:
            continue
        try:
            drafts.append((item, supervision_order_draft(item, now=now, cache=cache)))
        except ValidationError:
            continue  # no office above the unit: nobody to issue it (logged by the audit of the card)
    year = local_date(now).year
    wanted: dict[tuple[int, str, int], int] = {}
    for _item, draft in drafts:
        key = (draft.office.pk, spec.prefix, year)
        wanted[key] = wanted.get(key, 0) + 1
    first = allocate_numbers(wanted)
    docs, label = [], model._meta.label_lower
    for item, draft in drafts:
        key = (draft.office.pk, spec.prefix, year)
        seq, first[key] = first[key], first[key] + 1
        number = format_number(draft.office, spec.prefix, year, seq)
        docs.append(Document(
            kind=SUPERVISION_ORDER, title=str(spec.title), number=number, office=draft.office, prefix=spec.prefix,
            year=year, seq=seq, subject_type=label, subject_id=item.pk, addressee=draft.addressee[:200],
            addressee_unit=draft.addressee_unit, issued_at=now, issued_by_name=_("系统（督办单梯级）"),
            fields=_frozen(spec, draft, number=number, at=now, signer=None, replaces=None, reason="")))
    Document.objects.bulk_create(docs)
    AuditLog.objects.bulk_create([AuditLog(
        actor_name="sweep", action="doc.issue", object_type="efficiency.document", object_id=str(d.pk),
        summary=f"督办单梯级：出具督办单 {d.number}（{label}#{d.subject_id}）"[:255],
        after={"number": d.number, "kind": SUPERVISION_ORDER, "subject": f"{label}#{d.subject_id}"}) for d in docs])
    return docs


# --- rendering -----------------------------------------------------------------------------------

FONT = "STSong-Light"  # reportlab's built-in CID font: no font file needed
RED = "#c00000"


def render_pdf(fields: dict) -> bytes:
    """A 公文-like page from the frozen fields alone: the red header with the office's name, the
    number above a red rule, the title, 主送, body, particulars, the issuing office and date
    with the seal's place (印章位置), then notes. Deterministic: same fields, same bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))

    def style(name, **kw):
        base = {"fontName": FONT, "fontSize": 14, "leading": 24, "wordWrap": "CJK"}
        base.update(kw)
        return ParagraphStyle(name, **base)

    header = style("h", fontSize=26, leading=34, alignment=1, textColor=RED)
    number = style("n", fontSize=13, alignment=1)
    title = style("t", fontSize=20, leading=30, alignment=1)
    body = style("b", firstLineIndent=28)
    plain = style("p")
    right = style("r", alignment=2)
    small = style("s", fontSize=11, leading=18)

    def p(text, st):
        return Paragraph(escape(str(text)), st)

    buf = BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=28 * mm, rightMargin=26 * mm, topMargin=30 * mm,
                            bottomMargin=25 * mm, title=f"{fields['number']} {fields['title']}",
                            author=fields["office"], invariant=1)
    flow = [p(fields["office"], header), Spacer(1, 4 * mm), p(fields["number"], number),
            HRFlowable(width="100%", thickness=2, color=RED, spaceBefore=2 * mm, spaceAfter=6 * mm)]
    if fields.get("signer"):
        flow.append(p(_("签批：%(s)s") % {"s": fields["signer"]}, right))
    flow += [p(fields["title"], title), Spacer(1, 6 * mm), p(f"{fields['addressee']}：", plain)]
    flow += [p(text, body) for text in fields.get("body", []) if text]
    if fields.get("rows"):
        table = Table([[p(a, small), p(b, small)] for a, b in fields["rows"]], colWidths=[32 * mm, 122 * mm])
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#444444"), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        flow += [Spacer(1, 3 * mm), table, Spacer(1, 3 * mm)]
    if fields.get("closing"):
        flow.append(p(fields["closing"], body))
    flow += [Spacer(1, 14 * mm), p(_("（印章位置）"), right), p(fields["office"], right), p(fields["date"], right)]
    if fields.get("notes"):
        flow.append(Spacer(1, 8 * mm))
        flow += [p(n, small) for n in fields["notes"]]
    doc.build(flow)
    return buf.getvalue()


def document_pdf(doc: Document) -> bytes:
    """The kept PDF, rendered from the frozen fields at the first call and stored (two callers
    at once: both render the same bytes, one row is kept)."""
    found = DocumentFile.objects.filter(pk=doc.pk).values_list("pdf", flat=True).first()
    if found is not None:
        return bytes(found)
    pdf = render_pdf(doc.fields)
    DocumentFile.objects.bulk_create([DocumentFile(document=doc, pdf=pdf)], ignore_conflicts=True)
    return pdf


def render_pending(limit: int = 200) -> int:
    """Render the PDFs not rendered yet (the Celery task `efficiency.documents_render`)."""
    docs = list(Document.objects.filter(file__isnull=True).order_by("pk")[:limit])
    for doc in docs:
        document_pdf(doc)
    return len(docs)


# --- access --------------------------------------------------------------------------------------


def subject_model(doc: Document):
    return apps.get_model(doc.subject_type)


def document_for_user(user, pk, *, request=None) -> Document:
    """The document if the user may see its item (`permissions.access` on the item: another
    unit's user gets the item's 404, audited as a denial)."""
    doc = Document.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if doc is None:
        raise Http404
    _item_for_user(user, subject_model(doc), doc.subject_id, request=request)
    return doc


def _item_for_user(user, model, pk, *, request=None):
    return permissions.access(user, model._default_manager.all(), pk,
                              unit_field=getattr(model, "clock_unit_field", "unit"), request=request)


def documents_for_user(user, subject_type: str, subject_id, *, request=None) -> list[Document]:
    """The documents of one item (`app_label.model`, pk) for a user who may see the item (the
    API's list): a type no document is issued on is bad input; an item outside the user's scope,
    or none, is the item's 404."""
    try:
        model = apps.get_model(subject_type) if subject_type.count(".") == 1 else None
    except (LookupError, ValueError):
        model = None
    if model is None or not kinds_for(model):
        raise ValidationError({"subject_type": [_("该类事项没有公文（%(t)s）。") % {"t": subject_type[:64]}]})
    if not str(subject_id).isdigit():
        raise ValidationError({"subject_id": [_("请填写事项编号（整数）。")]})
    item = _item_for_user(user, model, subject_id, request=request)
    return documents_of(item)


def document_download(user, pk, *, request=None) -> tuple[Document, bytes]:
    """The PDF of a document the user may see (page and API alike), the download audited."""
    doc = document_for_user(user, pk, request=request)
    pdf = document_pdf(doc)
    audit_record("doc.download", actor=user, obj=doc, summary=f"下载 {doc.number}"[:255], request=request)
    return doc, pdf


def issue_by_hand(*, kind: str, model_label: str, pk, actor, request=None, signed_by_id=None, note: str = "",
                  replaces_id=None, reason: str = "") -> Document:
    """A page's issue form: the item fetched through the actor's scope (404 outside it), the
    kind's roles checked (403), bad input a ValidationError (400)."""
    try:
        model = apps.get_model(model_label)
    except (LookupError, ValueError):
        raise Http404 from None
    spec = document_kind(kind, model_label)
    item = _item_for_user(actor, model, pk, request=request)
    if not permissions.has_role(actor, *spec.roles):
        raise PermissionDenied(_("您无权出具%(k)s。") % {"k": spec.title})
    signer = None
    if signed_by_id:
        signer = User.objects.filter(pk=signed_by_id, role=Role.LEADER, is_active=True).first() \
            if str(signed_by_id).isdigit() else None
        if signer is None:
            raise ValidationError({"signed_by": [_("签批人必须是在岗的领导。")]})
    replaces = None
    if replaces_id:
        replaces = Document.objects.filter(pk=replaces_id).first() if str(replaces_id).isdigit() else None
        if replaces is None:
            raise ValidationError({"replaces": [_("要更正的文书不存在。")]})
    extra = {"note": note.strip()} if note and kind == SUPERVISION_ORDER else {}
    return issue_document(kind=kind, item=item, actor=actor, signed_by=signer, replaces=replaces, reason=reason,
                          check_role=True, **extra)


def leaders_for_signoff() -> list[User]:
    return list(User.objects.filter(role=Role.LEADER, is_active=True).select_related("unit").order_by("unit_id", "pk"))
