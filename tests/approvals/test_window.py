"""综合窗口 (issue 15, point 6): a 政务服务中心 window takes in an application for a department's
catalog item on the department's behalf (R19 首问负责, R25 受理登记/一次告知/限时办结): the
application belongs to the department, which sees, handles and decides it; the centre records
the intake, prints the 受理回执 and sees only what it took in; the clock runs from intake."""

from datetime import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from approvals import demo, services
from approvals.models import Application, Material, Status
from efficiency.models import Event, Notification, Region, Role, Unit
from efficiency.notifications import notifications_fan_out
from efficiency.queries import home_todo
from efficiency.workdays import SHANGHAI, add_workdays, is_workday, local_date
from tests.factories import make_unit, make_user

from .helpers import ENTERPRISE_ID, PERSON_ID, make_item

pytestmark = pytest.mark.django_db

FRIDAY = datetime(2025, 11, 7, 10, 0, tzinfo=SHANGHAI)  # a due date three working days on falls after a weekend


@pytest.fixture(autouse=True)
def _clear_cache():
    try:
        cache.clear()
    except Exception:  # noqa: BLE001
        pass


@pytest.fixture
def centre(org):
    unit = make_unit("鄂州市政务服务中心", region=org.region, code="ZWZX", kind=Unit.Kind.SERVICE_CENTER)
    section = unit.sections.create(name="综合受理窗口")
    officer = make_user(Role.CLERK, unit=unit, username="window", full_name="孙窗口", section=section)
    return unit, section, officer


def _take_in(officer, item, *, missing=0, kind="enterprise"):
    materials = list(Material.objects.filter(item=item, required=True).order_by("order"))
    return services.application_receive(
        actor=officer, item=item, applicant_kind=kind, applicant_name="鄂州市葛店产业园开发有限公司",
        applicant_id_number=ENTERPRISE_ID if kind == "enterprise" else PERSON_ID, applicant_phone="13800000000",
        project="葛店智能制造产业园", materials=materials[: len(materials) - missing])


def test_r19_r25_the_window_takes_in_for_a_department_and_the_clock_starts_at_intake(org, centre):
    unit, section, officer = centre
    item = make_item(org, committed=3, legal=20)
    with time_machine.travel(FRIDAY, tick=False):
        app, code = _take_in(officer, item)
    app.refresh_from_db()
    # Routed to the department: its unit, its clerk handles it; the window is the first handler.
    assert app.unit == org.unit_a and app.owner == org.clerk_a and app.first_handler == officer
    assert (app.intake_unit, app.intake_section) == (unit, section) and app.at_window
    assert app.status == Status.ACCEPTED and len(code) == 8 and app.receipt_number.startswith("SL20251107")
    # The clock from intake, with the terms frozen from the catalog item, due on a working day.
    assert app.clock_start == FRIDAY and app.accepted_at == FRIDAY
    assert (app.committed_limit, app.legal_limit, app.limit_value) == (3, 20, 3)
    due = local_date(app.due_at)
    assert due == add_workdays(local_date(FRIDAY), 3) == datetime(2025, 11, 12).date() and is_workday(due)
    assert Event.objects.filter(kind="clock.started", subject_id=app.pk).exists()
    routed = Event.objects.get(kind="approvals.routed", subject_id=app.pk)
    assert routed.unit_id == org.unit_a.pk and "鄂州市政务服务中心" in routed.message


def test_the_window_cannot_take_in_another_regions_or_an_unpublished_item(org, centre):
    _unit, _section, officer = centre
    other_region = Region.objects.create(code="420100", name="武汉市", level=Region.Level.CITY)
    far = make_unit("武汉市市场监督管理局", region=other_region)
    far_head = make_user(Role.HEAD, unit=far)
    far_item = services.item_save(actor=far_head, unit=far, code="WH-1", name="食品经营许可", legal_basis="食品安全法",
                                  materials=["申请书"])
    hidden = make_item(org, code="ZRZY-HIDDEN")
    hidden.is_published = False
    hidden.save()
    for item in (far_item, hidden):
        assert not services.can_take_in(officer, item)
        with pytest.raises(Exception) as exc:
            _take_in(officer, item)
        assert exc.typename == "PermissionDenied"
    # A district's departments are within the city's centre (跨层级): the same rule the item list uses.
    district = Region.objects.create(code="420704", name="鄂城区", level=Region.Level.COUNTY, parent=org.region)
    near = make_unit("鄂城区市场监督管理局", region=district)
    near_item = services.item_save(actor=make_user(Role.HEAD, unit=near), unit=near, code="ECQ-1", name="个体工商户登记",
                                   legal_basis="条例", materials=["申请书"])
    from approvals.queries import window_items

    listed = set(window_items(officer).values_list("code", flat=True))
    assert services.can_take_in(officer, near_item) and "ECQ-1" in listed
    assert "WH-1" not in listed and "ZRZY-HIDDEN" not in listed


