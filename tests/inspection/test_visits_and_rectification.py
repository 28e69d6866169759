import io
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from PIL import Image

from efficiency.models import ClockState, Event, Rung
from efficiency.sweep import sweep
from efficiency.workdays import SHANGHAI
from inspection import queries, services
from inspection.models import Method, Rectification

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _visit(org, plan, kind=Method.OPEN, on=date(2026, 3, 9)):
    return services.visit_record(actor=org.office, plan=plan, unit=org.unit_a, kind=kind, visited_on=on,
                                 place="政务服务中心二楼", people_met="窗口负责人张某", summary="窗口空岗")


def _finding(org, visit, days=30, feedback=date(2026, 3, 10)):
    return services.finding_record(actor=org.office, visit=visit, title="工作时间窗口空岗", rectify_target="窗口全时段有人",
                                   rectify_days=days, feedback_date=feedback, responsible=org.clerk_a)


def test_an_unannounced_visit_is_hidden_from_the_visited_unit_until_closed(org, approved_plan):  # R33
    visit = _visit(org, approved_plan, kind=Method.UNANNOUNCED)
    finding = _finding(org, visit)
    for person in (org.clerk_a, org.head_a):
        with pytest.raises(Http404):
            queries.access_visit(person, visit.pk)
        with pytest.raises(Http404):
            queries.access_finding(person, finding.pk)
    assert not Rectification.objects.exists()  # no rectification tells the unit either
    services.visit_close(actor=org.office, visit=visit)
    assert queries.access_visit(org.head_a, visit.pk) == visit
    assert queries.access_finding(org.clerk_a, finding.pk) == finding
    assert Rectification.objects.get(finding=finding).unit == org.unit_a


def test_an_open_visit_is_visible_to_the_visited_unit_but_not_to_another(org, approved_plan):  # R33
    visit = _visit(org, approved_plan)
    assert queries.access_visit(org.clerk_a, visit.pk) == visit
    with pytest.raises(Http404):
        queries.access_visit(org.clerk_b, visit.pk)


def test_a_photo_is_accepted_only_when_its_content_is_an_image(org, approved_plan):  # R33
    visit = _visit(org, approved_plan)
    fake = SimpleUploadedFile("photo.jpg", b"not really a jpeg", content_type="image/jpeg")
    with pytest.raises(ValidationError, match="图片"):
        services.visit_photo_add(actor=org.office, visit=visit, upload=fake)
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    photo = services.visit_photo_add(actor=org.office, visit=visit,
                                     upload=SimpleUploadedFile("a.jpg", buf.getvalue(), content_type="text/plain"))
    assert photo.content_type == "image/png"


def test_a_finding_starts_a_rectification_clock_with_the_deadline_it_sets(org, approved_plan):  # R13
    finding = _finding(org, _visit(org, approved_plan), days=30)
    rect = finding.rectification
    assert rect.owner == org.clerk_a and rect.target == "窗口全时段有人"
    assert rect.time_rule.code == "rectification"
    assert rect.due_at.astimezone(SHANGHAI).date() == date(2026, 4, 9)
    assert Event.objects.filter(kind="inspection.finding", subject_id=finding.pk).count() == 1


def test_the_deadline_counts_from_the_feedback_date(org, approved_plan):  # R13
    finding = _finding(org, _visit(org, approved_plan, on=date(2026, 2, 1)), days=10, feedback=date(2026, 2, 2))
    assert finding.rectification.due_at.astimezone(SHANGHAI).date() == date(2026, 2, 12)


def test_a_late_rectification_turns_red_in_the_sweep_and_closes_late(org, approved_plan):  # R13
    rect = _finding(org, _visit(org, approved_plan), days=5).rectification
    sweep(now=rect.due_at + timedelta(days=10))
    rect.refresh_from_db()
    assert rect.breach_level >= Rung.RED and rect.colour == "red"
    with time_machine.travel(rect.due_at + timedelta(days=10), tick=False):
        services.rectification_report(actor=org.clerk_a, rect=rect, report="已安排AB岗")
        services.rectification_verify(actor=org.office, rect=rect, note="复查合格")
    rect.refresh_from_db()
    assert rect.status == Rectification.Status.VERIFIED and rect.clock_state == ClockState.DONE_LATE


