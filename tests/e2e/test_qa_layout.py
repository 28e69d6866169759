"""QA regression: a long unbroken word (a pasted URL or number) wraps on a phone instead of
widening the whole page (the timeline of an assignment was 37 000 px wide)."""

import pytest

from supervision import services
from supervision.models import AssignmentKind

from .conftest import login, shot


@pytest.mark.django_db(transaction=True)
def test_a_long_unbroken_word_does_not_widen_the_page_on_a_phone(phone_page, live_server, org):
    item = services.assignment_create(
        actor=org.office, kind=AssignmentKind.INSTRUCTION, title="关于加快推进项目审批的批示",
        source_text="详见 https://example.gov.cn/" + "x" * 400, issuing_leader="刘市长", lead_unit=org.unit_a)
    login(phone_page, live_server, "office")
    phone_page.goto(f"{live_server.url}{item.get_absolute_url()}")
    shot(phone_page, "qa_long_word_phone")
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.django_db(transaction=True)
def test_a_wide_table_in_a_card_grid_does_not_widen_the_page_on_a_phone(phone_page, live_server, org):
    from accountability import services as complaints
    from accountability.models import Category

    filed = complaints.complaint_file(category=Category.SLOW, subject_unit=org.unit_a, place="市政务服务中心 3 号窗口",
                                      description="窗口办理营业执照拖了一个月还没办好，" * 20, is_anonymous=True)
    login(phone_page, live_server, "office")
    phone_page.goto(f"{live_server.url}/accountability/complaints/{filed.complaint.pk}/")
    shot(phone_page, "qa_complaint_phone")
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
