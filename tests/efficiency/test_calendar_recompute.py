"""Calendar changes move open deadlines and tell the owners (DESIGN.md: provisional years)."""

import io
from datetime import date, datetime

import pytest
import time_machine
from django.core.management import call_command

from efficiency import clocks
from efficiency.calendar import CalendarImportError, calendar_import_year, calendar_set_day
from efficiency.clocks import Limit
from efficiency.models import CalendarSource, CalendarYear, Event, Notification
from efficiency.notifications import notifications_fan_out
from efficiency.workdays import SHANGHAI, day_kind
from tests.clocktest.models import TimedItem

pytestmark = pytest.mark.django_db

# The State Council's 2027 notice as the administrator would type it (an invented one: the
# real notice is not out yet). Spring Festival Feb 5–13, Sun Jan 31 and Sat Feb 20 worked.
OFFICIAL_2027 = """日期,类别,名称
2027-01-01,放假,元旦
2027-01-31,上班,春节调休
2027-02-05,放假,春节
2027-02-06,放假,春节
2027-02-07,放假,春节
2027-02-08,放假,春节
2027-02-09,放假,春节
2027-02-10,放假,春节
2027-02-11,放假,春节
2027-02-12,放假,春节
2027-02-13,放假,春节
2027-02-20,上班,春节调休
2027-10-01,holiday,国庆节
"""


def eod(y, m, d):
    return datetime(y, m, d, 23, 59, 59, tzinfo=SHANGHAI)


def started(org, when, limit):
    with time_machine.travel(when, tick=False):
        item = TimedItem.objects.create(unit=org.unit_a, owner=org.clerk_a, title="春节前的交办件")
        return clocks.clock_start(item, actor=org.head_a, limit=limit)


def test_loading_the_official_2027_recomputes_moves_and_tells_the_owner(org):  # R01 R02
    item = started(org, datetime(2027, 1, 29, 10, tzinfo=SHANGHAI), Limit(5))
    # Provisional 2027: Feb 1–4, then 除夕 to 初三 + two art. 6 补假 days (Feb 5–10), then Feb 11.
    assert item.due_at == eod(2027, 2, 11)
    assert item.is_provisional
    done = started(org, datetime(2027, 1, 29, 10, tzinfo=SHANGHAI), Limit(5))
    clocks.clock_close(done, actor=org.clerk_a, at=datetime(2027, 1, 29, 11, tzinfo=SHANGHAI))
    with time_machine.travel(datetime(2027, 1, 30, 10, tzinfo=SHANGHAI), tick=False):
        result = calendar_import_year(actor=org.sysadmin, year=2027, content=OFFICIAL_2027)
        assert result["recomputed"] == 1
        item.refresh_from_db()
        # Official: Sun Jan 31 (调休上班), Feb 1, 2, 3, 4.
        assert item.due_at == eod(2027, 2, 4)
        assert not item.is_provisional
        assert CalendarYear.objects.get(year=2027).source == CalendarSource.OFFICIAL
        assert day_kind(date(2027, 1, 31)) == "workday"
        moved = Event.objects.get(kind="clock.rescheduled", subject_id=item.pk)
        assert "2027-02-11" in moved.message and "2027-02-04" in moved.message
        assert datetime.fromisoformat(moved.payload["old_due_at"]) == eod(2027, 2, 11)
        assert datetime.fromisoformat(moved.payload["due_at"]) == eod(2027, 2, 4)
        assert not Event.objects.filter(kind="clock.rescheduled", subject_id=done.pk).exists()
        notifications_fan_out()
    told = Notification.objects.filter(event=moved, user=org.clerk_a)
    assert sorted(told.values_list("channel", flat=True)) == ["email", "inbox"]
    assert "2027-02-04" in told.get(channel="inbox").body


def test_a_single_day_edit_moves_open_due_dates(org):  # R01
    item = started(org, datetime(2025, 9, 30, 10, tzinfo=SHANGHAI), Limit(3))
    assert item.due_at == eod(2025, 10, 11)
    calendar_set_day(actor=org.sysadmin, day=date(2025, 10, 10), kind="holiday", name="临时放假")
    item.refresh_from_db()
    assert item.due_at == eod(2025, 10, 13)  # Oct 9, Sat Oct 11, Mon Oct 13
    assert Event.objects.filter(kind="clock.rescheduled", subject_id=item.pk, recipients=["owner"]).count() == 1
    calendar_set_day(actor=org.sysadmin, day=date(2025, 10, 10), kind=None)
    item.refresh_from_db()
    assert item.due_at == eod(2025, 10, 11)


