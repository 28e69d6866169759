"""PostgreSQL stopped or restarting: every page and API request answers 503 with Retry-After,
in Chinese and English, never a 500 (issue 14). The connection is pointed at a port where
nothing listens, so each attempt is refused at once (no sleeping, no timeout)."""

import pytest
from django.db import connection
from django.test import Client

CLOSED_PORT = 1  # nothing listens on port 1: the connection is refused at once


@pytest.fixture
def database_stopped(django_db_blocker):
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=CLOSED_PORT)
    try:
        with django_db_blocker.unblock():
            yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture
def browser():
    # Not the test client's default: it would re-raise the exception instead of showing the page.
    return Client(raise_request_exception=False)


def assert_unavailable(response):
    assert response.status_code == 503, response.status_code
    assert response["Retry-After"] == "30"


def test_a_public_page_says_unavailable_in_both_languages(database_stopped, browser):
    response = browser.get("/public/units/")
    assert_unavailable(response)
    page = response.content.decode()
    assert "服务暂时不可用" in page and "Service temporarily unavailable" in page
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_signed_in_page_fails_in_the_session_lookup_and_still_answers_503(database_stopped, browser):
    # The session is read by the middleware, before any view: the outage is met there.
    browser.cookies["sessionid"] = "a" * 32
    response = browser.get("/")
    assert_unavailable(response)
    assert "服务暂时不可用" in response.content.decode()


def test_an_api_call_gets_a_json_error(database_stopped, browser):
    response = browser.get("/api/v1/supervision/assignments/", HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert_unavailable(response)
    assert response.json()["error"]["code"] == "unavailable"


def test_a_public_api_lookup_gets_a_json_error_in_the_callers_language(database_stopped, browser):
    response = browser.get("/api/v1/public/complaints/TS20260101000001/?code=123456", HTTP_ACCEPT_LANGUAGE="en")
    assert_unavailable(response)
    assert response.json()["error"]["message"] == "The database is temporarily unavailable. Please try again later."


def test_the_retry_delay_is_configurable(database_stopped, browser, settings):
    settings.DATABASE_RETRY_AFTER = 120
    response = browser.get("/public/units/")
    assert response.status_code == 503 and response["Retry-After"] == "120"


def test_any_other_server_error_is_still_a_500(rf):
    from django.contrib.auth.models import AnonymousUser

    from efficiency.views import server_error

    request = rf.get("/public/units/")
    request.user = AnonymousUser()
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500 and "Retry-After" not in response
