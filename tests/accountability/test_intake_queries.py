"""The complaint POST's query budget (issue #17): at most 6 statements for the form and the API,
and the per-process copies of the calendar and the rules that make it possible still learn of a
change made by another process (efficiency.process_cache).

The budget tests run without the test's wrapping transaction (`transactional_db`), as a request
does in production. The filing is then ONE statement and its own transaction (no BEGIN, no
COMMIT: `efficiency.events.write_with`): the unit's lookup, the CAPTCHA's DELETE, the complaint
with its clock, its two events, the cockpit's counter and the audit row, as writable CTEs.
Before issue #17 Django's log held 17 entries (15 statements); then 8 (6 and BEGIN/COMMIT).
"""

from datetime import date

import pytest

from accountability.models import Complaint
from dashboards.models import UnitDayCounter
from efficiency import clocks, process_cache, workdays
from efficiency.models import AuditLog, Event

from .test_public_complaints import API, FORM, api_data, form_data

BUDGET = 6  # issue #17's bar for the complaint POST
STATEMENTS = 1  # what it takes now

# A Wednesday, a working day in the seeded calendar.
WEDNESDAY = date(2025, 11, 5)


@pytest.fixture
def steady(monkeypatch):
    """A process that checked its copies a moment ago: the once-a-second check is not due."""
    monkeypatch.setattr(process_cache, "RECHECK_SECONDS", 3600)


def statements(captured) -> list[str]:
    """The statements a request sent; fails if it opened a transaction of several statements."""
    sql = [q["sql"].strip() for q in captured.captured_queries]
    assert not [s for s in sql if s in ("BEGIN", "COMMIT")], sql
    return sql


def _filed_whole(c: Complaint) -> None:
    """Everything the filing writes is there: the clock, both events, the counter, the audit row."""
    assert c.due_at is not None and c.time_rule.code == "complaint.accept" and c.clock_state == "on_track"
    events = Event.objects.filter(subject_id=c.pk, subject_type="accountability.complaint")
    assert {e.kind: (e.recipients, e.fanned_out) for e in events} == {
        "clock.started": ([], True), "complaints.filed": (c.handler_recipients, False)}
    assert events.get(kind="complaints.filed").payload["subject_unit_id"] == c.subject_unit_id
    assert AuditLog.objects.filter(object_type="accountability.complaint", object_id=str(c.pk), action="create",
                                   actor_name="公众").count() == 1
    counted = UnitDayCounter.objects.filter(kind="complaints.filed").values_list("count", flat=True)
    assert sum(counted) == Complaint.objects.count()


@pytest.mark.django_db(transaction=True)
def test_the_form_files_a_complaint_in_one_statement(client, org, steady, django_assert_max_num_queries):
    client.post(FORM, form_data(org.unit_b))  # the process's first complaint reads the calendar and the rule
    with django_assert_max_num_queries(BUDGET) as captured:
        resp = client.post(FORM, form_data(org.unit_a))
    assert len(statements(captured)) == STATEMENTS
    assert statements(captured)[0].startswith("EXECUTE efficiency_hot_")  # prepared once (efficiency/pg/prepared.py)
    assert resp.status_code == 303, resp.content.decode()  # to the receipt (Post/Redirect/Get)
    _filed_whole(Complaint.objects.get(subject_unit=org.unit_a))


@pytest.mark.django_db(transaction=True)
def test_the_api_files_a_complaint_in_one_statement(client, org, steady, django_assert_max_num_queries):
    client.post(API, api_data(org.unit_b))
    with django_assert_max_num_queries(BUDGET) as captured:
        resp = client.post(API, api_data(org.unit_a))
    assert len(statements(captured)) == STATEMENTS
    assert resp.status_code == 201
    c = Complaint.objects.get(tracking_number=resp.json()["tracking_number"])
    _filed_whole(c)
    assert not c.about_office


@pytest.mark.django_db(transaction=True)
def test_a_complaint_about_an_office_tells_the_leaders_too(client, org, steady):
    """The recipients follow the unit found by the statement itself (回避: the office and the leader)."""
    from efficiency.models import Unit

    office = Unit.objects.filter(kind=Unit.Kind.OFFICE, is_active=True).first()
    assert office is not None
    resp = client.post(API, api_data(office))
    c = Complaint.objects.get(tracking_number=resp.json()["tracking_number"])
    assert c.about_office and c.subject_unit_id == office.pk
    _filed_whole(c)
    assert Event.objects.get(subject_id=c.pk, kind="complaints.filed").recipients == ["office", "leader"]


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


@pytest.mark.django_db
def test_an_unknown_unit_leaves_the_captcha_unused_and_files_nothing(client, org, settings):
    """The unit is looked up inside the filing's statement, before the CAPTCHA's DELETE: as when
    it was looked up first, a wrong unit does not spend the challenge."""
    from captcha.models import CaptchaStore

    settings.CAPTCHA_TEST_MODE = False
    key = client.get(API + "captcha/").json()["captcha_id"]
    answer = CaptchaStore.objects.get(hashkey=key).response
    missing = client.post(API, api_data(org.unit_a, subject_unit=10**9, captcha_id=key, captcha_answer=answer))
    assert missing.status_code == 400 and "subject_unit" in missing.json()["error"]["fields"]
    assert CaptchaStore.objects.filter(hashkey=key).exists() and not Complaint.objects.exists()
    assert not Event.objects.exists() and not AuditLog.objects.filter(object_type="accountability.complaint").exists()
    assert client.post(API, api_data(org.unit_a, captcha_id=key, captcha_answer=answer)).status_code == 201


@pytest.mark.django_db
def test_a_wrong_answer_spends_the_challenge_and_writes_nothing(client, org, settings):
    from captcha.models import CaptchaStore

    settings.CAPTCHA_TEST_MODE = False
    key = client.get(API + "captcha/").json()["captcha_id"]
    wrong = client.post(API, api_data(org.unit_a, captcha_id=key, captcha_answer="nope"))
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "captcha"
    assert not CaptchaStore.objects.filter(hashkey=key).exists()
    assert not Complaint.objects.exists() and not Event.objects.exists()
    assert not UnitDayCounter.objects.exists()


@pytest.mark.django_db
def test_the_form_shows_every_error_at_once_the_unknown_unit_too(client, org):
    resp = client.post(FORM, form_data(org.unit_a, subject_unit="不存在的局", description=""))
    page = resp.content.decode()
    assert resp.status_code == 200 and "没有找到该单位" in page and not Complaint.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_subscriber_without_an_sql_form_is_still_called_in_the_filings_transaction(client, org, monkeypatch):
    """`write_with` runs the SQL forms inside its statement; a subscriber without one (a future
    app's) makes it a transaction and is called after the statement with the events written."""
    from django.db import connection

    from efficiency import registry

    seen = []

    def batch(events):
        seen.append(("batch", [e.kind for e in events], connection.in_atomic_block))

    def each(event):
        seen.append(("each", event.kind, connection.in_atomic_block))

    monkeypatch.setitem(registry._batch_subscribers, "complaints.filed",
                        [*registry._batch_subscribers["complaints.filed"], batch])
    monkeypatch.setitem(registry._subscribers, "clock.started", [*registry._subscribers["clock.started"], each])
    resp = client.post(API, api_data(org.unit_a))
    assert resp.status_code == 201
    assert seen == [("each", "clock.started", True), ("batch", ["complaints.filed"], True)]
    assert UnitDayCounter.objects.get(kind="complaints.filed").count == 1  # the SQL form ran too, once