def test_a_day_edit_also_moves_a_red_card_date_after_a_past_due_date(org):
    item = started(org, datetime(2025, 9, 30, 10, tzinfo=SHANGHAI), Limit(3))
    assert item.red_at == eod(2025, 10, 15)
    calendar_set_day(actor=org.sysadmin, day=date(2025, 10, 14), kind="holiday", name="临时放假")
    item.refresh_from_db()
    assert (item.due_at, item.red_at) == (eod(2025, 10, 11), eod(2025, 10, 16))
    assert not Event.objects.filter(kind="clock.rescheduled").exists()  # the due date did not move


def test_editing_a_day_of_an_unseeded_year_keeps_its_statutory_holidays(org):
    calendar_set_day(actor=org.sysadmin, day=date(2028, 3, 4), kind="workday", name="调休")
    assert day_kind(date(2028, 1, 1)) == "holiday"  # 元旦 still there
    assert day_kind(date(2028, 3, 4)) == "workday"
    assert CalendarYear.objects.get(year=2028).source == CalendarSource.PROVISIONAL


def test_a_bad_csv_imports_nothing_and_says_which_rows(org):
    bad = "2027-01-01,放假,元旦\n2027-13-01,放假,x\n2026-10-01,放假,国庆\n2027-02-01,请假,x\n"
    with pytest.raises(CalendarImportError) as exc:
        calendar_import_year(actor=org.sysadmin, year=2027, content=bad)
    assert [e[:5] for e in exc.value.errors] == ["第 2 行", "第 3 行", "第 4 行"]
    assert CalendarYear.objects.get(year=2027).source == CalendarSource.PROVISIONAL


def test_the_calendar_command_imports_a_year(org, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(OFFICIAL_2027, encoding="utf-8")
    out = io.StringIO()
    call_command("calendar", "import", "2027", str(path), stdout=out)
    assert out.getvalue().startswith("imported 2027")
    assert CalendarYear.objects.get(year=2027).source == CalendarSource.OFFICIAL
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("calendar", "import", "2027", str(tmp_path / "missing.csv"), stderr=err)
    assert exit_.value.code == 2 and "无法读取文件" in err.getvalue()


def test_the_system_administrator_imports_a_year_on_the_calendar_page(org, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(org.sysadmin)
    page = client.get("/calendar/")
    assert page.status_code == 200 and "导入年度官方日历" in page.content.decode()
    upload = SimpleUploadedFile("2027.csv", OFFICIAL_2027.encode("utf-8"), content_type="text/csv")
    response = client.post("/calendar/", {"year": 2027, "file": upload})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).source == CalendarSource.OFFICIAL
    bad = SimpleUploadedFile("bad.csv", "2027-02-30,放假,x\n".encode(), content_type="text/csv")
    response = client.post("/calendar/", {"year": 2027, "file": bad})
    assert response.status_code == 400 and "格式错误" in response.content.decode()


def test_a_clerk_sees_the_calendar_but_cannot_import(org, client):
    client.force_login(org.clerk_a)
    page = client.get("/calendar/")
    assert page.status_code == 200 and "导入年度官方日历" not in page.content.decode()
    upload = __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile("a.csv", b"x")
    assert client.post("/calendar/", {"year": 2027, "file": upload}).status_code == 403
    assert CalendarYear.objects.get(year=2027).source == CalendarSource.PROVISIONAL


def test_open_deadlines_in_a_provisional_year_raise_the_banner(org):
    from efficiency.queries import provisional_years_with_open_deadlines

    assert provisional_years_with_open_deadlines() == []
    item = started(org, datetime(2026, 12, 28, 10, tzinfo=SHANGHAI), Limit(10))
    assert item.is_provisional and item.due_at.year == 2027
    assert provisional_years_with_open_deadlines() == [2027]
    clocks.clock_close(item, actor=org.clerk_a, at=datetime(2026, 12, 29, 10, tzinfo=SHANGHAI))
    assert provisional_years_with_open_deadlines() == []
