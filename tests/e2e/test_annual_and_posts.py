"""The office computes the year (年终考核 / 年度考核, R47 R48) from the monthly scorecards, enters a
law-enforcement review and opens a unit's components; a unit head keeps the unit's 岗位责任制
(R67), an incomplete post refused with the parts it misses."""

from datetime import date

import pytest

from dashboards.models import AnnualAssessment, UnitMonthScore
from duty.models import Post
from efficiency.workdays import local_date
from django.utils import timezone

from .conftest import login_as, shot

EIGHT = {"content": "不动产登记受理", "quantity": "日均 60 件", "quality": "差错率低于 0.5%", "procedure": "受理—审核—登簿",
         "standard": "不动产登记暂行条例", "time_limit": "5 个工作日", "authority": "登记审核", "responsibility": "过错责任"}


@pytest.mark.django_db(transaction=True)
def test_r47_r48_the_office_computes_the_year_and_reads_its_components(page, live_server, org):
    year = local_date(timezone.now()).year
    UnitMonthScore.objects.create(month=date(year, 1, 1), unit=org.unit_a, rank=1, score=91.5, closed_on_time=9,
                                  closed_late=1)
    login_as(page, live_server, "office")
    page.goto(f"{live_server.url}/")
    page.click("nav >> text=年度考核")
    page.click("#annual-compute button")
    page.wait_for_selector(f"#annual-table tr[data-unit='{org.unit_a.pk}']")
    page.select_option("#review-unit", str(org.unit_a.pk))
    page.fill("#review-score", "80")
    page.fill("#review-evidence", "年度行政执法评议考核报告")
    page.click("#annual-review-form button")
    row = page.locator(f"#annual-table tr[data-unit='{org.unit_a.pk}']")
    assert "91.5" in row.inner_text() and "80" in row.inner_text()
    shot(page, "annual_list")
    row.locator("a").first.click()
    page.wait_for_selector("#annual-months")
    assert "91.5" in page.locator("#annual-months").inner_text()
    assert "年度行政执法评议考核报告" in page.locator("#annual-reviews").inner_text()
    a = AnnualAssessment.objects.get(unit=org.unit_a, year=year)
    assert a.law_review == 80 and a.efficiency == 91.5
    shot(page, "annual_detail")


@pytest.mark.django_db(transaction=True)
def test_r67_a_unit_head_keeps_the_post_register(page, live_server, org):
    login_as(page, live_server, "head_a")
    page.goto(f"{live_server.url}/")
    page.click("nav >> text=岗位责任制")
    page.fill("#body-name", "登记科")
    for name, text in EIGHT.items():
        page.fill(f"#body-{name}", text)
    page.click("#body-form button")
    page.wait_for_selector(".post-body")
    body_pk = page.locator(".post-body").first.get_attribute("id").split("-")[1]
    page.click(".post-body summary")
    page.fill(f"#post-{body_pk}-name", "登记审核岗")
    for name, text in EIGHT.items():
        if name != "authority":
            page.fill(f"#post-{body_pk}-{name}", text)
    # The browser would refuse the empty required field; the server's answer is what is tested.
    page.evaluate(f"document.getElementById('post-{body_pk}-authority').removeAttribute('required')")
    page.click(f"#body-{body_pk} details button")
    assert "缺少：权限" in page.locator("#post-errors").inner_text()
    assert not Post.objects.exists()
    shot(page, "posts_refused")
    page.goto(f"{live_server.url}/org/units/{org.unit_a.pk}/")
    page.click("#unit-links >> text=岗位责任制")
    page.wait_for_selector(".post-body")
