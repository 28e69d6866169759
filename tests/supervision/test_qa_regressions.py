"""QA regressions: junk input on the work list and the extension form gives a page or a clear error, never a 500
(a NUL byte anywhere is refused earlier: tests/efficiency/test_qa_regressions.py)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["kind=%3Cscript%3E", "status=zz", "owner=abc", "window=zz&unit=abc"])
def test_the_work_list_ignores_junk_filters(client, org, query):
    client.force_login(org.office)
    assert client.get(f"/supervision/?{query}").status_code == 200


def test_the_work_list_api_refuses_a_junk_filter_with_a_400_not_a_500(client, org):
    """Issue 15: the API validates its filters (supervision.filters.TargetFilter) — a junk value
    is a documented 400 with the error body; the page shows it beside the field and ignores it."""
    client.force_login(org.clerk_a)
    r = client.get("/api/v1/supervision/targets/?kind=zz&window=abc")
    assert r.status_code == 400 and "error" in r.json()
    assert client.get("/supervision/?kind=zz&window=abc").status_code == 200


def test_an_extension_past_the_end_of_the_work_calendar_is_a_clear_error(org, make_assignment):
    import time_machine
    from django.core.exceptions import ValidationError

    from supervision import services
    from supervision.models import AssignmentKind

    from .conftest import at

    target = make_assignment(AssignmentKind.FIELD_RESEARCH).targets.get()
    with time_machine.travel(at(2024, 9, 20, 10, 0), tick=False), pytest.raises(ValidationError, match="工作日历"):
        services.target_extend(actor=org.office, target=target, value=99999999, reason="涉及多部门会商")


@pytest.mark.parametrize("who", ["sysadmin", "secadmin", "auditadmin"])
def test_the_three_administrators_see_no_key_task_list(client, org, who):
    from supervision import services

    services.tasklist_create(actor=org.office, year=2026, title="2026年度重点任务清单")
    client.force_login(getattr(org, who))
    assert "2026年度重点任务清单" not in client.get("/supervision/tasks/").content.decode()
    assert client.get("/supervision/tasks/2026/").status_code == 404
    assert client.get("/api/v1/supervision/task-lists/").json()["results"] == []
    client.force_login(org.clerk_a)  # and a business user still does
    assert client.get("/supervision/tasks/2026/").status_code == 200


def test_evidence_is_checked_by_content_not_by_name(org, make_assignment, settings, tmp_path):
    import io

    import time_machine
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from supervision import services
    from supervision.models import AssignmentKind

    from .conftest import at

    settings.MEDIA_ROOT = tmp_path
    target = make_assignment(AssignmentKind.FIELD_RESEARCH).targets.get(unit=org.unit_a)
    fake = SimpleUploadedFile("现场照片.jpg", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/jpeg")
    with time_machine.travel(at(2024, 9, 18, 10, 0), tick=False):
        services.target_acknowledge(actor=org.clerk_a, target=target)
        with pytest.raises(ValidationError, match="按文件内容识别"):
            services.target_feedback(actor=org.clerk_a, target=target, text="已完成", evidence=fake)
        photo = io.BytesIO()
        Image.new("RGB", (8, 8)).save(photo, "PNG")
        real = SimpleUploadedFile("现场照片.png", photo.getvalue(), content_type="image/png")
        services.target_feedback(actor=org.clerk_a, target=target, text="已完成", evidence=real)
    target.refresh_from_db()
    assert target.evidence.name.endswith(".png")


def test_numbers_go_on_past_9999_in_a_year(make_assignment):
    """Found by bench/supervision.py: the last number was read as the greatest string, and
    "JB2024-10000" sorts before "JB2024-9999", so the 10,001st item of a year got 10000 again."""
    from supervision.models import Assignment

    first = make_assignment()
    assert first.number == "JB2024-0001"
    Assignment.objects.filter(pk=first.pk).update(number="JB2024-9999")
    assert make_assignment().number == "JB2024-10000"
    assert make_assignment().number == "JB2024-10001"
    assert Assignment.objects.filter(number__startswith="JB2024-").count() == 3
