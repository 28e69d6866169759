import pytest
from django.utils import timezone

from accountability import demo
from accountability.models import AccountabilityCase, Bulletin, Complaint
from efficiency import demo_history

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_once(settings, tmp_path):
    from efficiency.demo import seed_org

    seed_org()
    demo.seed()
    demo.seed()
    recent = timezone.now() - demo_history.PAST  # the rest is the twelve months of history
    assert Complaint.objects.filter(filed_at__gte=recent).count() == 3
    case = AccountabilityCase.objects.get(status="decided", created_at__gte=recent)
    assert case.decided_by.username == "lingdao" and case.decided_body == "appointing"  # R69
    assert case.proposed_by.username == "xiaoneng2"
    # one published by the leader's sign-off (R34), one draft waiting for it
    assert sorted(Bulletin.objects.values_list("status", flat=True)) == ["draft", "published"]
    assert Bulletin.objects.get(status="published").approved_by.username == "lingdao"
    # R46: every case names its people or says why not
    assert not AccountabilityCase.objects.filter(person__isnull=True, person_missing_reason="").exists()
    assert not AccountabilityCase.objects.filter(leader__isnull=True, leader_missing_reason="").exists()
