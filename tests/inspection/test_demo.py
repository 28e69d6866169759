import pytest

from efficiency import demo as core_demo
from inspection import demo
from inspection.models import Draw, InspectionPlan, Rectification

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_plan_a_draw_and_a_rectification_once():
    core_demo.seed_org()
    demo.seed()
    demo.seed()
    assert InspectionPlan.objects.filter(topic=demo.TOPIC).count() == 1
    assert Draw.objects.get().seed == demo.SEED
    # the current plan's one, beside the four past inspections' (tests/dashboards/test_demo_history.py)
    assert Rectification.objects.filter(finding__plan__topic=demo.TOPIC).count() == 1
    assert InspectionPlan.objects.filter(status="closed").count() == len(demo.HISTORY_PLANS)
