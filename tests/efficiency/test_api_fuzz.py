"""schemathesis over the whole OpenAPI schema, as an attacker would send it (#14: zero server
errors): every operation, as anonymous, an efficiency-office user and a clerk, against the demo
data. No answer is a 5xx, every status code is one the schema documents, and every body
matches the schema. A fixed seed and a bounded number of examples keep it in CI's time.

The demo data is loaded once for the module inside a transaction that is rolled back at the end
(each test rolls back to a savepoint inside it), with the sequences restarted at the tables'
highest id, so the small ids the fuzzer tries first name real objects."""

import json

import pytest
import schemathesis
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

SEED = 14
EXAMPLES = 6  # per operation and identity: 119 operations × 3 identities in about two minutes

CONFIG = schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {"max-examples": EXAMPLES, "database": "none"},
    # The coverage phase alone sends about 30 000 requests (issue #14's full run); CI fuzzes.
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
})
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
IDENTITIES = {"anonymous": None, "office": "xiaoneng2", "clerk": "jingban"}


def _schema() -> schemathesis.BaseSchema:
    raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    schema = schemathesis.openapi.from_dict(raw, config=CONFIG)
    schema.app = get_wsgi_application()
    return schema


schema = _schema()


@pytest.fixture(scope="module")
def tokens(django_db_setup, django_db_blocker):
    from efficiency.models import User
    from efficiency.tokens import token_issue

    # As Django's test client does: the WSGI handler must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                    cursor.execute(sql)
            call_command("seed_demo", stdout=open("/dev/null", "w"))
            keys = {}
            for name, username in IDENTITIES.items():
                user = username and User.objects.get(username=username)
                keys[name] = user and token_issue(actor=user, user=user)[1]
            yield keys
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@pytest.mark.parametrize("identity", list(IDENTITIES))
@schema.parametrize()
@settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error_or_an_answer_the_schema_does_not_describe(case, identity, tokens, db):
    headers = {"Authorization": f"Token {tokens[identity]}"} if tokens[identity] else {}
    case.call_and_validate(headers=headers, checks=CHECKS)
