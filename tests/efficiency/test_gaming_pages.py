"""Gaming detection (issue 18): the office's list, a finding's evidence, the decisions (audited,
office only), the export, the run button and the thresholds form; the scorecard's deduction."""

from datetime import date
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from dashboards import scoring
from dashboards.models import UnitDayCounter
from efficiency import gaming
from efficiency.models import AuditLog, Event, GamingFinding, GamingRule, GamingRun

from .test_gaming import END, START, at, close_reopen, late_pauses

pytestmark = pytest.mark.django_db
DECEMBER = date(2025, 12, 1)


@pytest.fixture
def found(org):
    late_pauses(org, 3)
    close_reopen(org)
    gaming.detect(START, END)
    return GamingFinding.objects.order_by("pk")


def test_the_office_lists_searches_and_filters_the_findings(client, org, found):
    client.force_login(org.office)
    page = client.get(reverse("gaming_list")).content.decode()
    assert page.count("clocktest.timeditem#") == 4 and 'data-nav="gaming"' in page
    only_b = client.get(reverse("gaming_list"), {"unit": org.unit_b.pk}).content.decode()
    assert only_b.count("clocktest.timeditem#") == 1
    assert client.get(reverse("gaming_list"), {"pattern": "late_pause"}).content.decode().count("timeditem#") == 3
    assert client.get(reverse("gaming_list"), {"q": "市场监督"}).content.decode().count("timeditem#") == 1
    assert client.get(reverse("gaming_list"), {"status": "confirmed"}).content.decode().count("timeditem#") == 0
    # hostile input: a bad unit and an odd search are a form error / no rows, never a 500
    assert client.get(reverse("gaming_list"), {"unit": "x'--", "q": "%_<script>"}).status_code == 200


def test_the_list_pages_by_keyset(client, org, found, monkeypatch):
    from efficiency import listing

    monkeypatch.setattr(listing.paginate, "__defaults__", (2,))  # two findings a page
    client.force_login(org.office)
    first = client.get(reverse("gaming_list")).context
    assert first["page"].has_next and first["page"].next_token
    second = client.get(reverse("gaming_list"), {"after": first["page"].next_token}).context
    seen = [f.pk for f, _label in first["items"]] + [f.pk for f, _label in second["items"]]
    assert sorted(seen) == sorted(found.values_list("pk", flat=True))


def test_a_leader_reads_the_list_and_a_finding_but_cannot_decide(client, org, found):
    client.force_login(org.leader)
    assert client.get(reverse("gaming_list")).status_code == 200
    f = found.first()
    page = client.get(reverse("gaming_detail", args=[f.pk])).content.decode()
    assert "gaming-decide" not in page
    assert client.post(reverse("gaming_decide", args=[f.pk]), {"action": "confirm"}).status_code == 403
    assert GamingFinding.objects.get(pk=f.pk).status == "open"


def test_a_clerk_is_refused_403_for_the_own_unit_and_404_for_another(client, org, found):
    a_finding = found.filter(unit=org.unit_a).first()
    client.force_login(org.clerk_a)
    assert client.get(reverse("gaming_list")).status_code == 404
    assert client.get(reverse("gaming_export")).status_code == 404
    assert client.get(reverse("gaming_detail", args=[a_finding.pk])).status_code == 403
    assert client.post(reverse("gaming_decide", args=[a_finding.pk]),
                       {"action": "dismiss", "reason": "x"}).status_code == 403
    client.force_login(org.clerk_b)
    assert client.get(reverse("gaming_detail", args=[a_finding.pk])).status_code == 404
    assert client.post(reverse("gaming_decide", args=[a_finding.pk]),
                       {"action": "confirm"}).status_code == 404
    assert client.get(reverse("gaming_detail", args=[999999])).status_code == 404
    assert GamingFinding.objects.get(pk=a_finding.pk).status == "open"


def test_a_findings_page_shows_the_figures_in_words_and_the_events_with_links(client, org, found):
    client.force_login(org.office)
    f = found.get(pattern="close_reopen")
    page = client.get(reverse("gaming_detail", args=[f.pk])).content.decode()
    assert "临期办结后重新计时" in page and "时限被重置增加天数" in page and "2025-11-10 16:00" in page
    assert "停止计时" in page and "开始计时" in page
    assert reverse("dashboards:item", args=["clocktest.timeditem", f.subject_id]) in page


def test_dismissal_needs_a_reason_and_is_audited(client, org, found):
    f = found.first()
    client.force_login(org.office)
    client.post(reverse("gaming_decide", args=[f.pk]), {"action": "dismiss", "reason": "  "})
    assert GamingFinding.objects.get(pk=f.pk).status == "open"
    client.post(reverse("gaming_decide", args=[f.pk]), {"action": "dismiss", "reason": "专家评审确需，非规避"})
    f.refresh_from_db()
    assert (f.status, f.reason, f.decided_by) == ("dismissed", "专家评审确需，非规避", org.office)
    audit = AuditLog.objects.filter(object_type="efficiency.gamingfinding", object_id=str(f.pk)).get()
    assert audit.actor == org.office and audit.after["status"] == "dismissed"
    assert Event.objects.filter(kind="gaming.dismissed", subject_id=f.pk).count() == 1
    # decided once: a second decision is refused
    client.post(reverse("gaming_decide", args=[f.pk]), {"action": "confirm"})
    assert GamingFinding.objects.get(pk=f.pk).status == "dismissed"