def test_the_window_takes_in_on_the_page_and_prints_the_receipt(org, centre, client):
    _unit, _section, officer = centre
    item = make_item(org, committed=3, legal=20)
    other = make_item(org, code="SCJG-9", name="食品经营许可")
    other.unit = org.unit_b
    other.save()
    client.force_login(officer)
    page = client.get(reverse("approvals:intake")).content.decode()
    assert f'<optgroup label="{org.unit_a.name}">' in page and f'<optgroup label="{org.unit_b.name}">' in page
    page = client.get(reverse("approvals:intake") + f"?item={item.pk}").content.decode()
    assert 'id="intake-unit"' in page and org.unit_a.name in page
    materials = [m.pk for m in Material.objects.filter(item=item)]
    with time_machine.travel(FRIDAY, tick=False):
        response = client.post(reverse("approvals:intake"), {
            "item": item.pk, "applicant_kind": "person", "applicant_name": "周建华", "applicant_id_number": PERSON_ID,
            "applicant_phone": "13871100011", "project": "建华便利店", "materials": materials})
        slip = client.get(response["Location"]).content.decode()
    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("approvals:slip", args=[app.pk])
    assert 'id="slip"' in slip and app.receipt_number in slip and 'id="slip-code"' in slip
    assert "2025-11-12" in slip and org.unit_a.name in slip and "周建华" in slip and item.name in slip
    assert "3 个工作日" in slip and "综合受理窗口" in slip and "css/slip.css" in slip
    assert "style=" not in slip and "<script>" not in slip  # CSP: no inline style or script
    client.force_login(officer)  # a new session: the code was shown once, in the other
    again = client.get(reverse("approvals:slip", args=[app.pk])).content.decode()
    assert app.receipt_number in again and 'id="slip-code"' not in again and 'id="slip-code-gone"' in again
    # The public lookup finds it with the number and the code printed on the receipt.
    code = slip.split('id="slip-code">')[1].split("<")[0]
    client.logout()
    lookup = client.get(f"/api/v1/public/applications/{app.receipt_number}/?code={code}")
    assert lookup.status_code == 200
    assert lookup.json()["unit"] == org.unit_a.name and lookup.json()["intake_unit"] == "鄂州市政务服务中心"
    page = client.post(reverse("approvals:public_lookup"), {"receipt_number": app.receipt_number, "code": code})
    assert 'id="lookup-window"' in page.content.decode()


def test_the_window_intake_form_shows_errors_for_bad_input(org, centre, client):
    _unit, _section, officer = centre
    item = make_item(org)
    client.force_login(officer)
    response = client.post(reverse("approvals:intake"), {
        "item": item.pk, "applicant_kind": "person", "applicant_name": "", "applicant_id_number": "123",
        "applicant_phone": "abc"})
    assert response.status_code == 200
    form = response.context["form"]
    assert {"applicant_name", "applicant_id_number"} <= set(form.errors)
    assert Application.objects.count() == 0
    # The API: a 400 with field errors, and an item it may not take in is a 404.
    api = client.post("/api/v1/approvals/applications/", {
        "item": item.pk, "applicant_kind": "person", "applicant_name": "周建华", "applicant_id_number": "123",
        "applicant_phone": "13871100011"}, content_type="application/json")
    assert api.status_code == 400 and "applicant_id_number" in str(api.json())
    item.is_published = False
    item.save()
    api = client.post("/api/v1/approvals/applications/", {
        "item": item.pk, "applicant_kind": "person", "applicant_name": "周建华", "applicant_id_number": PERSON_ID,
        "applicant_phone": "13871100011"}, content_type="application/json")
    assert api.status_code == 404 and Application.objects.count() == 0