def test_the_office_returns_a_rectification_and_the_clock_resumes(org, approved_plan):  # R13
    rect = _finding(org, _visit(org, approved_plan)).rectification
    services.rectification_report(actor=org.clerk_a, rect=rect, report="已整改")
    rect.refresh_from_db()
    assert rect.paused_at is not None
    services.rectification_return(actor=org.office, rect=rect, note="制度未建立")
    rect.refresh_from_db()
    assert rect.status == Rectification.Status.OPEN and rect.paused_at is None and rect.returns == 1
    assert Event.objects.filter(kind="rectification.returned", subject_id=rect.pk).count() == 1
    services.rectification_report(actor=org.clerk_a, rect=rect, report="已建立AB岗制度")
    services.rectification_verify(actor=org.office, rect=rect)
    rect.refresh_from_db()
    assert rect.clock_state == ClockState.DONE
    assert Event.objects.filter(kind="rectification.verified", subject_id=rect.pk).count() == 1


def test_another_unit_cannot_report_or_see_a_rectification(org, approved_plan):
    rect = _finding(org, _visit(org, approved_plan)).rectification
    with pytest.raises(PermissionDenied):
        services.rectification_report(actor=org.clerk_b, rect=rect, report="x")
    with pytest.raises(Http404):
        queries.access_rectification(org.clerk_b, rect.pk)
    services.rectification_report(actor=org.clerk_a, rect=rect, report="已整改")


def test_a_finding_proposes_an_accountability_case(org, approved_plan):
    finding = _finding(org, _visit(org, approved_plan))
    services.finding_propose_accountability(actor=org.office, finding=finding, reason="整改敷衍")
    event = Event.objects.get(kind="accountability.propose", subject_id=finding.pk)
    assert event.payload == {"person_id": org.clerk_a.pk, "unit_id": org.unit_a.pk, "reason": "整改敷衍",
                             "source": "finding"}
    with pytest.raises(ValidationError):
        services.finding_propose_accountability(actor=org.office, finding=finding, reason="again")


def test_a_visit_to_a_unit_outside_the_plans_scope_is_refused(org, plan_factory):  # R33
    plan = services.plan_approve(actor=org.leader, plan=plan_factory(units=[org.unit_a], sample_size=1))
    with pytest.raises(ValidationError, match="检查范围"):
        services.visit_record(actor=org.office, plan=plan, unit=org.unit_b, kind=Method.OPEN,
                              visited_on=date(2026, 3, 9))


def test_a_finding_of_an_unannounced_visit_is_announced_to_its_unit_when_the_visit_closes(org, approved_plan):  # R33
    visit = _visit(org, approved_plan, kind=Method.UNANNOUNCED)
    finding = _finding(org, visit)
    assert not Event.objects.filter(kind="inspection.finding").exists()
    assert not Event.objects.filter(unit=org.unit_a).exists()
    services.visit_close(actor=org.office, visit=visit)
    assert Event.objects.get(kind="inspection.finding", subject_id=finding.pk).unit == org.unit_a


def test_the_rectification_turns_yellow_exactly_at_its_due_time(org, approved_plan):  # R13
    rect = _finding(org, _visit(org, approved_plan), days=5).rectification
    due = rect.due_at
    sweep(now=due - timedelta(seconds=1))
    rect.refresh_from_db()
    assert rect.breach_level < Rung.YELLOW
    sweep(now=due)
    rect.refresh_from_db()
    assert rect.breach_level == Rung.YELLOW and rect.clock_state == ClockState.OVERDUE


