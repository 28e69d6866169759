"""The annual key-task list: decomposition, progress reports, lagging warnings (R14, R15)."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from efficiency.models import Event, Rung
from efficiency.sweep import sweep
from supervision import queries, services
from supervision.models import KeyTask

from .conftest import at

pytestmark = pytest.mark.django_db
JAN = at(2025, 1, 6, 9, 0)


@pytest.fixture
def task(org):
    with time_machine.travel(JAN, tick=False):
        tl = services.tasklist_create(actor=org.office, year=2025)
        return services.keytask_create(
            actor=org.office, task_list=tl, number="1", title="工程建设项目审批时间压缩至80个工作日",
            goal="全流程审批时间不超过80个工作日", standard="审批事项全部网上办理", unit=org.unit_a,
            co_units=[org.unit_b], leader_name="刘市长", owner=org.clerk_a, deadline=date(2025, 12, 31))


def test_a_key_task_names_party_goal_standard_and_deadline(task, org):  # R14
    assert (task.unit, task.goal, task.standard) == (org.unit_a, "全流程审批时间不超过80个工作日", "审批事项全部网上办理")
    assert task.due_at == at(2025, 12, 31, 23, 59, 59)


def test_a_task_decomposes_down_to_project_post_and_person(task, org):  # R14
    with time_machine.travel(JAN, tick=False):
        sub = services.node_create(actor=org.head_a, task=task, title="分类分阶段审批改革", deadline=date(2025, 6, 30))
        services.node_create(actor=org.head_a, task=task, parent=sub, kind="project", title="市政工程项目试点",
                             post="审批科科长", owner=org.clerk_a, deadline=date(2025, 5, 31))
    leaf = task.nodes.get(kind="project")
    assert leaf.parent == sub and leaf.owner == org.clerk_a and leaf.post == "审批科科长"
    assert leaf.due_at == at(2025, 6, 3, 23, 59, 59)  # May 31–Jun 2 Dragon Boat: next working day


def test_a_node_cannot_end_after_its_task(task, org):
    with time_machine.travel(JAN, tick=False), pytest.raises(ValidationError, match="不得晚于"):
        services.node_create(actor=org.office, task=task, title="收尾", deadline=date(2026, 1, 31))


def test_a_missed_monthly_report_is_itself_a_late_deadline(task, org):  # R15
    assert task.report_due.due_at == at(2025, 2, 6, 23, 59, 59)
    sweep(now=at(2025, 2, 7, 9, 0))
    task.report_due.refresh_from_db()
    assert task.report_due.breach_level == Rung.YELLOW
    with time_machine.travel(at(2025, 2, 10, 9, 0), tick=False):
        report = services.progress_report(actor=org.clerk_a, task=task, percent=10, narrative="完成方案制定")
    task.report_due.refresh_from_db()
    assert report.was_late and task.report_due.breach_level == Rung.NONE
    assert task.report_due.due_at == at(2025, 3, 10, 23, 59, 59)


def test_a_task_lagging_more_than_the_margin_is_warned(task, org):  # R15 预警
    with time_machine.travel(at(2025, 7, 1, 9, 0), tick=False):  # half the year gone
        services.progress_report(actor=org.clerk_a, task=task, percent=20, narrative="进展缓慢")
        lagging = list(queries.lagging(KeyTask.objects.all()))
    assert lagging == [task]
    warning = Event.objects.get(kind="keytask.lagging", subject_id=task.pk)
    assert warning.payload["lag"] > 20 and "office" in warning.recipients


def test_a_task_on_pace_is_not_warned(task, org):  # R15
    with time_machine.travel(at(2025, 7, 1, 9, 0), tick=False):
        services.progress_report(actor=org.clerk_a, task=task, percent=45, narrative="按计划推进")
        assert not queries.lagging(KeyTask.objects.all()).exists()
    assert not Event.objects.filter(kind="keytask.lagging").exists()


def test_a_full_report_completes_the_task(task, org):
    with time_machine.travel(at(2025, 11, 1, 9, 0), tick=False):
        services.progress_report(actor=org.clerk_a, task=task, percent=100, narrative="全面完成")
    task.refresh_from_db()
    assert task.clock_state == "done" and task.colour == "blue"


def test_progress_cannot_go_backwards(task, org):
    with time_machine.travel(at(2025, 2, 1, 9, 0), tick=False):
        services.progress_report(actor=org.clerk_a, task=task, percent=30, narrative="a")
        with pytest.raises(ValidationError, match="不能低于"):
            services.progress_report(actor=org.clerk_a, task=task, percent=10, narrative="b")


def test_the_office_urges_a_task_and_it_is_counted(task, org):  # R15
    services.keytask_urge(actor=org.office, task=task)
    task.refresh_from_db()
    assert task.urge_count == 1
    assert Event.objects.filter(kind="keytask.urged", subject_id=task.pk).count() == 1


def test_a_silent_lagging_task_is_warned_once_by_the_scan(task, org):  # R15
    assert services.keytasks_warn_lagging(now=at(2025, 3, 1, 9, 0)) == 0  # 15% of the time gone: within 20
    assert services.keytasks_warn_lagging(now=at(2025, 7, 1, 9, 0)) == 1
    assert services.keytasks_warn_lagging(now=at(2025, 7, 2, 9, 0)) == 0
    assert Event.objects.filter(kind="keytask.lagging", subject_id=task.pk).count() == 1


def _copies(task, n: int) -> None:
    fields = {f.attname: getattr(task, f.attname) for f in KeyTask._meta.concrete_fields if not f.primary_key}
    KeyTask.objects.bulk_create([KeyTask(**{**fields, "number": f"C{i}"}) for i in range(n)])


@pytest.mark.parametrize("n", [10, 1000])
def test_r15_the_0900_lagging_scan_is_constant_statements_per_batch(task, org, n, django_assert_max_num_queries):
    """R15 (issue 17): the scan warns in batches of a constant number of statements (advisory lock,
    one read, one INSERT, the savepoint pair) — the same bound at 10 and at 1,000 tasks."""
    _copies(task, n - 1)
    with django_assert_max_num_queries(6 * 2):  # a full batch, then the short batch that ends it
        assert services.keytasks_warn_lagging(now=at(2025, 7, 1, 9, 0)) == n
    assert Event.objects.filter(kind="keytask.lagging").count() == n


def test_r15_the_lagging_scan_has_no_row_cap(task, org):
    """It stopped at 1,000 tasks; now every lagging task is warned, batch after batch."""
    _copies(task, 1049)
    assert services.keytasks_warn_lagging(now=at(2025, 7, 1, 9, 0), batch=400) == 1050
    assert services.keytasks_warn_lagging(now=at(2025, 7, 2, 9, 0), batch=400) == 0
    assert Event.objects.filter(kind="keytask.lagging").values("subject_id").distinct().count() == 1050


def test_r42_a_key_task_names_the_first_and_direct_responsible_persons_or_is_refused(org):
    """R42 (2019 (二)): the unit's 第一责任人 and 直接责任人 on every key task, prefilled from the
    unit; a unit that has named none makes the task refuse."""
    from efficiency import services as org_services
    from efficiency.models import AuditLog, Role
    from tests.factories import make_unit, make_user

    bare = make_unit("鄂州市交通运输局", region=org.region, code="JT")
    principal = make_user(Role.HEAD, unit=bare, username="jt_head", full_name="金局长")
    deputy = make_user(Role.HEAD, unit=bare, username="jt_deputy", full_name="钱副局长")
    with time_machine.travel(JAN, tick=False):
        tl = services.tasklist_create(actor=org.office, year=2025)
        fields = dict(actor=org.office, task_list=tl, title="公路建设", goal="完成", standard="达标", unit=bare)
        with pytest.raises(ValidationError) as exc:
            services.keytask_create(number="1", **fields)
        assert set(exc.value.message_dict) == {"principal", "deputy"}
        with pytest.raises(ValidationError, match="牵头单位的人员"):
            services.keytask_create(number="1", principal=org.head_a, deputy=deputy, **fields)
        with pytest.raises(ValidationError, match="本单位在岗人员"):
            org_services.unit_set_responsible(actor=org.office, unit=bare, principal=org.head_a, deputy=deputy)
        org_services.unit_set_responsible(actor=org.office, unit=bare, principal=principal, deputy=deputy)
        assert AuditLog.objects.filter(object_type="efficiency.unit", object_id=str(bare.pk)).exists()
        bare.refresh_from_db()
        task = services.keytask_create(number="1", **fields)  # the unit's own prefill the task
        assert (task.principal, task.deputy) == (principal, deputy)
        # A new lead unit brings its own; naming none for a unit without them is refused.
        services.keytask_update(actor=org.office, task=task, unit=org.unit_a)
        task.refresh_from_db()
        assert (task.principal, task.deputy) == (org.head_a, org.head_a)
