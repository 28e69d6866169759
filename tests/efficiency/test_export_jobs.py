"""Large ledger exports (issue 15 §3): above `EXPORT_ASYNC_ROWS` (本地默认) the export is a job
that a Celery task builds for the requester, with the filters asked, while the page polls its
progress (htmx); the file is kept under the private upload folder and downloaded as an upload —
by the requester only."""

import io
from pathlib import Path

import pytest
from django.urls import reverse

from efficiency import exports, jobs, listing
from efficiency.models import AuditLog, ExportJob, Role
from efficiency.tasks import export_build_task
from tests.listing import column, read_xlsx

from .test_inbox_list import _message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small(settings, tmp_path):
    settings.EXPORT_ASYNC_ROWS = 2
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOAD_ACCEL_REDIRECT = ""


@pytest.fixture
def inbox(org):
    """Three of clerk A's messages (one about a 督办单), one of clerk B's."""
    return [_message(org.clerk_a, "【红牌】交办件超期"), _message(org.clerk_a, "【督办单】请于 3 日内办结"),
            _message(org.clerk_a, "【提示】投诉即将到期"), _message(org.clerk_b, "【红牌】别人的消息")]


def _requested(client, user, django_capture_on_commit_callbacks, params=None, url="/inbox/export.xlsx"):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = client.get(url, params or {})
    assert r.status_code == 302, r.status_code
    job = ExportJob.objects.get(requested_by=user)
    assert r["Location"] == reverse("export_job", args=[job.pk])
    assert len(callbacks) == 1  # the task is asked for once the job is committed
    return job


def test_up_to_the_threshold_the_workbook_is_streamed_at_once(client, org, inbox):
    client.force_login(org.clerk_a)
    rows = read_xlsx(client.get("/inbox/export.xlsx", {"q": "红牌"}))
    assert column(rows, "标题") == ["【红牌】交办件超期"]
    assert not ExportJob.objects.exists()


def test_above_it_a_task_builds_the_file_for_the_requester_with_the_filters_asked(
        client, org, inbox, django_capture_on_commit_callbacks):
    job = _requested(client, org.clerk_a, django_capture_on_commit_callbacks)
    assert (job.state, job.total, job.ledger, job.title) == ("queued", 3, "efficiency.inbox", "消息")
    page = client.get(reverse("export_job", args=[job.pk])).content.decode()
    assert 'hx-get="%s"' % reverse("export_job_progress", args=[job.pk]) in page and 'hx-trigger="every 1s"' in page
    assert "<script>" not in page.split("</head>")[1]  # no inline script (CSP): htmx polls by attributes
    assert "export-download" not in page
    assert export_build_task.run(job.pk) == "done"  # the worker
    job.refresh_from_db()
    assert (job.state, job.done, job.percent) == ("done", 3, 100)
    stored = Path(job.file.path)
    assert stored.is_file() and stored.parent == Path(job.file.storage.location) / "exports"
    assert len(stored.stem) == 32  # a random name
    progress = client.get(reverse("export_job_progress", args=[job.pk])).content.decode()
    assert "hx-get" not in progress and reverse("export_job_download", args=[job.pk]) in progress
    r = client.get(reverse("export_job_download", args=[job.pk]))
    rows = read_xlsx(r)
    assert 'attachment; filename*=' in r["Content-Disposition"] or "attachment;" in r["Content-Disposition"]
    assert sorted(column(rows, "标题")) == sorted(["【红牌】交办件超期", "【督办单】请于 3 日内办结", "【提示】投诉即将到期"])
    assert AuditLog.objects.filter(action="export.download", actor=org.clerk_a, object_id=str(job.pk)).count() == 1
    assert AuditLog.objects.filter(action="action", object_type="efficiency.exportjob", object_id=str(job.pk)).exists()


def test_the_filters_go_with_the_job(client, org, inbox, django_capture_on_commit_callbacks):
    for i in range(3):
        _message(org.clerk_a, f"【红牌】第{i}件")
    job = _requested(client, org.clerk_a, django_capture_on_commit_callbacks, params={"q": "红牌"})
    assert job.params == "q=%E7%BA%A2%E7%89%8C" and job.total == 4
    exports.export_run(job.pk)
    rows = read_xlsx(client.get(reverse("export_job_download", args=[job.pk])))
    assert len(rows) == 5 and all("红牌" in t for t in column(rows, "标题"))
    assert "别人的消息" not in str(rows)


