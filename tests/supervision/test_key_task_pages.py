"""Key-task pages and API: the list with its tree and progress, Excel over HTTP, 404 outside scope."""

from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from efficiency.models import Role
from supervision import excel, services
from supervision.models import KeyTask
from tests.factories import make_unit, make_user

from .conftest import at

pytestmark = pytest.mark.django_db
JAN = at(2025, 1, 6, 9, 0)


@pytest.fixture
def task(org):
    with time_machine.travel(JAN, tick=False):
        tl = services.tasklist_create(actor=org.office, year=2025)
        t = services.keytask_create(actor=org.office, task_list=tl, number="1", title="优化营商环境", goal="目标",
                                    standard="标准", unit=org.unit_a, owner=org.clerk_a, deadline=date(2025, 12, 31))
        services.node_create(actor=org.office, task=t, title="企业开办一日办结", deadline=date(2025, 6, 30))
    return t


def test_the_list_page_shows_the_tree_progress_and_a_lagging_badge(client, org, task):  # R15
    with time_machine.travel(at(2025, 7, 1, 9, 0), tick=False):
        services.progress_report(actor=org.clerk_a, task=task, percent=10, narrative="刚起步")
        client.force_login(org.office)
        html = client.get(reverse("supervision:tasklist", args=[2025])).content.decode()
    assert "企业开办一日办结" in html and "10%" in html and "lagging" in html


def test_a_clerk_of_another_unit_gets_404_on_a_key_task(client, org, task):
    client.force_login(org.clerk_b)
    assert client.get(reverse("supervision:task", args=[task.pk])).status_code == 404
    api = APIClient()
    api.force_authenticate(org.clerk_b)
    assert api.get(f"/api/v1/supervision/tasks/{task.pk}/").status_code == 404
    assert api.post(f"/api/v1/supervision/tasks/{task.pk}/reports/", {"percent": 50, "narrative": "x"}).status_code == 404
    client.force_login(org.clerk_a)
    assert client.get(reverse("supervision:task", args=[task.pk])).status_code == 200


def test_a_co_unit_sees_the_task_it_helps_with(org):
    unit_c = make_unit("鄂州市住房和城乡建设局", region=org.region)
    clerk_c = make_user(Role.CLERK, unit=unit_c)
    with time_machine.travel(JAN, tick=False):
        tl = services.tasklist_create(actor=org.office, year=2025)
        t = services.keytask_create(actor=org.office, task_list=tl, number="2", title="交房即交证", goal="g",
                                    standard="s", unit=org.unit_a, co_units=[unit_c], deadline=date(2025, 12, 31))
    api = APIClient()
    api.force_authenticate(clerk_c)
    assert api.get(f"/api/v1/supervision/tasks/{t.pk}/").status_code == 200


def test_a_progress_report_over_the_api(org, task):  # R15
    api = APIClient()
    api.force_authenticate(org.clerk_a)
    with time_machine.travel(at(2025, 2, 1, 9, 0), tick=False):
        r = api.post(f"/api/v1/supervision/tasks/{task.pk}/reports/", {"percent": 15, "narrative": "方案已印发"})
    assert r.status_code == 201, r.content
    task.refresh_from_db()
    assert task.progress == 15


def test_the_import_page_lists_errors_row_by_row(client, org, task):
    client.force_login(org.office)
    from openpyxl import load_workbook
    from io import BytesIO

    wb = load_workbook(BytesIO(excel.template_xlsx()))
    wb.active.append(["9", "新任务", "", "标准", "不存在的局", "", "", "", "2025-02-30", ""])
    out = BytesIO()
    wb.save(out)
    upload = SimpleUploadedFile("list.xlsx", out.getvalue(), content_type=excel.XLSX)
    with time_machine.travel(at(2025, 2, 1, 9, 0), tick=False):
        r = client.post(reverse("supervision:task_import", args=[2025]), {"file": upload})
    html = r.content.decode()
    assert r.status_code == 200 and "缺少“目标任务”" in html and "不存在的局" in html and "不是有效日期" in html
    assert KeyTask.objects.count() == 1


def test_the_import_api_refuses_a_bad_file_with_rows(org, task):
    api = APIClient()
    api.force_authenticate(org.office)
    upload = SimpleUploadedFile("x.xlsx", b"junk", content_type=excel.XLSX)
    r = api.post("/api/v1/supervision/task-lists/2025/import/", {"file": upload}, format="multipart")
    assert r.status_code == 400 and r.json()["error"]["fields"]["rows"][0]["row"] == 0


def test_export_and_template_download(client, org, task):
    client.force_login(org.office)
    r = client.get(reverse("supervision:task_export", args=[2025]))
    assert r.status_code == 200 and r["Content-Type"] == excel.XLSX
    assert client.get(reverse("supervision:task_template")).status_code == 200
