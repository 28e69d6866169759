"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), the protocol side: complaint
categories as services, complaints as service requests, parameters parsed and answers rendered
in JSON or XML. No reads or writes here: the views (open311_views) call `queries` and `services`.

Decisions (docs/open311.md):
- service_code = the category's value (`slow`, `graft` …), service_name its Chinese label;
- service_request_id = the complaint's public tracking number (TS…), never a database id;
- the unit complained about is the required attribute `subject_unit` (a singlevaluelist of the
  active units, key = the unit's id; its name is accepted too, as by the channel API);
- the public status maps to open/closed; status_notes is the status citizens see, in Chinese;
- nothing personal is ever returned (name, phone, the 查询码); the description and the address
  only to the channel that filed the complaint (its api_key on the GET).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from .models import Category, Complaint

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
GROUP = "效能投诉"
KEYWORDS = {  # searchable words an app shows next to the category (本地默认)
    Category.NONFEASANCE: "不作为,不办事",
    Category.SLOW: "慢作为,拖延,超时",
    Category.MISFEASANCE: "乱作为,违规办理",
    Category.BUCK_PASSING: "推诿,扯皮,踢皮球",
    Category.GRAFT: "吃拿卡要,索贿,刁难",
    Category.ILLEGAL_FEES: "乱收费,乱罚款,乱摊派",
    Category.BROKEN_PROMISE: "服务承诺,承诺时限",
    Category.ATTITUDE: "态度,门难进,脸难看,事难办",
    Category.OTHER: "其他",
}
UNIT_ATTRIBUTE = "subject_unit"
OCCURRED_ATTRIBUTE = "occurred_on"
OPEN_STATUSES = frozenset({Complaint.Status.RECEIVED, Complaint.Status.ACCEPTED, Complaint.Status.ASSIGNED,
                           Complaint.Status.RETURNED, Complaint.Status.REPLIED, Complaint.Status.REEXAMINING})
# Answered counts as closed (the reply is given); a re-examination opens it again.
CLOSED_STATUSES = frozenset(set(Complaint.Status.values) - OPEN_STATUSES)
WINDOW_DAYS = 90  # the specification's default window and longest span
MAX_RESULTS = 1000  # the specification's most results per GET requests
TRACKING_RE = re.compile(r"^TS\d{14}$")


class Open311Error(Exception):
    """An answer in the specification's error format: [{"code": status, "description": …}]."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.status, self.description, self.retry_after = status, str(description), retry_after


def public_status(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


def statuses_for(values: str) -> list[str]:
    """`status=open,closed` → the complaint statuses; anything else is a 400."""
    wanted = {v.strip().lower() for v in values.split(",") if v.strip()}
    if wanted - {"open", "closed"}:
        raise Open311Error(400, _("status 只能是 open 或 closed。"))
    return sorted((OPEN_STATUSES if "open" in wanted else set()) | (CLOSED_STATUSES if "closed" in wanted else set()))


# --- datetimes (w3c, Asia/Shanghai with its offset) ------------------------------------------------


def w3c(value) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def parse_w3c(name: str, value: str) -> datetime:
    """A W3C datetime (`2026-12-01T08:00:00+08:00`, `…Z`); without an offset it is Beijing time,
    a bare date its midnight. Anything else is a 400 naming the parameter."""
    value = (value or "").strip()
    try:
        parsed = parse_datetime(value.replace(" ", "+", 1) if value.count(" ") == 1 and "T" in value else value)
        if parsed is None and (day := parse_date(value)) is not None:
            parsed = datetime.combine(day, time.min)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(400, _("%(name)s 不是有效的 W3C 日期时间（例如 2026-12-01T08:00:00+08:00）。") % {"name": name})
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def date_window(start: str, end: str, *, now: datetime) -> tuple[datetime, datetime]:
    """The specification's window: the last 90 days by default, never longer than 90 days."""
    end_at = parse_w3c("end_date", end) if end else None
    start_at = parse_w3c("start_date", start) if start else None
    if end_at is None:
        end_at = now if start_at is None else min(now, start_at + timedelta(days=WINDOW_DAYS))
    if start_at is None:
        start_at = end_at - timedelta(days=WINDOW_DAYS)
    if start_at > end_at:
        raise Open311Error(400, _("start_date 不能晚于 end_date。"))
    if end_at - start_at > timedelta(days=WINDOW_DAYS):
        raise Open311Error(400, _("查询时间范围不能超过 %(n)d 天。") % {"n": WINDOW_DAYS})
    return start_at, end_at


# --- services ------------------------------------------------------------------------------------


def service(code: str) -> dict:
    return {"service_code": code, "service_name": str(Category(code).label),
            "description": _("对机关单位及其工作人员“%(name)s”的效能投诉。") % {"name": Category(code).label},
            "metadata": True, "type": "realtime", "keywords": KEYWORDS.get(code, ""), "group": GROUP}


def services() -> list[dict]:
    return [service(code) for code in Category.values]


def service_definition(code: str, units: list[tuple[int, str]]) -> dict:
    if code not in Category.values:
        raise Open311Error(404, _("没有服务代码为“%(code)s”的投诉类别。") % {"code": code[:40]})
    return {"service_code": code, "attributes": [
        {"variable": True, "code": UNIT_ATTRIBUTE, "datatype": "singlevaluelist", "required": True,
         "datatype_description": _("被投诉单位：填单位编号（key），也可填单位全称。"), "order": 1,
         "description": _("被投诉单位"), "values": [{"key": str(pk), "name": name} for pk, name in units]},
        {"variable": True, "code": OCCURRED_ATTRIBUTE, "datatype": "datetime", "required": False,
         "datatype_description": _("W3C 日期或日期时间，例如 2026-12-01。"), "order": 2,
         "description": _("发生日期"), "values": []},
    ]}


# --- a new request -----------------------------------------------------------------------------------


@dataclass
class NewRequest:
    """The POST's parameters as the complaint's filing needs them (`services.complaint_file`)."""

    category: str
    subject_unit: str
    description: str
    place: str
    occurred_on: object = None
    name: str = ""
    phone: str = ""
    extra: list[str] = field(default_factory=list)

    @property
    def is_anonymous(self) -> bool:
        return not (self.name and self.phone)


def _number(name: str, value: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not low <= number <= high:  # NaN fails too
        raise Open311Error(400, _("%(name)s 不是有效的坐标。") % {"name": name})
    return number


def new_request(post) -> NewRequest:
    """Check a POST's parameters in the specification's terms (400 for what is missing or
    malformed; 404 for an unknown service_code). The complaint's own checks (the description's
    length, the unit's existence) stay in the filing service."""
    code = (post.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("缺少 service_code。"))
    if code not in Category.values:
        raise Open311Error(404, _("没有服务代码为“%(code)s”的投诉类别。") % {"code": code[:40]})
    lat, lon = (post.get("lat") or "").strip(), (post.get("long") or "").strip()
    address, address_id = (post.get("address_string") or "").strip(), (post.get("address_id") or "").strip()
    if bool(lat) != bool(lon):
        raise Open311Error(400, _("lat 和 long 须同时提供。"))
    if not (lat or address or address_id):
        raise Open311Error(400, _("请提供投诉地点：lat 和 long，或 address_string，或 address_id。"))
    place = []  # stored with the complaint: in Chinese whatever the request's language
    if address:
        place.append(address)
    if address_id:
        place.append(f"地址编号 {address_id}")
    if lat:
        place.append(f"坐标 {_number('lat', lat, -90, 90):.6f},{_number('long', lon, -180, 180):.6f}")
    unit = (post.get(f"attribute[{UNIT_ATTRIBUTE}]") or "").strip()
    if not unit:
        raise Open311Error(400, _("缺少必填属性 attribute[%(code)s]（被投诉单位）。") % {"code": UNIT_ATTRIBUTE})
    occurred = (post.get(f"attribute[{OCCURRED_ATTRIBUTE}]") or "").strip()
    occurred_on = timezone.localdate(parse_w3c(f"attribute[{OCCURRED_ATTRIBUTE}]", occurred)) if occurred else None
    description = (post.get("description") or "").strip()
    if not description:
        raise Open311Error(400, _("缺少 description（投诉内容）。"))
    extra = []
    media = (post.get("media_url") or "").strip()
    if media:
        if not re.match(r"^https?://\S+$", media) or len(media) > 500:
            raise Open311Error(400, _("media_url 须为 http 或 https 地址。"))
        extra.append(f"图片链接（未下载，请核实后查看）：{media}")
    name = ((post.get("last_name") or "").strip() + (post.get("first_name") or "").strip())[:64]
    phone = (post.get("phone") or "").strip()
    if bool(name) != bool(phone):
        raise Open311Error(400, _("实名投诉请同时提供姓名（first_name/last_name）和联系电话（phone）；都不提供则为匿名投诉。"))
    if extra:
        description = "\n\n".join([description, *extra])
    return NewRequest(category=code, subject_unit=unit, description=description, place="；".join(place),
                      occurred_on=occurred_on, name=name, phone=phone)


# --- service requests as the world sees them ----------------------------------------------------------


_COORDINATES = re.compile(r"坐标 (-?\d{1,3}\.\d{6}),(-?\d{1,3}\.\d{6})$")


def coordinates(place: str) -> tuple[float | None, float | None]:
    """lat and long as `new_request` wrote them at the end of the place (no column of their own)."""
    found = _COORDINATES.search(place or "")
    return (float(found[1]), float(found[2])) if found else (None, None)


class Labels:
    """The status and category labels in the request's language, looked up once per answer."""

    def __init__(self):
        self.status = {value: str(label) for value, label in Complaint.Status.choices}
        self.category = {value: str(label) for value, label in Category.choices}


def request_row(c: dict, *, labels: Labels, own: bool, agency_default: str, service_notice: str,
                expected=None) -> dict:
    """One complaint (a dict of `queries.complaints_open311`) as a service request. `own`: the
    caller is the channel that filed it, which also sees the description, the place and the
    reason or reply after the status (never the complainant's name or phone)."""
    notes = labels.status.get(c["status"], c["status"])
    detail = status_detail(c) if own else ""
    lat, long = coordinates(c["place"]) if own else (None, None)
    return {
        "service_request_id": c["tracking_number"],
        "status": public_status(c["status"]),
        "status_notes": f"{notes}：{detail}" if detail else notes,
        "service_name": labels.category.get(c["category"], c["category"]),
        "service_code": c["category"],
        "description": c["description"] if own else "",
        "agency_responsible": c["unit_name"] or agency_default,
        "service_notice": service_notice,
        "requested_datetime": w3c(c["filed_at"]),
        "updated_datetime": w3c(c["updated_at"] or c["filed_at"]),
        "expected_datetime": w3c(expected),
        "address": c["place"] if own else "",
        "address_id": "",
        "zipcode": "",
        "lat": lat,
        "long": long,
        "media_url": "",
    }


def status_detail(c: dict) -> str:
    """What the complainant's channel reads after the status: the reason for a refusal, the reply."""
    if c["status"] == Complaint.Status.DECLINED:
        return c["decline_reason"]
    if c["answered_at"] and c["status"] in (Complaint.Status.ANSWERED, Complaint.Status.CLOSED,
                                            Complaint.Status.REEXAMINING):
        return c["reply"]
    return ""


# --- rendering ------------------------------------------------------------------------------------------

# XML 1.0 allows tab, newline, carriage return and the characters from U+0020 on (no lone
# surrogates, no U+FFFE/U+FFFF): anything else a client sent would make the document unreadable.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# The element each list's items take in XML (the specification's examples).
_ITEM = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
         "values": "value", "endpoints": "endpoint", "formats": "format"}


def _text(value) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _element(tag: str, value) -> ET.Element:
    el = ET.Element(tag)
    if isinstance(value, dict):
        for k, v in value.items():
            el.append(_element(k, v))
    elif isinstance(value, list):
        for item in value:
            el.append(_element(_ITEM.get(tag, "item"), item))
    else:
        el.text = _text(value)
    return el


def render(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    """JSON (the data as is) or XML (`root` around it, built by ElementTree: every text escaped;
    UTF-8 with the declaration the specification asks for)."""
    if fmt == "xml":
        body = ET.tostring(_element(root, data), encoding="utf-8", xml_declaration=True)
        # ElementTree writes the declaration with single quotes; the specification shows double.
        body = body.replace(b"<?xml version='1.0' encoding='utf-8'?>", b'<?xml version="1.0" encoding="UTF-8"?>', 1)
    else:
        body = json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=FORMATS.get(fmt, FORMATS["json"]))


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt if fmt in FORMATS else "json", "errors",
                  [{"code": status, "description": str(description)}], status=status)
