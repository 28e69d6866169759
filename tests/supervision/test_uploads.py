"""Evidence and progress-report attachments as an attacker would go after them: the file is
re-encoded and stored under a random name, and it is served only to whoever may see the item
(efficiency/uploads.py; before, templates and the API linked to an unguarded /media/ path)."""

import re
from datetime import date

import pytest
import time_machine

from supervision import services
from supervision.models import AssignmentKind

from ..files import SCRIPT, bomb_png, pdf, png
from .conftest import at

pytestmark = pytest.mark.django_db
RANDOM = r"supervision/{}/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.(png|pdf)"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def evidence_target(org, make_assignment):
    """Unit A's feedback on an item of unit A alone, with an HTML page riding on its photo."""
    target = make_assignment(AssignmentKind.FIELD_RESEARCH).targets.get(unit=org.unit_a)
    with time_machine.travel(at(2024, 9, 18, 10, 0), tick=False):
        services.target_acknowledge(actor=org.clerk_a, target=target)
        services.target_feedback(actor=org.clerk_a, target=target, text="已完成",
                                 evidence=png("现场照片.png", tail=SCRIPT))
    target.refresh_from_db()
    return target


@pytest.fixture
def report(org):
    with time_machine.travel(at(2025, 1, 6, 9, 0), tick=False):
        tl = services.tasklist_create(actor=org.office, year=2025)
        task = services.keytask_create(
            actor=org.office, task_list=tl, number="1", title="工程建设项目审批时间压缩至80个工作日",
            goal="全流程审批时间不超过80个工作日", standard="审批事项全部网上办理", unit=org.unit_a,
            leader_name="刘市长", owner=org.clerk_a, deadline=date(2025, 12, 31))
        return services.progress_report(actor=org.clerk_a, task=task, percent=10, narrative="完成方案制定",
                                        attachment=pdf("方案.pdf"))


def test_evidence_is_stored_re_encoded_under_a_random_name(evidence_target):
    assert re.fullmatch(RANDOM.format("evidence"), evidence_target.evidence.name), evidence_target.evidence.name
    assert b"<script" not in evidence_target.evidence.read()


def test_evidence_is_served_to_the_office_as_an_image_never_sniffed(client, org, evidence_target):
    url = f"/supervision/targets/{evidence_target.pk}/evidence/"
    client.force_login(org.office)
    assert url in client.get(evidence_target.assignment.get_absolute_url()).content.decode()
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/png" and r["X-Content-Type-Options"] == "nosniff"
    assert b"<script" not in b"".join(r.streaming_content)


def test_evidence_is_refused_to_anonymous_and_to_another_unit(client, org, evidence_target):
    url = f"/supervision/targets/{evidence_target.pk}/evidence/"
    r = client.get(url)
    assert r.status_code == 302 and r.url.startswith("/accounts/login/")
    assert client.get(f"/media/{evidence_target.evidence.name}").status_code == 404
    client.force_login(org.clerk_b)
    assert client.get(url).status_code == 404


def test_the_api_links_evidence_to_the_guarded_view_not_to_the_media_folder(client, org, evidence_target):
    client.force_login(org.office)
    body = client.get(f"/api/v1/supervision/targets/{evidence_target.pk}/").json()
    assert body["evidence"] == f"/supervision/targets/{evidence_target.pk}/evidence/"


def test_a_bomb_as_evidence_is_refused_with_a_message(client, org, make_assignment):
    target = make_assignment(AssignmentKind.FIELD_RESEARCH).targets.get(unit=org.unit_a)
    client.force_login(org.clerk_a)
    with time_machine.travel(at(2024, 9, 18, 10, 0), tick=False):
        services.target_acknowledge(actor=org.clerk_a, target=target)
        r = client.post(f"/api/v1/supervision/targets/{target.pk}/feedback/", {"text": "已完成", "evidence": bomb_png()})
    assert r.status_code == 400 and "像素过多" in r.json()["error"]["message"]
    target.refresh_from_db()
    assert not target.evidence


def test_a_progress_report_attachment_is_served_only_within_scope(client, org, report):
    assert re.fullmatch(RANDOM.format("reports"), report.attachment.name), report.attachment.name
    url = f"/supervision/tasks/item/{report.task_id}/reports/{report.pk}/attachment/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(org.clerk_b)
    assert client.get(url).status_code == 404
    client.force_login(org.office)
    assert url in client.get(report.task.get_absolute_url()).content.decode()
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment") and r["X-Content-Type-Options"] == "nosniff"
    assert "%E6%96%B9%E6%A1%88.pdf" in r["Content-Disposition"]  # downloaded as the reporter named it: 方案.pdf
    body = client.get(f"/api/v1/supervision/tasks/{report.task_id}/").json()
    assert body["reports"][0]["attachment"] == url