def test_the_export_contains_the_findings_with_the_filters(client, org, found):
    client.force_login(org.office)
    response = client.get(reverse("gaming_export"), {"pattern": "late_pause"})
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content if response.streaming
                                               else [response.content]))).active.values)
    text = "\n".join(" ".join(str(c) for c in row if c is not None) for row in rows)
    assert text.count("临期暂停") >= 3 and "鄂州市自然资源和规划局" in text and "临期办结后重新计时" not in text


def test_the_run_button_queues_a_job_that_the_task_runs(client, org, django_capture_on_commit_callbacks):
    late_pauses(org, 3)
    client.force_login(org.office)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("gaming_run"), {"start": "2025-11-01", "end": "2025-12-31"})
    job = GamingRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("gaming_run_page", args=[job.pk])
    assert AuditLog.objects.filter(object_type="efficiency.gamingrun").exists()
    assert job.state == "queued"
    from efficiency.tasks import gaming_run_task

    gaming_run_task.apply(args=[job.pk]).get()
    job.refresh_from_db()
    assert job.state == "done" and job.result["late_pause"]["found"] == 3
    page = client.get(reverse("gaming_run_progress", args=[job.pk])).content.decode()
    assert 'data-state="done"' in page and "3" in page
    gaming.run_job(job.pk)  # delivered twice: runs once
    assert GamingRun.objects.get(pk=job.pk).result == job.result
    # a bad window is refused with a message; a leader may not run it; a clerk does not see it
    assert client.post(reverse("gaming_run"), {"start": "2025-12-31", "end": "2025-11-01"}).status_code == 302
    assert GamingRun.objects.count() == 1
    client.force_login(org.leader)
    assert client.post(reverse("gaming_run"), {"start": "2025-11-01", "end": "2025-12-31"}).status_code == 403
    assert client.get(reverse("gaming_run_page", args=[job.pk])).status_code == 404
    client.force_login(org.clerk_a)
    assert client.post(reverse("gaming_run"), {"start": "2025-11-01", "end": "2025-12-31"}).status_code == 404


def test_the_office_edits_the_thresholds_in_the_form_audited(client, org):
    client.force_login(org.office)
    assert client.get(reverse("gaming_rules")).status_code == 200
    response = client.post(reverse("gaming_rules"), {
        "code": "late_pause", "late_pause-is_active": "on", "late_pause-th_share": "0.2",
        "late_pause-th_last_workdays": "2", "late_pause-th_min_count": "5"})
    assert response.status_code == 302
    rule = GamingRule.objects.get(code="late_pause")
    assert rule.thresholds == {"share": 0.2, "last_workdays": 2, "min_count": 5} and rule.updated_by == org.office
    assert AuditLog.objects.filter(object_type="efficiency.gamingrule", action="update").exists()
    bad = client.post(reverse("gaming_rules"), {"code": "late_pause", "late_pause-th_share": "-1",
                                                "late_pause-th_last_workdays": "x", "late_pause-th_min_count": "3"})
    assert bad.status_code == 400 and GamingRule.objects.get(code="late_pause").thresholds["min_count"] == 5
    assert client.post(reverse("gaming_rules"), {"code": "nope"}).status_code == 404
    client.force_login(org.leader)
    assert client.get(reverse("gaming_rules")).status_code == 200
    assert client.post(reverse("gaming_rules"), {"code": "late_pause", "late_pause-th_share": "0.5",
                                                 "late_pause-th_last_workdays": "1",
                                                 "late_pause-th_min_count": "1"}).status_code == 403
    client.force_login(org.head_a)
    assert client.get(reverse("gaming_rules")).status_code == 404


def _score(org):
    return next(s for s in scoring.unit_scores(DECEMBER) if s.unit_id == org.unit_a.pk)


def test_a_confirmed_finding_takes_points_off_the_months_score_a_dismissed_one_does_not(org, found):
    UnitDayCounter.objects.create(date=date(2025, 12, 2), unit=org.unit_a, kind="assignment.urged", count=1)
    before = _score(org).score
    assert before == 99.0  # one urging: 督办催办 90 × 10%
    a, b, c = found.filter(unit=org.unit_a, pattern="late_pause")
    with time_machine.travel(at(2025, 12, 10, 10), tick=False):
        gaming.finding_dismiss(a.pk, actor=org.office, reason="确需专家评审")
    assert _score(org).score == before and _score(org).gaming == 0
    with time_machine.travel(at(2025, 12, 10, 11), tick=False):
        gaming.finding_confirm(b.pk, actor=org.office)
    after = _score(org)
    assert after.gaming == 1 and after.score == before - 5  # the local default penalty
    assert after.parts["gaming"] == -5.0
    # open findings never count
    assert GamingFinding.objects.filter(unit=org.unit_a, status="open").count() == 1


def test_the_api_lists_the_findings_for_the_office_and_leaders_only(org, found):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(org.office)
    body = api.get("/api/v1/gaming/findings/", {"pattern": "late_pause"}).json()
    assert len(body["results"]) == 3 and body["results"][0]["unit_name"] == "鄂州市自然资源和规划局"
    assert body["results"][0]["figures"]["unit_count"] == 3
    api.force_authenticate(org.leader)
    assert api.get("/api/v1/gaming/findings/").status_code == 200
    api.force_authenticate(org.clerk_a)
    assert api.get("/api/v1/gaming/findings/").status_code == 404
