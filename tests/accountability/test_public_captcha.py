"""The complaint form's CAPTCHA (issue 14 #9): single-use, refreshable, with a text question for
whoever cannot see the image (WCAG 1.1.1); each form error shown once (issue 15 #7).
Written as the attack: a solved challenge replayed, a wrong one guessed at again."""

import re

import pytest
from captcha.models import CaptchaStore

from accountability.models import Complaint

from .test_public_complaints import FORM, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def real_captcha(settings):
    settings.CAPTCHA_TEST_MODE = False  # "PASSED" is no answer here


def _challenge(client, kind="image"):
    c = client.get("/accountability/public/captcha/", {"kind": kind}).json()
    return c, CaptchaStore.objects.get(hashkey=c["captcha_id"]).response


def test_a_solved_captcha_cannot_be_replayed_for_a_second_complaint(client, org):
    challenge, answer = _challenge(client)
    data = form_data(org.unit_a, captcha_id=challenge["captcha_id"], captcha_answer=answer.upper())
    assert 'id="tracking-number"' in client.post(FORM, data, follow=True).content.decode()
    replay = client.post(FORM, data).content.decode()
    assert "验证码不正确或已失效" in replay
    assert Complaint.objects.count() == 1


def test_a_wrong_answer_spends_the_challenge(client, org):
    challenge, answer = _challenge(client)
    client.post(FORM, form_data(org.unit_a, captcha_id=challenge["captcha_id"], captcha_answer="wrong"))
    retry = client.post(FORM, form_data(org.unit_a, captcha_id=challenge["captcha_id"], captcha_answer=answer))
    assert "验证码不正确或已失效" in retry.content.decode()
    assert not Complaint.objects.exists()


def test_the_form_offers_a_refresh_and_a_text_question(client, org):
    page = client.get(FORM).content.decode()
    assert 'id="captcha-refresh"' in page and 'id="captcha-text"' in page
    assert 'static/js/captcha.js' in page or "/js/captcha." in page
    fresh, _ = _challenge(client)
    assert fresh["image_url"].startswith("/captcha/image/")
    text = client.get(FORM, {"captcha": "text"}).content.decode()
    question = re.search(r'id="captcha-question"[^>]*>([^<]+)<', text).group(1)
    assert "等于几" in question
    assert client.get("/accountability/public/captcha/", {"kind": "audio"}).status_code == 404


def test_the_text_question_is_answered_in_digits_and_is_single_use(client, org):
    challenge, answer = _challenge(client, "text")
    assert "等于几" in challenge["question"] and "image_url" not in challenge
    words = "一二三四五六七八九"
    a, b = (words.index(ch) + 1 for ch in re.findall(f"[{words}]", challenge["question"]))
    assert answer == str(a + b)
    data = form_data(org.unit_a, captcha_id=challenge["captcha_id"], captcha_answer=str(a + b))
    assert 'id="tracking-number"' in client.post(FORM, data, follow=True).content.decode()
    assert "验证码不正确或已失效" in client.post(FORM, data).content.decode()


def test_a_wrong_text_answer_gets_a_new_text_question_not_an_image(client, org):
    challenge, _ = _challenge(client, "text")
    page = client.post(FORM, form_data(org.unit_a, captcha_id=challenge["captcha_id"], captcha_answer="0")).content.decode()
    new = re.search(r'name="captcha_id" value="([0-9a-f]+)"', page).group(1)
    assert new != challenge["captcha_id"] and 'id="captcha-question" aria-live="polite">' in page
    assert "等于几" in re.search(r'id="captcha-question"[^>]*>([^<]*)<', page).group(1)


@pytest.mark.parametrize("data", [
    {"category": "", "description": "", "subject_unit": "不存在的局"},  # the form's own errors
    {"is_anonymous": "", "name": "", "phone": "12a"},  # the service's errors
    {"captcha_answer": "wrong"},
])
def test_each_error_is_shown_once(client, org, data):
    if "captcha_answer" not in data:
        challenge, answer = _challenge(client)
        data = {**data, "captcha_id": challenge["captcha_id"], "captcha_answer": answer}
    else:
        data = {**data, "captcha_id": _challenge(client)[0]["captcha_id"]}
    posted = form_data(org.unit_a, **data)
    if posted.get("is_anonymous") == "":
        del posted["is_anonymous"]
    page = client.post(FORM, posted).content.decode()
    form = page[page.index('id="complaint-form"'):]
    lists = re.findall(r'<ul class="errorlist[^"]*"(?: id="([^"]*)")?>(.*?)</ul>', form, re.S)
    shown = [(field, msg) for field, items in lists for msg in re.findall(r"<li>([^<]+)</li>", items)]
    assert shown and len(shown) == len(set(shown)), shown  # no field's error twice
    assert len(lists) == len({field for field, _ in lists}), lists  # no error list rendered twice


def test_a_failed_lookup_says_so_once(client, org):
    """The tracking form printed its non-field error itself and again through form.as_div."""
    page = client.post("/accountability/public/track/", {"tracking_number": "TS20250101001", "code": "XXXXXX"})
    assert page.status_code == 404
    assert page.content.decode().count("没有找到该投诉") == 1