def test_another_user_cannot_see_the_job_its_progress_or_its_file(client, org, inbox,
                                                                  django_capture_on_commit_callbacks):
    job = _requested(client, org.clerk_a, django_capture_on_commit_callbacks)
    exports.export_run(job.pk)
    for other in (org.clerk_b, org.head_a, org.office, org.auditadmin):
        client.force_login(other)
        for name in ("export_job", "export_job_progress", "export_job_download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, (other.username, name)
    client.logout()
    assert client.get(reverse("export_job_download", args=[job.pk])).status_code == 302  # to the login page
    # No address serves the folder the file is kept in.
    assert client.get("/media/" + job.file.name).status_code == 404
    client.force_login(org.clerk_a)
    assert client.get(reverse("export_job_download", args=[job.pk])).status_code == 200


def test_the_download_before_the_file_is_made_says_so(client, org, inbox, django_capture_on_commit_callbacks):
    job = _requested(client, org.clerk_a, django_capture_on_commit_callbacks)
    r = client.get(reverse("export_job_download", args=[job.pk]))
    assert r.status_code == 409 and "排队中" in r.content.decode()


def test_a_task_delivered_twice_builds_once(client, org, inbox, django_capture_on_commit_callbacks):
    job = _requested(client, org.clerk_a, django_capture_on_commit_callbacks)
    first = exports.export_run(job.pk)
    second = exports.export_run(job.pk)
    assert first.file.name == second.file.name and second.state == "done"
    assert len(list(Path(first.file.storage.location, "exports").iterdir())) == 1


def test_the_broker_down_fails_the_job_with_a_message(client, org, inbox, monkeypatch,
                                                      django_capture_on_commit_callbacks):
    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(jobs.celery_app, "signature", down)
    client.force_login(org.clerk_a)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.get("/inbox/export.xlsx")
    job = ExportJob.objects.get()
    assert r.status_code == 302 and job.state == "failed" and "任务队列暂不可用" in job.message
    page = client.get(reverse("export_job", args=[job.pk])).content.decode()
    assert "任务队列暂不可用" in page and reverse("export_job_progress", args=[job.pk]) not in page  # no more polling


def test_a_requester_who_lost_the_ledger_gets_a_failed_job_not_the_rows(org):
    """The bulletin ledger is the office's and leaders': checked again in the worker."""
    job = exports.export_request(actor=org.office, ledger="accountability.bulletins", params="", total=3,
                                 title="效能通报台账", filename="效能通报台账.xlsx")
    org.office.role = Role.CLERK
    org.office.save(update_fields=["role"])
    job = exports.export_run(job.pk)
    assert job.state == "failed" and "无权" in job.message and not job.file


def test_progress_is_reported_while_the_rows_are_written():
    seen = []
    col = listing.Column("序号", lambda n: n)
    written = listing.xlsx_write(io.BytesIO(), range(7), [col], title="t", progress=seen.append, every=3)
    assert written == 7 and seen == [3, 6]


def test_a_larger_ledger_than_the_threshold_of_an_app_goes_the_same_way(client, org, make_assignments,
                                                                         django_capture_on_commit_callbacks):
    job = _requested(client, org.office, django_capture_on_commit_callbacks,
                     url=reverse("supervision:assignment_export"))
    assert job.ledger == "supervision.assignments" and job.total == 3 and job.title == "交办件登记簿"
    exports.export_run(job.pk)
    rows = read_xlsx(client.get(reverse("export_job_download", args=[job.pk])))
    assert len(rows) == 4


@pytest.fixture
def make_assignments(org):
    from supervision import services as sup
    from supervision.models import AssignmentKind

    return [sup.assignment_create(actor=org.office, kind=AssignmentKind.POLICY_INTERPRETATION, title=f"政策解读{i}",
                                  source_text="请解读。", lead_unit=org.unit_a) for i in range(3)]
