import pytest

from accountability import demo
from accountability.models import AccountabilityCase, Bulletin, Complaint

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_once(settings, tmp_path):
    from efficiency.demo import seed_org

    seed_org()
    demo.seed()
    demo.seed()
    assert Complaint.objects.count() == 3
    assert AccountabilityCase.objects.filter(status="decided").count() == 1
    assert Bulletin.objects.get().status == "published"
