"""R53 (2019 意见 (二十二)): matching meetings, documents or coordination bodies, a dedicated
office, rules on the wall, articles in internal journals and briefings, following a WeChat
account may not be assessment indicators — a plan listing one is refused, in the service, the
API and the page; the scorecard's own components are a closed list naming none of them."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from dashboards.models import ScoreWeight
from efficiency.indicators import banned_indicators
from inspection import services
from inspection.models import InspectionPlan, Method

pytestmark = pytest.mark.django_db


def _file(org, scope, topic="基层减负专项督查"):
    return services.plan_create(
        actor=org.office, topic=topic, scope=scope, method=Method.SPECIAL, issuing_unit=org.office_unit,
        region=org.region, start_date=date(2026, 5, 1), end_date=date(2026, 5, 28),
        units=[org.unit_a, org.unit_b], sample_size=1)


@pytest.mark.parametrize("scope, label", [
    ("考核各单位对口开会次数", "对口开会"),
    ("对口发文数量", "对口发文"),
    ("是否成立了专项工作议事协调机构", "成立议事协调机构"),
    ("是否专设办公室", "专设办公室"),
    ("各项制度是否上墙", "制度上墙"),
    ("政务信息在内刊简报上稿情况", "内刊简报上稿"),
    ("干部职工关注单位微信公众号情况", "关注微信公众号"),
])
def test_r53_a_plan_naming_a_banned_indicator_is_refused(org, scope, label):
    with pytest.raises(ValidationError) as exc:
        _file(org, scope=f"窗口服务；{scope}")
    assert label in str(exc.value.message_dict["scope"])
    assert not InspectionPlan.objects.exists()


def test_r53_an_edit_that_adds_a_banned_indicator_is_refused(org, plan_factory):
    plan = plan_factory(submit=False)
    with pytest.raises(ValidationError, match="制度上墙"):
        services.plan_update(actor=org.office, plan=plan, scope="制度 上墙 情况")
    plan.refresh_from_db()
    assert plan.scope == "窗口服务、限时办结落实情况"
    services.plan_update(actor=org.office, plan=plan, scope="窗口纪律、办件时限")  # a lawful scope still saves


def test_r53_a_lawful_plan_is_filed(org):
    assert _file(org, scope="审批事项限时办结、一次性告知落实情况").pk


def test_r53_the_api_and_the_page_answer_400_with_the_reason(client, org):
    client.force_login(org.office)
    r = client.post("/api/v1/inspection/plans/", {
        "topic": "专项督查", "scope": "对口发文数量", "method": "special", "issuing_unit": org.office_unit.pk,
        "region": org.region.pk, "start_date": "2026-04-01", "end_date": "2026-04-30",
        "units": [org.unit_a.pk, org.unit_b.pk], "sample_size": 1}, content_type="application/json")
    assert r.status_code == 400 and "对口发文" in r.content.decode()
    assert not InspectionPlan.objects.exists()


def test_r53_no_scorecard_component_is_a_banned_indicator():
    """The scorecard's setup offers a closed list of components (the administrator sets their
    weights, cannot add one): none of them may be a banned indicator."""
    for value, label in ScoreWeight.Component.choices:
        assert banned_indicators(str(label), value) == [], value
    assert banned_indicators("按期办结率", "红牌", "满意度") == []