def test_the_window_takes_in_through_the_api(org, centre, client):
    unit, _section, officer = centre
    item = make_item(org, committed=3, legal=20)
    client.force_login(officer)
    with time_machine.travel(FRIDAY, tick=False):
        response = client.post("/api/v1/approvals/applications/", {
            "item": item.pk, "applicant_kind": "enterprise", "applicant_name": "鄂州市葛店产业园开发有限公司",
            "applicant_id_number": ENTERPRISE_ID, "applicant_phone": "13800000000",
            "material_ids": list(Material.objects.filter(item=item).values_list("pk", flat=True))},
            content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["application"]["unit"] == org.unit_a.pk and body["application"]["intake_unit"] == unit.pk
    assert len(body["check_code"]) == 8 and body["application"]["due_at"].startswith("2025-11-12")


def test_the_department_sees_it_in_its_list_and_to_do_and_decides_it(org, centre, client):
    _unit, _section, officer = centre
    item = make_item(org)
    with time_machine.travel(FRIDAY, tick=False):
        app, _code = _take_in(officer, item)
    todo = {line.key: line for line in home_todo(org.clerk_a)}
    assert todo["approvals.applications.work"].count == 1
    client.force_login(org.clerk_a)
    assert app.receipt_number in client.get(todo["approvals.applications.work"].url).content.decode()
    assert app.receipt_number in client.get(reverse("approvals:index")).content.decode()  # 我的在办件
    page = client.get(reverse("approvals:application", args=[app.pk])).content.decode()
    assert "作出决定" in page and 'id="app-window"' in page
    # The handler heard of it (the routing notice), as did the head.
    notifications_fan_out()
    assert Notification.objects.filter(event__kind="approvals.routed", user=org.clerk_a).exists()
    assert Notification.objects.filter(event__kind="approvals.routed", user=org.head_a).exists()
    response = client.post(reverse("approvals:decide", args=[app.pk]), {"outcome": "approved"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.APPROVED and app.decided_by == org.clerk_a


def test_the_window_cannot_decide_403_with_the_reason(org, centre, client):
    _unit, _section, officer = centre
    with time_machine.travel(FRIDAY, tick=False):
        app, _code = _take_in(officer, make_item(org))
    client.force_login(officer)
    page = client.get(reverse("approvals:application", args=[app.pk]))
    assert page.status_code == 200 and "作出决定" not in page.content.decode()
    for url, body in ((reverse("approvals:decide", args=[app.pk]), {"outcome": "approved"}),
                      (reverse("approvals:pause", args=[app.pk]), {"reason": "hearing"}),
                      (reverse("approvals:withdraw", args=[app.pk]), {})):
        response = client.post(url, body)
        assert response.status_code == 403, url
    api = client.post(f"/api/v1/approvals/applications/{app.pk}/decide/", {"outcome": "approved"},
                      content_type="application/json")
    assert api.status_code == 403 and "窗口不能办理" in str(api.json())
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED


def test_the_centre_sees_what_it_took_in_and_nothing_else(org, centre, client):
    """Decided policy: the centre sees the applications it took in (a co-unit grant made at
    intake), not the department's own; another department's user gets a 404."""
    unit, _section, officer = centre
    item = make_item(org)
    with time_machine.travel(FRIDAY, tick=False):
        mine, _ = _take_in(officer, item)
        materials = list(Material.objects.filter(item=item))
        desk, _ = services.application_receive(
            actor=org.clerk_a, item=item, applicant_kind="person", applicant_name="陈小红", applicant_id_number=PERSON_ID,
            applicant_phone="13871100003", materials=materials)
    client.force_login(officer)
    listing = client.get(reverse("approvals:list")).content.decode()
    assert mine.receipt_number in listing and desk.receipt_number not in listing
    index = client.get(reverse("approvals:index")).content.decode()
    assert 'id="centre-open"' in index and mine.receipt_number in index and desk.receipt_number not in index
    assert client.get(reverse("approvals:application", args=[desk.pk])).status_code == 404
    assert client.get(f"/api/v1/approvals/applications/{desk.pk}/").status_code == 404
    client.force_login(org.clerk_b)  # another department, not concerned
    for url in (reverse("approvals:application", args=[mine.pk]), reverse("approvals:slip", args=[mine.pk]),
                f"/api/v1/approvals/applications/{mine.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("approvals:decide", args=[mine.pk]), {"outcome": "approved"}).status_code == 404


def test_r20_the_window_gives_the_one_time_notice_and_accepts_when_complete(org, centre, client):
    _unit, _section, officer = centre
    item = make_item(org, committed=3, legal=20)
    with time_machine.travel(FRIDAY, tick=False):
        app, code = _take_in(officer, item, missing=1)
    app.refresh_from_db()
    assert code is None and app.status == Status.RECEIVED and app.time_rule.code == "application.notice"
    assert app.owner == org.clerk_a  # routed at once: the department sees it coming
    window_todo = {line.key: line.count for line in home_todo(officer)}
    assert window_todo["approvals.applications.intake"] == 0  # travelled: not today any more
    assert window_todo["approvals.applications.receive"] == 1
    assert "approvals.applications.work" not in window_todo and "approvals.applications.overdue" not in window_todo
    client.force_login(officer)
    page = client.get(reverse("approvals:application", args=[app.pk])).content.decode()
    assert 'id="issue-notice"' in page
    assert client.get(reverse("approvals:slip", args=[app.pk])).status_code == 404  # no receipt before 受理
    response = client.post(reverse("approvals:notice_issue", args=[app.pk]))
    assert response["Location"] == reverse("approvals:notice", args=[app.pk])
    notice = client.get(response["Location"]).content.decode()
    assert "设计方案总平面图" in notice
    assert {line.key: line.count for line in home_todo(officer)}["approvals.applications.materials"] == 1
    missing = Material.objects.get(item=item, name="设计方案总平面图")
    with time_machine.travel(datetime(2025, 11, 10, 9, 30, tzinfo=SHANGHAI), tick=False):
        response = client.post(reverse("approvals:complete", args=[app.pk]), {"materials": [missing.pk]})
        slip = client.get(response["Location"]).content.decode()
    assert response["Location"] == reverse("approvals:slip", args=[app.pk])
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED and local_date(app.due_at) == datetime(2025, 11, 13).date()
    assert app.receipt_number in slip and 'id="slip-code"' in slip


def test_the_window_today_line_counts_todays_intake(org, centre):
    _unit, _section, officer = centre
    _take_in(officer, make_item(org))
    todo = {line.key: line for line in home_todo(officer)}
    assert todo["approvals.applications.intake"].count == 1
    assert "intake=today" in todo["approvals.applications.intake"].url
    assert "approvals.applications.intake" not in {line.key for line in home_todo(org.clerk_a)}


def test_the_route_goes_to_the_least_loaded_clerk_and_without_a_clerk_to_the_head(org, centre):
    _unit, _section, officer = centre
    item = make_item(org)
    second = make_user(Role.CLERK, unit=org.unit_a, username="clerk_a2")
    first, _ = _take_in(officer, item)
    other, _ = services.application_receive(
        actor=officer, item=item, applicant_kind="person", applicant_name="陈小红", applicant_id_number=PERSON_ID,
        applicant_phone="13871100003", materials=list(Material.objects.filter(item=item)))
    assert {first.owner, other.owner} == {org.clerk_a, second}
    lone = make_unit("鄂州市交通运输局", region=org.region)
    head = make_user(Role.HEAD, unit=lone)
    lone_item = services.item_save(actor=head, unit=lone, code="JT-1", name="道路运输经营许可", legal_basis="条例",
                                   materials=["申请表"])
    app, _ = _take_in(officer, lone_item)
    assert app.owner is None
    notifications_fan_out()
    assert Notification.objects.filter(event__kind="approvals.routed", event__subject_id=app.pk, user=head).exists()


def test_the_demo_window_account_is_a_service_centre_clerk():
    from efficiency import demo as org_demo
    from efficiency.models import User

    org_demo.seed_org()
    demo.seed()
    window = User.objects.get(username="chuangkou")
    assert window.unit.kind == Unit.Kind.SERVICE_CENTER
    lines = {line.key: line.count for line in home_todo(window)}
    assert lines["approvals.applications.receive"] >= 1 and lines["approvals.applications.materials"] >= 1
