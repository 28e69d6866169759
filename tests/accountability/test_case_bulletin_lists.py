"""The 问责案件 and 通报 ledgers (issue 15, 2–3): search `q`, filters, pages with the total, the
same filters in the API, the export read back, never another unit's rows."""

from datetime import datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from accountability import services
from accountability.models import AccountabilityCase, Bulletin
from efficiency.workdays import SHANGHAI
from tests.listing import column, copies, read_xlsx, total

pytestmark = pytest.mark.django_db
FRIDAY = datetime(2024, 9, 13, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def cases(org):
    with time_machine.travel(FRIDAY, tick=False):
        return {"a": services.case_open(actor=org.office, unit=org.unit_a, person=org.clerk_a,
                                        reason="不动产登记窗口推诿扯皮"),
                "b": services.case_open(actor=org.office, unit=org.unit_b, person=org.clerk_b,
                                        reason="食品经营许可超期未办")}


def test_cases_search_filter_page_and_api(client, org, cases):
    client.force_login(org.office)
    url = "/accountability/cases/"
    html = client.get(url, {"q": cases["a"].number}).content.decode()
    assert total(html) == 1 and cases["a"].number in html and cases["b"].number not in html
    assert total(client.get(url, {"q": "推诿"}).content.decode()) == 1
    assert total(client.get(url, {"q": "王经办"}).content.decode()) == 1  # a party: the person
    assert total(client.get(url, {"unit": org.unit_b.pk}).content.decode()) == 1
    assert total(client.get(url, {"status": "investigating", "date_from": "2024-09-13"}).content.decode()) == 2
    assert total(client.get(url, {"date_to": "2024-09-12"}).content.decode()) == 0
    copies(cases["b"], 50, number=lambda i: f"WZ-COPY-{i:03d}")
    html = client.get(url, {"page": 2}).content.decode()
    assert total(html) == 52 and "第 2/2 页" in html
    api = APIClient()
    api.force_authenticate(org.office)
    r = api.get("/api/v1/accountability/cases/", {"q": "推诿"})
    assert [c["id"] for c in r.json()["results"]] == [cases["a"].pk]
    assert api.get("/api/v1/accountability/cases/", {"person": org.clerk_a.pk}).json()["count"] == 1
    assert api.get("/api/v1/accountability/cases/", {"status": "bogus"}).status_code == 400


def test_the_case_export_reads_back_and_keeps_to_scope(client, org, cases):
    client.force_login(org.office)
    rows = read_xlsx(client.get("/accountability/cases/export.xlsx", {"q": "推诿"}))
    assert rows[0][:3] == ["案件编号", "立案时间", "来源"]
    assert column(rows, "案件编号") == [cases["a"].number]
    assert column(rows, "立案时间") == [datetime(2024, 9, 13, 10, 0)] and column(rows, "责任人") == ["张经办"]
    client.force_login(org.clerk_b)  # a clerk: their own cases only
    rows = read_xlsx(client.get("/accountability/cases/export.xlsx"))
    assert column(rows, "案件编号") == [cases["b"].number]
    assert read_xlsx(client.get("/accountability/cases/export.xlsx", {"unit": org.unit_a.pk}))[1:] == []
    assert total(client.get("/accountability/cases/").content.decode()) == 1


def test_bulletins_search_filter_export_and_api(client, org, cases):
    with time_machine.travel(FRIDAY, tick=False):
        b1 = services.bulletin_create(actor=org.office, title="关于不动产登记推诿问题的通报", body="典型案例。",
                                      kind=Bulletin.Kind.CRITICISM, cases=[cases["a"]])
        services.bulletin_create(actor=org.office, title="关于窗口服务之星的通报表扬", body="表扬。",
                                 kind=Bulletin.Kind.COMMENDATION)
    client.force_login(org.office)
    url = "/accountability/bulletins/"
    assert total(client.get(url).content.decode()) == 2
    assert total(client.get(url, {"q": "不动产"}).content.decode()) == 1
    assert total(client.get(url, {"q": org.unit_a.name}).content.decode()) == 1  # a party: the case's unit
    assert total(client.get(url, {"kind": Bulletin.Kind.COMMENDATION}).content.decode()) == 1
    rows = read_xlsx(client.get("/accountability/bulletins/export.xlsx", {"kind": Bulletin.Kind.CRITICISM}))
    assert rows[0][:2] == ["文号", "标题"] and column(rows, "标题") == [b1.title]
    assert column(rows, "起草时间") == [datetime(2024, 9, 13, 10, 0)]
    assert column(rows, "涉及问责案件") == [cases["a"].number]
    api = APIClient()
    api.force_authenticate(org.office)
    assert [b["id"] for b in api.get("/api/v1/accountability/bulletins/", {"q": "推诿"}).json()["results"]] == [b1.pk]
    client.force_login(org.clerk_a)  # drafts are the office's: a unit gets 404 on the page and the export
    assert client.get(url).status_code == 404
    assert client.get("/accountability/bulletins/export.xlsx").status_code == 404
    assert AccountabilityCase.objects.count() == 2