def test_results_are_not_published_while_an_unannounced_visit_is_open(org, approved_plan):  # R33
    visit = _visit(org, approved_plan, kind=Method.UNANNOUNCED)
    with pytest.raises(ValidationError, match="暗访"):
        services.plan_publish_results(actor=org.office, plan=approved_plan)
    services.visit_close(actor=org.office, visit=visit)
    services.plan_publish_results(actor=org.office, plan=approved_plan)


def test_the_unit_files_its_measures_and_its_head_names_the_responsible_person(org, approved_plan):  # R13
    rect = _finding(org, _visit(org, approved_plan)).rectification
    with pytest.raises(PermissionDenied):
        services.rectification_measures_set(actor=org.clerk_a, rect=rect, measures="建立AB岗", owner=org.head_a)
    with pytest.raises(PermissionDenied):
        services.rectification_measures_set(actor=org.head_b, rect=rect, measures="x")
    services.rectification_measures_set(actor=org.head_a, rect=rect, measures="建立AB岗；公示一次性告知单",
                                        owner=org.head_a)
    rect.refresh_from_db()
    assert rect.owner == org.head_a and rect.measures_at is not None and rect.measures.startswith("建立AB岗")
    assert Event.objects.filter(kind="rectification.measures", subject_id=rect.pk).exists()


def test_r64_a_rectification_without_goal_is_refused_and_its_plan_must_name_the_responsible_person(
        org, approved_plan):
    """R64 (2010 三(三)): every rectification names its goal, responsible party and deadline."""
    visit = _visit(org, approved_plan)
    for bad in ("", "   "):
        with pytest.raises(ValidationError, match="整改目标"):
            services.finding_record(actor=org.office, visit=visit, title="空岗", rectify_target=bad, rectify_days=10)
    with pytest.raises(ValidationError, match="整改期限"):
        services.finding_record(actor=org.office, visit=visit, title="空岗", rectify_target="整改", rectify_days=0)
    finding = services.finding_record(actor=org.office, visit=visit, title="空岗", rectify_target="窗口有人",
                                      rectify_days=10)  # no responsible person yet
    rect = finding.rectification
    assert rect.target == "窗口有人" and rect.due_at is not None and rect.owner is None
    with pytest.raises(ValidationError, match="责任人"):
        services.rectification_measures_set(actor=org.clerk_a, rect=rect, measures="建立AB岗")
    with pytest.raises(ValidationError, match="责任人"):
        services.rectification_report(actor=org.clerk_a, rect=rect, report="已整改")
    services.rectification_measures_set(actor=org.head_a, rect=rect, measures="建立AB岗", owner=org.clerk_a)
    services.rectification_report(actor=org.clerk_a, rect=rect, report="已整改")
    rect.refresh_from_db()
    assert rect.owner == org.clerk_a and rect.status == Rectification.Status.REPORTED


def test_r41_research_visits_record_whether_announced_and_the_unannounced_share_is_counted(org, approved_plan,
                                                                                              client):
    """R41 (2019 (五)): ≥ 50% of decision research visits (调研) unannounced — recorded and counted."""
    for kind in (Method.OPEN, Method.OPEN, Method.UNANNOUNCED):
        services.visit_record(actor=org.office, plan=approved_plan, unit=org.unit_a, kind=kind,
                              visited_on=date(2026, 3, 9), research=True)
    _visit(org, approved_plan, kind=Method.UNANNOUNCED)  # an inspection, not a research visit: not counted
    share = queries.research_share(2026)
    assert (share["total"], share["unannounced"], share["share"], share["meets"]) == (3, 1, 33.3, False)
    services.visit_record(actor=org.office, plan=approved_plan, unit=org.unit_a, kind=Method.UNANNOUNCED,
                          visited_on=date(2026, 3, 9), research=True)
    assert queries.research_share(2026)["meets"] is True
    client.force_login(org.office)
    assert "不事先通知、随机暗访 2 次" in client.get("/inspection/").content.decode()
