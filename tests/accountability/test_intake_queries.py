"""The complaint POST's query budget (issue #17): at most 6 statements for the form and the API,
and the per-process copies of the calendar and the rules that make it possible still learn of a
change made by another process (efficiency.process_cache).

The budget tests run without the test's wrapping transaction (`transactional_db`), as a request
does in production. Django's log then holds the 6 statements and the BEGIN and COMMIT of the
one transaction they share (in a test's wrapping transaction the same pair would be a SAVEPOINT
and its RELEASE): 8 entries, where it held 17 (15 statements) before issue #17.
"""

from datetime import date

import pytest
from django.db import connections

from accountability.models import Complaint
from efficiency import clocks, process_cache, workdays
from efficiency.models import Event

from .test_public_complaints import API, FORM, api_data, form_data

STATEMENTS = 6  # issue #17: the complaint POST's budget, transaction control aside

# A Wednesday, a working day in the seeded calendar.
WEDNESDAY = date(2025, 11, 5)


@pytest.fixture
def steady(monkeypatch):
    """A process that checked its copies a moment ago: the once-a-second check is not due."""
    monkeypatch.setattr(process_cache, "RECHECK_SECONDS", 3600)


def statements(captured) -> list[str]:
    """The statements a request sent, BEGIN and COMMIT aside; fails unless it used one transaction."""
    sql = [q["sql"].strip() for q in captured.captured_queries]
    assert [s for s in sql if s in ("BEGIN", "COMMIT")] == ["BEGIN", "COMMIT"], sql
    return [s for s in sql if s not in ("BEGIN", "COMMIT")]


@pytest.fixture
def other_process():
    """A second connection to the same database: what another worker process would change."""
    other = connections.create_connection("default")
    other.connect()
    other.set_autocommit(True)
    yield other
    other.close()


@pytest.mark.django_db(transaction=True)
def test_the_form_files_a_complaint_in_at_most_6_queries(client, org, steady, django_assert_max_num_queries):
    client.post(FORM, form_data(org.unit_b))  # the process's first complaint reads the calendar and the rule
    with django_assert_max_num_queries(STATEMENTS + 2) as captured:
        resp = client.post(FORM, form_data(org.unit_a))
    assert len(statements(captured)) <= STATEMENTS
    assert resp.status_code == 200, resp.content.decode()
    c = Complaint.objects.get(subject_unit=org.unit_a)
    assert c.due_at is not None and c.time_rule.code == "complaint.accept"
    kinds = set(Event.objects.filter(subject_id=c.pk, subject_type="accountability.complaint").values_list("kind", flat=True))
    assert kinds == {"clock.started", "complaints.filed"}


@pytest.mark.django_db(transaction=True)
def test_the_api_files_a_complaint_in_at_most_6_queries(client, org, steady, django_assert_max_num_queries):
    client.post(API, api_data(org.unit_b))
    with django_assert_max_num_queries(STATEMENTS + 2) as captured:
        resp = client.post(API, api_data(org.unit_a))
    assert len(statements(captured)) <= STATEMENTS
    assert resp.status_code == 201
    c = Complaint.objects.get(tracking_number=resp.json()["tracking_number"])
    assert c.due_at is not None and c.clock_state == "on_track"


def _later(monkeypatch, seconds: float) -> None:
    """Move the recheck window's clock forward instead of sleeping."""
    now = process_cache.monotonic()
    monkeypatch.setattr(process_cache, "monotonic", lambda: now + seconds)


@pytest.mark.django_db(transaction=True)
def test_a_holiday_declared_by_another_process_is_seen_within_the_recheck_window(org, monkeypatch, other_process):
    monkeypatch.setattr(process_cache, "RECHECK_SECONDS", 3600)
    assert workdays.is_workday(WEDNESDAY)
    with other_process.cursor() as cur:
        cur.execute("INSERT INTO efficiency_calendarday (date, kind, name, source) VALUES (%s, 'holiday', '测试', 'manual')",
                    [WEDNESDAY])
        cur.execute("UPDATE efficiency_calendarversion SET version = version + 1 WHERE id = 1")
    assert workdays.is_workday(WEDNESDAY), "checked a moment ago: this process has not looked yet"
    _later(monkeypatch, process_cache.RECHECK_SECONDS + 1)
    assert not workdays.is_workday(WEDNESDAY)


@pytest.mark.django_db(transaction=True)
def test_a_rule_edited_by_another_process_is_seen_within_the_recheck_window(org, monkeypatch, other_process):
    monkeypatch.setattr(process_cache, "RECHECK_SECONDS", 3600)
    before = clocks.rule_cached("complaint.accept").limit_value
    with other_process.cursor() as cur:
        cur.execute("UPDATE efficiency_timelimitrule SET limit_value = limit_value + 4 WHERE code = 'complaint.accept'")
    assert clocks.rule_cached("complaint.accept").limit_value == before
    _later(monkeypatch, process_cache.RECHECK_SECONDS + 1)
    assert clocks.rule_cached("complaint.accept").limit_value == before + 4


@pytest.mark.django_db
def test_a_day_saved_in_this_process_is_seen_at_once_and_forgotten_when_rolled_back(org, steady):
    from django.db import transaction

    from efficiency.models import CalendarDay

    assert workdays.is_workday(WEDNESDAY)
    with pytest.raises(RuntimeError), transaction.atomic():
        CalendarDay.objects.create(date=WEDNESDAY, kind="holiday", name="测试", source="manual")
        assert not workdays.is_workday(WEDNESDAY)  # the signal, whatever the recheck window
        raise RuntimeError("roll back")
    process_cache.forget_uncommitted()  # what the next request, outside any transaction, does
    assert workdays.is_workday(WEDNESDAY)


@pytest.mark.django_db
def test_the_captcha_is_used_up_only_by_a_complaint_filed(client, org, settings):
    from captcha.models import CaptchaStore

    settings.CAPTCHA_TEST_MODE = False
    key = client.get(API + "captcha/").json()["captcha_id"]
    answer = CaptchaStore.objects.get(hashkey=key).response
    refused = client.post(API, api_data(org.unit_a, is_anonymous="false", name="张三", phone="abc",
                                        captcha_id=key, captcha_answer=answer))
    assert refused.status_code == 400 and "联系电话" in refused.json()["error"]["message"]
    assert client.post(API, api_data(org.unit_a, captcha_id=key, captcha_answer=answer)).status_code == 201
    replay = client.post(API, api_data(org.unit_a, captcha_id=key, captcha_answer=answer))
    assert replay.status_code == 400 and replay.json()["error"]["code"] == "captcha"
    assert Complaint.objects.count() == 1
