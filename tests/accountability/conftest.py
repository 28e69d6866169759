import pytest
from django.core.cache import cache

from accountability import services
from accountability.models import Category


@pytest.fixture(autouse=True)
def _clean_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CAPTCHA_TEST_MODE = True  # the answer "PASSED" works
    try:
        cache.clear()
    except Exception:  # noqa: BLE001 - a test may have pointed the cache at a closed port
        pass
    yield


def file_complaint(unit, **kw):
    defaults = dict(category=Category.SLOW, subject_unit=unit, description="窗口办理营业执照拖了一个月还没办好", is_anonymous=True,
                    place="市政务服务中心 3 号窗口")
    defaults.update(kw)
    return services.complaint_file(**defaults)


def to_replied(org, *, unit=None):
    filed = file_complaint(org.unit_a)
    c = services.complaint_accept(complaint=filed.complaint, actor=org.office)
    c = services.complaint_assign(complaint=c, actor=org.office, unit=unit or org.unit_a)
    actor = org.head_a if (unit or org.unit_a) == org.unit_a else org.head_b
    c = services.complaint_unit_reply(complaint=c, actor=actor, reply="经核查属实，已责令窗口当日办结并向群众道歉。")
    return filed, c


def exemption(grounds=("pioneering",)):
    """A complete 容错免责 (R29): the grounds that apply, the facts of each of the 三个区分开来, and
    every local condition in force answered as met (本地默认, whatever the table holds now)."""
    from accountability.models import ExemptionCondition, ExemptionGround

    return {"grounds": list(grounds),
            "ground_facts": {g: f"{g}：经核查的事实" for g in ExemptionGround.values},
            "conditions": {c.pk: (True, "经集体研究决定，未谋取私利") for c in ExemptionCondition.objects.filter(is_active=True)}}
