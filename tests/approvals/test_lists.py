"""The 办件 ledger (issue 15, 2–3): search `q` by receipt number and applicant, filters, pages
with the total, the same filters in the API, the export read back — never another unit's rows."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from approvals import services
from approvals.models import Application, Material, Status
from efficiency.models import Rung
from efficiency import listing
from tests.listing import column, copies, read_xlsx, total

from .helpers import ENTERPRISE_ID, MONDAY, make_item, receive

pytestmark = pytest.mark.django_db
URL, EXPORT = "/approvals/applications/", "/approvals/applications/export.xlsx"


def _receive(org, item, clerk, name, project):
    materials = list(Material.objects.filter(item=item))
    with time_machine.travel(MONDAY, tick=False):
        return services.application_receive(
            actor=clerk, item=item, applicant_kind="enterprise", applicant_name=name,
            applicant_id_number=ENTERPRISE_ID, applicant_phone="13800000000", project=project,
            materials=materials)[0]


@pytest.fixture
def ledger(org):
    item_a = make_item(org)
    item_b = services.item_save(
        actor=org.head_b, unit=org.unit_b, code="SCJG-001", name="食品经营许可", legal_basis="《食品安全法》",
        legal_limit=20, committed_limit=10, deemed_approval=False, is_published=True, materials=["申请书"])
    late = _receive(org, item_a, org.clerk_a, "鄂州市某某置业有限公司", "滨湖商业综合体")
    Application.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=1), breach_level=Rung.RED)
    calm = _receive(org, item_a, org.clerk_a, "鄂州市长江物流有限公司", "仓储中心二期")
    other = _receive(org, item_b, org.clerk_b, "鄂州市好味餐饮店", "餐饮服务")
    Application.objects.filter(pk__in=[calm.pk, other.pk]).update(due_at=timezone.now() + timedelta(days=5))
    return {"late": late, "calm": calm, "other": other}


def _found(html, ledger):
    return {k for k, a in ledger.items() if a.applicant_name in html}


def test_search_by_number_or_applicant_finds_the_row(client, org, ledger):
    client.force_login(org.office)
    assert _found(client.get(URL, {"q": ledger["calm"].receipt_number}).content.decode(), ledger) == {"calm"}
    assert _found(client.get(URL, {"q": "置业"}).content.decode(), ledger) == {"late"}
    assert _found(client.get(URL, {"q": "食品经营"}).content.decode(), ledger) == {"other"}  # the item


def test_filters_narrow_the_list(client, org, ledger):
    client.force_login(org.office)
    assert _found(client.get(URL, {"unit": org.unit_b.pk}).content.decode(), ledger) == {"other"}
    assert _found(client.get(URL, {"rung": "3"}).content.decode(), ledger) == {"late"}
    assert _found(client.get(URL, {"window": "overdue"}).content.decode(), ledger) == {"late"}
    assert total(client.get(URL, {"status": Status.ACCEPTED, "date_from": "2025-11-03"}).content.decode()) == 3
    assert total(client.get(URL, {"date_from": "2025-11-04"}).content.decode()) == 0


def test_pages_show_the_total_and_page_2(client, org, ledger):
    copies(ledger["calm"], 50, receipt_number=lambda i: f"SL-COPY-{i:04d}")
    client.force_login(org.clerk_a)
    first = client.get(URL).content.decode()
    assert total(first) == 52 and "第 1/2 页" in first
    second = client.get(URL, {"page": 2}).content.decode()
    rows = second[second.index('id="application-list"'):second.index("</table>", second.index('id="application-list"'))]
    assert rows.count("<tr>") - 1 == 2


def test_the_api_filters_give_the_same_rows(org, ledger):
    api = APIClient()
    api.force_authenticate(org.office)
    r = api.get("/api/v1/approvals/applications/", {"q": "置业", "rung": "3"})
    assert r.status_code == 200 and [a["id"] for a in r.json()["results"]] == [ledger["late"].pk]
    assert api.get("/api/v1/approvals/applications/", {"status": "nonsense"}).status_code == 400
    api.force_authenticate(org.clerk_b)
    assert api.get("/api/v1/approvals/applications/", {"unit": org.unit_a.pk}).json()["count"] == 0


def test_the_export_reads_back_in_chinese_and_china_time(client, org, ledger):
    client.force_login(org.office)
    rows = read_xlsx(client.get(EXPORT, {"q": "物流"}))
    assert rows[0][:3] == ["受理编号", "事项编码", "事项"]
    assert column(rows, "受理编号") == [ledger["calm"].receipt_number]
    assert column(rows, "收件时间") == [datetime(2025, 11, 3, 10, 0)]  # 02:00 UTC
    assert "证件号码" not in rows[0] and ENTERPRISE_ID not in rows[1]


def test_an_export_never_holds_another_units_rows(client, org, ledger):
    client.force_login(org.clerk_b)
    assert column(read_xlsx(client.get(EXPORT)), "申请人") == ["鄂州市好味餐饮店"]
    assert read_xlsx(client.get(EXPORT, {"unit": org.unit_a.pk}))[1:] == []


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_application_list_costs_the_same_queries_at_10_and_1000_rows(client, org, ledger, rows,
                                                                         django_assert_max_num_queries):
    """Issue 17 (6): the page, its satisfaction figures (R36, from UnitSatisfaction) and the API
    read a bounded number of statements, whatever the number of applications."""
    copies(ledger["calm"], rows, receipt_number=lambda i: f"SL-MANY-{i:05d}")
    client.force_login(org.clerk_a)
    client.get(URL)
    with django_assert_max_num_queries(14):
        assert client.get(URL).status_code == 200
    api = APIClient()
    api.force_authenticate(org.clerk_a)
    api.get("/api/v1/approvals/applications/")
    with django_assert_max_num_queries(8):
        body = api.get("/api/v1/approvals/applications/").json()
    assert len(body["results"]) == min(50, rows + 2) and bool(body["next"]) == (rows + 2 > 50)
    assert body["count_estimated"] == (rows + 2 > listing.EXACT_COUNT_UP_TO)
    assert body["count"] == rows + 2 or body["count_estimated"]
