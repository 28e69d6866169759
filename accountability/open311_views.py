"""Open311 GeoReport v2 endpoints under /open311/v2/ (accountability/open311.py has the protocol).

GET is public, as the specification has it, and limited per client address; POST needs an
api_key: a registered intake channel's token (`python manage.py intake_channel add NAME`). A
request filed here is an ordinary complaint: the same filing service and single statement as the
channel API (`services.complaint_file`), its clock started, its events and audit row written.
CSRF does not apply to this API only (a token, no cookie, authenticates a POST)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from efficiency import clocks
from efficiency.client import client_ip

from . import open311, queries, security, services
from .open311 import Open311Error, error, render

READS_WINDOW_SECONDS = 60
KEY_FAILS_PER_IP = 10  # 本地默认: wrong api_keys from one address before it waits KEY_WINDOW_SECONDS
KEY_WINDOW_SECONDS = 600


def _limits() -> str:
    accept, reply = clocks.rule_cached("complaint.accept"), clocks.rule_cached("complaint.reply")
    return _("效能办在 %(accept)s内决定是否受理；交办后承办单位在 %(reply)s内答复。") % {
        "accept": f"{accept.limit_value} {accept.get_limit_unit_display()}",
        "reply": f"{reply.limit_value} {reply.get_limit_unit_display()}"}


def _endpoint(methods: tuple[str, ...]):
    """Format check (json or xml, else 404 in JSON), allowed methods (405 in the format asked
    for), jurisdiction (when this server is given one), the per-address limit on reads, and
    `Open311Error` turned into the specification's error list."""

    if "GET" in methods:  # a monitor's HEAD is a GET without the body
        methods = (*methods, "HEAD")

    def wrap(view):
        @csrf_exempt
        def endpoint(request, fmt: str, **kwargs):
            if fmt not in open311.FORMATS:
                return error("json", 404, _("不支持的格式“%(fmt)s”，请使用 .json 或 .xml。") % {"fmt": fmt[:10]})
            if request.method not in methods:
                response = error(fmt, 405, _("不支持的请求方法 %(m)s。") % {"m": request.method[:10]})
                response["Allow"] = ", ".join(methods)
                return response
            params = request.POST if request.method == "POST" else request.GET
            jurisdiction = (params.get("jurisdiction_id") or "").strip()
            expected = getattr(settings, "OPEN311_JURISDICTION_ID", "")
            if jurisdiction and expected and jurisdiction != expected:
                return error(fmt, 404, _("未知的 jurisdiction_id。"))
            if request.method != "POST" and not security.allow(
                    f"open311:{client_ip(request) or 'unknown'}", window=READS_WINDOW_SECONDS,
                    limit=getattr(settings, "OPEN311_READS_PER_MINUTE", 60)):
                response = error(fmt, 429, _("查询过于频繁，请稍后再试。"))
                response["Retry-After"] = str(READS_WINDOW_SECONDS)
                return response
            try:
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                response = error(fmt, exc.status, exc.description)
                if exc.retry_after:
                    response["Retry-After"] = str(exc.retry_after)
                return response

        return endpoint

    return wrap


def _channel_for(request, token: str):
    """The active channel of an api_key, else a 403 — wrong keys counted per client address:
    past KEY_FAILS_PER_IP the address is answered 429 for a while. A right key costs no cache
    round trip (the count is read only after a miss), as on the channel API."""
    channel = services.channel_for_token(token)
    if channel is not None:
        return channel
    if not security.allow(f"open311-key:{client_ip(request) or 'unknown'}", limit=KEY_FAILS_PER_IP,
                          window=KEY_WINDOW_SECONDS):
        raise Open311Error(429, _("api_key 错误次数过多，请稍后再试。"), retry_after=KEY_WINDOW_SECONDS)
    raise Open311Error(403, _("api_key 无效或渠道已停用。"))


def _channel(request):
    """The channel a GET's api_key names (optional on a read); one given but unknown is a 403,
    so that an integrator learns of a revoked token rather than silently losing its details."""
    token = (request.GET.get("api_key") or "").strip()
    return _channel_for(request, token) if token else None


