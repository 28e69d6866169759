"""efficiency.listing's parts on their own: a workspace's partial list says how many there are in
all; the export writes every row, dates in China time, the header in bold."""

from datetime import datetime, timezone as tz

import pytest
from django.test import RequestFactory

from efficiency import listing
from efficiency.models import Unit
from tests.factories import make_unit
from tests.listing import read_xlsx

pytestmark = pytest.mark.django_db


def test_a_partial_list_knows_it_is_partial():
    for i in range(3):
        make_unit(f"单位{i}", code=f"U{i}")
    head = listing.Head(Unit.objects.order_by("code"), n=2)
    assert len(head) == 2 and head.total == 3 and head.more
    whole = listing.Head(Unit.objects.order_by("code"), n=5)
    assert whole.total == 3 and not whole.more


def test_the_export_writes_every_row_in_china_time():
    rows = [{"n": i, "at": datetime(2026, 1, 1, 16, 30, tzinfo=tz.utc)} for i in range(2500)]
    columns = [listing.Column("序号", lambda r: r["n"]), listing.Column("时间", lambda r: r["at"])]
    sheet = read_xlsx(listing.xlsx_response(iter(rows), columns, "台账.xlsx"))
    assert sheet[0] == ["序号", "时间"] and len(sheet) == 2501
    assert sheet[-1] == [2499, datetime(2026, 1, 2, 0, 30)]  # 16:30 UTC is 00:30 the next day in China


def test_a_page_out_of_range_is_the_last_page():
    for i in range(3):
        make_unit(f"单位{i}", code=f"U{i}")
    request = RequestFactory().get("/", {"page": "99"})
    page = listing.paginate(request, Unit.objects.order_by("code"), per_page=2)
    assert page.number == 2 and page.total == 3 and not page.total.estimated
