"""年终考核 (R47) and 年度目标责任制考核 (R48): a unit's year computed from its monthly scorecards,
its liability incidents (问责 decisions) and the office's law-enforcement review and public
questionnaire, with the weights and grade lines as local defaults."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accountability import services as cases
from dashboards import annual, rollups, services
from dashboards.models import AnnualAssessment, AnnualParameter, AnnualReview, PersonAssessment, UnitMonthScore
from efficiency.models import AuditLog
from efficiency.workdays import SHANGHAI

from .conftest import FIRST, NOW

pytestmark = pytest.mark.django_db
OCTOBER, NOVEMBER = date(2026, 10, 1), date(2026, 11, 1)


@pytest.fixture
def rolled(data):
    rollups.rollup_days(FIRST, NOW.date())
    return data


def month_score(unit, month):
    return UnitMonthScore.objects.get(unit=unit, month=month).score


def assess(org, year=2026):
    rows = services.annual_assess(actor=org.office, year=year, now=NOW)
    return {a.unit_id: a for a in rows}


def decide(org, measures, *, decision="measure", when=datetime(2026, 6, 10, 10, 0, tzinfo=SHANGHAI)):
    """A real case against clerk A, investigated, heard and decided by the leader."""
    with time_machine.travel(when, tick=False):
        case = cases.case_open(actor=org.office, unit=org.unit_a, person=org.clerk_a, reason="不动产登记办件超期")
        case = cases.case_record_facts(case=case, actor=org.office, facts="3 件办件超期，无延期手续", evidence="系统日志")
        case = cases.case_record_statement(case=case, actor=org.clerk_a, statement="系统迁移导致延误")
        return cases.case_decide(case=case, actor=org.leader, decision=decision, reason="超期属实",
                                 person_measures=measures)


def test_r47_the_year_end_result_is_derived_from_the_monthly_records(rolled):
    a = assess(rolled)[rolled.unit_a.pk]
    oct_a, nov_a = month_score(rolled.unit_a, OCTOBER), month_score(rolled.unit_a, NOVEMBER)
    assert a.months == {**{f"2026-{m:02d}": None for m in range(1, 10)}, "2026-10": oct_a, "2026-11": nov_a}
    assert a.months_scored == 2 and a.monthly_mean == round((oct_a + nov_a) / 2, 2)
    assert (a.incident_count, a.deduction, a.efficiency) == (0, 0, a.monthly_mean)
    assert a.provisional is True and a.computed_by == rolled.office
    # The monthly record moves (heavier urging weight re-scores the months): the year-end follows.
    b_before = assess(rolled)[rolled.unit_b.pk].efficiency
    services.weight_set(actor=rolled.sysadmin, component="urging", weight=90, penalty=30)
    b = assess(rolled)[rolled.unit_b.pk]
    expected = round((month_score(rolled.unit_b, OCTOBER) + month_score(rolled.unit_b, NOVEMBER)) / 2, 2)
    assert b.efficiency == expected < b_before
    assert AnnualAssessment.objects.filter(year=2026).count() == 3  # A, B, the government: replaced, not added
    assert AuditLog.objects.filter(object_type="dashboards.annualassessment", object_id="2026").count() == 3


def test_r47_a_published_month_counts_as_published(rolled):
    services.month_publish(actor=rolled.office, month=OCTOBER, now=NOW)
    frozen = month_score(rolled.unit_b, OCTOBER)
    services.weight_set(actor=rolled.sysadmin, component="urging", weight=90, penalty=30)
    assert assess(rolled)[rolled.unit_b.pk].months["2026-10"] == frozen


def test_r47_a_major_liability_incident_lowers_the_year_end_result_and_bars_excellent(rolled):
    before = assess(rolled)[rolled.unit_a.pk]
    # Grade lines low enough that the unit would be 优秀 on its monthly record alone.
    services.annual_parameter_set(actor=rolled.sysadmin, code="g_pass", value=0)
    services.annual_parameter_set(actor=rolled.sysadmin, code="g_good", value=0)
    services.annual_parameter_set(actor=rolled.sysadmin, code="g_excellent", value=int(before.efficiency) - 1)
    assert assess(rolled)[rolled.unit_a.pk].efficiency_grade == "excellent"
    case = decide(rolled, ["transfer"])  # 调离岗位: a major incident (local default)
    a = assess(rolled)[rolled.unit_a.pk]
    assert (a.incident_count, a.major_count, a.deduction) == (1, 1, annual.DEFAULTS["d_major"])
    assert a.incidents[0]["case_id"] == case.pk and a.incidents[0]["measures"] == ["transfer"]
    assert (a.incidents[0]["labels"], a.incidents[0]["person_id"]) == (["调离岗位"], rolled.clerk_a.pk)
    assert a.efficiency == round(before.efficiency - annual.DEFAULTS["d_major"], 2)
    assert a.efficiency_grade == "good" and a.grade == "good"  # still above the 优秀 line, but barred
    assert assess(rolled)[rolled.unit_b.pk].incident_count == 0  # another unit's record is untouched


def test_r47_a_lighter_measure_is_an_incident_and_an_exemption_or_another_year_is_not(rolled):
    mean = assess(rolled)[rolled.unit_a.pk].monthly_mean
    decide(rolled, ["criticism_education"])
    decide(rolled, [], decision="none")
    decide(rolled, ["dismissal"], when=datetime(2025, 12, 31, 15, 0, tzinfo=SHANGHAI))  # last year
    a = assess(rolled)[rolled.unit_a.pk]
    assert (a.incident_count, a.major_count, a.deduction) == (1, 0, annual.DEFAULTS["d_incident"])
    assert a.efficiency == round(mean - annual.DEFAULTS["d_incident"], 2)


def test_r48_the_annual_grade_weighs_efficiency_the_law_enforcement_review_and_the_public(rolled):
    a = assess(rolled)[rolled.unit_a.pk]
    # No review entered yet: the public part is the year's 好差评 ratings, the review is missing.
    assert (a.public_source, a.law_review, a.missing) == ("ratings", None, ["law_review"])
    assert a.public == 100.0  # unit A's complaints were all rated 满意
    assert a.total == round((a.efficiency * 60 + a.public * 20) / 80, 2)
    services.annual_review_enter(actor=rolled.office, unit=rolled.unit_a, year=2026, kind="law", score=70,
                                 evidence="2026 年度行政执法评议考核报告", now=NOW)
    services.annual_review_enter(actor=rolled.office, unit=rolled.unit_a, year=2026, kind="questionnaire",
                                 score=50, respondents=320, evidence="作风建设问卷调查汇总表", now=NOW)
    a.refresh_from_db()  # entering a review recomputes the stored year at once
    assert (a.law_review, a.public, a.public_source, a.missing) == (70, 50, "questionnaire", [])
    assert a.total == round((a.efficiency * 60 + 70 * 20 + 50 * 20) / 100, 2)
    assert a.grade == annual.grade_of(a.total, annual.parameters())
    assert AuditLog.objects.filter(object_type="dashboards.annualreview", actor=rolled.office).count() == 2


def test_r48_weights_and_grade_lines_are_local_defaults_the_system_administrator_sets(rolled):
    a = assess(rolled)[rolled.unit_a.pk]
    services.annual_parameter_set(actor=rolled.sysadmin, code="w_public", value=0)
    a2 = assess(rolled)[rolled.unit_a.pk]
    assert a2.total == a.efficiency != a.total and a2.parameters["w_public"] == 0
    for who in ("office", "leader", "head_a"):
        with pytest.raises(PermissionDenied):
            services.annual_parameter_set(actor=getattr(rolled, who), code="w_public", value=10)
    with pytest.raises(ValidationError, match="优秀 ≥ 良好 ≥ 合格"):
        services.annual_parameter_set(actor=rolled.sysadmin, code="g_pass", value=95)
    with pytest.raises(ValidationError, match="主要依据"):
        services.annual_parameter_set(actor=rolled.sysadmin, code="w_efficiency", value=0)
    for code, value in (("nope", 1), ("w_law_review", 101), ("w_law_review", "x")):
        with pytest.raises(ValidationError):
            services.annual_parameter_set(actor=rolled.sysadmin, code=code, value=value)
    assert AnnualParameter.objects.get().value == 0
    rows = {r["code"]: r for r in annual.local_defaults()}
    assert rows["w_public"]["value"] == 0 and rows["w_public"]["default"] == 20
    assert rows["g_excellent"]["value"] == 90 and "R48" in rows["g_excellent"]["rule_ids"]


@pytest.mark.parametrize("who", ["leader", "head_a", "clerk_a", "sysadmin"])
def test_r48_only_the_office_assesses_and_enters_reviews(rolled, who):
    actor = getattr(rolled, who)
    with pytest.raises(PermissionDenied):
        services.annual_assess(actor=actor, year=2026, now=NOW)
    with pytest.raises(PermissionDenied):
        services.annual_review_enter(actor=actor, unit=rolled.unit_a, year=2026, kind="law", score=80,
                                     evidence="报告", now=NOW)
    assert not AnnualAssessment.objects.exists() and not AnnualReview.objects.exists()


@pytest.mark.parametrize("fields, key", [
    ({"score": 101}, "score"), ({"score": "八十"}, "score"), ({"evidence": "  "}, "evidence"),
    ({"kind": "gossip"}, "kind"), ({"kind": "questionnaire"}, "respondents"),
    ({"kind": "questionnaire", "respondents": 0}, "respondents"), ({"year": 2027}, "year"),
    ({"year": "二〇二六"}, "year"),
])
def test_r48_a_review_with_bad_input_is_refused_with_a_clear_message(rolled, fields, key):
    args = {"unit": rolled.unit_a, "year": 2026, "kind": "law", "score": 80, "evidence": "报告", **fields}
    with pytest.raises(ValidationError) as exc:
        services.annual_review_enter(actor=rolled.office, now=NOW, **args)
    assert key in exc.value.message_dict
    assert not AnnualReview.objects.exists()


def test_r48_the_efficiency_office_itself_is_not_assessed(rolled):
    with pytest.raises(ValidationError, match="不参加年度考核"):
        services.annual_review_enter(actor=rolled.office, unit=rolled.office_unit, year=2026, kind="law",
                                     score=80, evidence="报告", now=NOW)
    assert rolled.office_unit.pk not in assess(rolled)


def test_r47_a_future_year_is_refused_and_a_past_year_is_final(rolled):
    with pytest.raises(ValidationError, match="年度"):
        services.annual_assess(actor=rolled.office, year=2027, now=NOW)
    last = assess(rolled, 2025)[rolled.unit_a.pk]
    assert last.provisional is False and last.months_scored == 0 and last.efficiency is None
    assert (last.grade, last.total) == ("", None) and len(last.months) == 12


# --- pages, export, API ---------------------------------------------------------------------

def test_r48_the_office_computes_and_reads_the_year_on_its_pages_and_exports_it(rolled, client):
    from io import BytesIO

    from openpyxl import load_workbook

    decide(rolled, ["suspension"])
    client.force_login(rolled.office)
    with time_machine.travel(NOW, tick=False):
        assert client.post("/dashboards/annual/compute/", {"year": "2026"}).status_code == 302
        response = client.post("/dashboards/annual/review/", {
            "unit": rolled.unit_a.pk, "year": "2026", "kind": "law", "score": "88", "evidence": "执法评议报告"})
        assert response.status_code == 302
        page = client.get("/dashboards/annual/?year=2026").content.decode()
        a = AnnualAssessment.objects.get(unit=rolled.unit_a, year=2026)
        detail = client.get(a.get_absolute_url()).content.decode()
        export = client.get("/dashboards/annual/export/?year=2026")
    assert a.law_review == 88 and rolled.unit_a.name in page and "本地默认 (种子未规定)" in page
    assert "停职检查" in detail and "重大责任事故" in detail and "执法评议报告" in detail and "张经办" in detail
    assert "个人年终考核" in detail
    assert str(month_score(rolled.unit_a, OCTOBER)) in detail
    book = load_workbook(BytesIO(b"".join(export.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "单位" and any(r[0] == rolled.unit_a.name and r[3] == 1 and r[8] == 88 for r in rows[1:])


def test_r48_the_pages_refuse_bad_input_and_other_roles(rolled, client):
    client.force_login(rolled.office)
    with time_machine.travel(NOW, tick=False):
        client.post("/dashboards/annual/review/", {"unit": rolled.unit_a.pk, "year": "2026", "kind": "law",
                                                   "score": "九十", "evidence": "x"}, follow=True)
        assert not AnnualReview.objects.exists()
        response = client.post("/dashboards/annual/compute/", {"year": "2030"}, follow=True)
        assert "年度须在" in response.content.decode() and not AnnualAssessment.objects.exists()
        client.force_login(rolled.leader)  # reads, does not assess: 403 with the reason
        assert client.get("/dashboards/annual/").status_code == 200
        response = client.post("/dashboards/annual/compute/", {"year": "2026"})
        assert response.status_code == 403 and "只有效能办" in response.content.decode()
        for who in ("head_a", "clerk_a", "sysadmin"):  # not their page
            client.force_login(getattr(rolled, who))
            assert client.get("/dashboards/annual/").status_code == 404
            assert client.post("/dashboards/annual/compute/", {"year": "2026"}).status_code == 404
    assert not AnnualAssessment.objects.exists()


def test_r48_api_computes_lists_and_takes_a_review(rolled, client):
    client.force_login(rolled.office)
    with time_machine.travel(NOW, tick=False):
        listed = client.post("/api/v1/dashboards/annual/", {"year": 2026}, content_type="application/json")
        assert listed.status_code == 200 and {r["unit_id"] for r in listed.json()} >= {rolled.unit_a.pk}
        bad = client.post("/api/v1/dashboards/annual/reviews/", {
            "unit": rolled.unit_a.pk, "year": 2026, "kind": "questionnaire", "score": 80, "evidence": "问卷"},
            content_type="application/json")
        assert bad.status_code == 400 and "有效问卷数" in bad.content.decode()
        ok = client.post("/api/v1/dashboards/annual/reviews/", {
            "unit": rolled.unit_a.pk, "year": 2026, "kind": "questionnaire", "score": 80, "respondents": 200,
            "evidence": "问卷"}, content_type="application/json")
        assert ok.status_code == 201
        row = next(r for r in client.get("/api/v1/dashboards/annual/?year=2026").json()
                   if r["unit_id"] == rolled.unit_a.pk)
        assert (row["public"], row["public_source"]) == (80, "questionnaire")
        client.force_login(rolled.clerk_a)
        assert client.get("/api/v1/dashboards/annual/?year=2026").status_code == 404
        client.force_login(rolled.leader)
        assert client.post("/api/v1/dashboards/annual/", {"year": 2026},
                           content_type="application/json").status_code == 403


def test_r48_the_rules_page_lists_the_annual_parameters_as_local_defaults(rolled, client):
    services.annual_parameter_set(actor=rolled.sysadmin, code="g_excellent", value=92)
    client.force_login(rolled.office)
    page = client.get("/rules/").content.decode()
    row = page.split('data-parameter="g_excellent"')[1].split("</tr>")[0]
    assert "<td>92</td>" in row and "<td>90</td>" in row and "本地默认 (种子未规定)" in row


def test_r47_a_persons_year_end_rests_on_the_monthly_marks_and_their_own_incidents(rolled):
    from dashboards import scoring

    for month, marks in ((OCTOBER, 90), (NOVEMBER, 70)):
        services.person_assess(actor=rolled.head_a, user=rolled.clerk_a, month=month, de=marks, neng=marks,
                               qin=marks, lian=marks)
    expected = [scoring.person_total(a, scoring.person_ji(rolled.clerk_a, a.month))
                for a in PersonAssessment.objects.filter(user=rolled.clerk_a).order_by("month")]
    assert scoring.person_ji(rolled.clerk_a, OCTOBER) is not None  # the clerk closed items in October
    rows = {r["person"].pk: r for r in annual.people_year(rolled.unit_a.pk, 2026, today=NOW.date(), incidents=[])}
    clerk = rows[rolled.clerk_a.pk]
    mean = round(sum(expected) / 2, 2)
    assert (clerk["months"], clerk["mean"], clerk["result"]) == (2, mean, mean)
    assert rows[rolled.head_a.pk]["months"] == 0 and rows[rolled.head_a.pk]["result"] is None
    decide(rolled, ["suspension"])  # the clerk is the person at fault
    incidents = assess(rolled)[rolled.unit_a.pk].incidents
    rows = {r["person"].pk: r
            for r in annual.people_year(rolled.unit_a.pk, 2026, today=NOW.date(), incidents=incidents)}
    assert rows[rolled.clerk_a.pk]["result"] == round(clerk["mean"] - annual.DEFAULTS["d_major"], 2)
    assert rows[rolled.clerk_a.pk]["major"] == 1 and rows[rolled.clerk_a.pk]["grade"] != "excellent"
    assert rows[rolled.head_a.pk]["incidents"] == 0