@_endpoint(("GET",))
def discovery(request, fmt):
    base = request.build_absolute_uri("/open311/v2/")
    changeset = "2026-12-05T00:00:00+08:00"
    return render(fmt, "discovery", {
        "changeset": changeset,
        "contact": getattr(settings, "OPEN311_CONTACT", "") or _("效能办（效能投诉受理）"),
        "key_service": _("api_key 即投诉受理渠道令牌，请向效能办申请登记渠道。"),
        "endpoints": [{"specification": open311.SPECIFICATION, "url": base, "changeset": changeset,
                       "type": "production", "formats": ["application/json", "text/xml"]}],
    })


@_endpoint(("GET",))
def service_list(request, fmt):
    return render(fmt, "services", open311.services())


@_endpoint(("GET",))
def service_definition(request, fmt, code):
    return render(fmt, "service_definition", open311.service_definition(code, queries.units_complainable()))


@_endpoint(("GET", "POST"))
def requests(request, fmt):
    return _request_create(request, fmt) if request.method == "POST" else _request_list(request, fmt)


def _request_create(request, fmt):
    token = (request.POST.get("api_key") or "").strip()
    if not token:
        raise Open311Error(403, _("缺少 api_key（投诉受理渠道令牌）。"))
    channel = _channel_for(request, token)
    new = open311.new_request(request.POST)
    try:
        filed = services.complaint_file(
            category=new.category, subject_unit=services.UnitNamed.parse(new.subject_unit),
            description=new.description, occurred_on=new.occurred_on, place=new.place,
            is_anonymous=new.is_anonymous, name=new.name, phone=new.phone, channel=channel, ip=client_ip(request))
    except services.UnitMissing:
        raise Open311Error(400, _("attribute[%(code)s]：没有找到该被投诉单位。")
                           % {"code": open311.UNIT_ATTRIBUTE}) from None
    except ValidationError as exc:  # the filing's own checks (length, real name, phone)
        raise Open311Error(400, "；".join(exc.messages)) from None
    c = filed.complaint
    notice = _("投诉已登记，编号 %(no)s，查询码 %(code)s（只显示这一次，请转告投诉人）。%(limits)s") % {
        "no": c.tracking_number, "code": filed.check_code, "limits": _limits()}
    return render(fmt, "service_requests", [{"service_request_id": c.tracking_number, "service_notice": notice,
                                             "account_id": None}], status=201)


def _rows(request, complaints, *, expected=None):
    channel, labels = _channel(request), open311.Labels()
    agency, notice = _("效能办"), _limits()
    return [open311.request_row(
        c, labels=labels, own=channel is not None and c["channel_id"] == channel.pk, agency_default=agency,
        service_notice=notice, expected=expected) for c in complaints]


def _request_list(request, fmt):
    p = request.GET
    ids = [v.strip().upper() for v in (p.get("service_request_id") or "").split(",") if v.strip()]
    if ids:  # overrides every other filter (the specification)
        complaints = queries.complaints_open311(numbers=ids[:open311.MAX_RESULTS])
    else:
        codes = [v.strip() for v in (p.get("service_code") or "").split(",") if v.strip()]
        unknown = [c for c in codes if c not in open311.Category.values]
        if unknown:
            raise Open311Error(404, _("没有服务代码为“%(code)s”的投诉类别。") % {"code": unknown[0][:40]})
        statuses = open311.statuses_for(p["status"]) if p.get("status") else ()
        since, until = open311.date_window(p.get("start_date", ""), p.get("end_date", ""), now=timezone.now())
        complaints = queries.complaints_open311(categories=codes, statuses=statuses, since=since, until=until,
                                                limit=open311.MAX_RESULTS)
    return render(fmt, "service_requests", _rows(request, complaints))


@_endpoint(("GET",))
def request_detail(request, fmt, number):
    number = number.strip().upper()
    found = queries.complaints_open311(numbers=[number], limit=1) if open311.TRACKING_RE.match(number) else []
    if not found:
        raise Open311Error(404, _("没有编号为“%(no)s”的投诉。") % {"no": number[:20]})
    due = queries.complaint_citizen_deadline(queries.complaint_by_number(number))["due_at"]
    return render(fmt, "service_requests", _rows(request, found, expected=due))


@_endpoint(("GET",))
def token(request, fmt, token):
    """Requests are filed at once (`type` realtime), so a token is the service_request_id itself."""
    number = token.strip().upper()
    found = queries.complaints_open311(numbers=[number], limit=1) if open311.TRACKING_RE.match(number) else []
    if not found:
        raise Open311Error(404, _("没有该 token 对应的投诉。"))
    return render(fmt, "service_requests", [{"service_request_id": found[0]["tracking_number"], "token": number}])
