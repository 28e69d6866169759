"""Demo data for supervision: this year's key-task list for 鄂州市 and a handful of assignments at
different steps. Idempotent (looked up by natural keys); does nothing without the demo org."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from efficiency import demo_history as h, permissions
from efficiency.clocks import clock_set_closed, rule_cached
from efficiency.models import Unit, User
from efficiency.workdays import add_workdays, local_date

from . import services
from .models import (
    Assignment, AssignmentKind as K, AssignmentTarget, HardProblem, InternalProcedure, KeyProject, KeyTask, KeyTaskList,
    PolicyDocument, RequiredOutput,
)

UNITS = ["EZ-XNB", "EZ-ZRZY", "EZ-SCJG", "EZ-ZWSJ", "EZ-ZJ", "EZ-JT", "EZ-STHJ", "EZ-RS"]
PEOPLE = ["xiaoneng2", "jingban", "fuzeren", "jingban2", "fuzeren2", "lingdao"]

TASKS = [
    # number, title, goal, standard, lead, co-units, leader, owner, months to deadline, cycle
    ("1", "工程建设项目审批制度改革", "工程建设项目全流程审批时间压缩至 80 个工作日以内",
     "审批事项100%网上办理，“多规合一”业务协同平台全覆盖", "EZ-ZRZY", ["EZ-ZJ", "EZ-ZWSJ"], "刘振华",
     "jingban", 1, "month"),
    ("2", "“高效办成一件事”主题事项落地", "年内上线 13 个“一件事”主题套餐，平均跑动次数不超过 0.3 次",
     "每个事项一张表单、一套材料、一次办结", "EZ-ZWSJ", ["EZ-RS", "EZ-SCJG"], "刘振华", None, 1, "month"),
    ("3", "经营主体登记便利化", "企业开办全流程 1 个工作日内办结", "登记、刻章、申领发票、社保登记一网通办",
     "EZ-SCJG", ["EZ-ZWSJ"], "刘振华", "jingban2", 1, "month"),
    ("4", "花湖机场配套道路建设", "机场快速通道主体完工", "按月完成投资计划，质量安全零事故",
     "EZ-JT", ["EZ-ZRZY", "EZ-STHJ"], "刘振华", None, 1, "quarter"),
]

ASSIGNMENTS = [
    # kind, title, source text, leader, lead unit, co-units, days to deadline or None, progress
    (K.INSTRUCTION, "关于加快推进不动产登记“交房即交证”的批示",
     "市自然资源和规划局牵头，会同住建局，年底前实现新建商品房“交房即交证”全覆盖，每月报告进展。",
     "刘振华", "EZ-ZRZY", ["EZ-ZJ"], None, "signed"),
    (K.FIELD_RESEARCH, "葛店片区企业反映水电气报装时间长",
     "市领导在葛店片区调研时企业反映：用水、用电、用气报装分别跑多个窗口，平均耗时 20 个工作日以上。",
     "刘振华", "EZ-ZWSJ", ["EZ-ZJ"], None, "dispatched"),
    (K.POLICY_DIFFICULTY, "耕地占补平衡新规执行困难的报告",
     "市自然资源和规划局报告：新规要求“先补后占”，在建重点项目补充耕地指标缺口约 300 亩，按期执行困难。",
     "", "EZ-ZRZY", [], None, "fed_back"),
    (K.MEETING, "市政府常务会议决定：开展窗口服务“好差评”专项整治",
     "市政府第 12 次常务会议决定：市数据局牵头，一个月内完成全市政务服务窗口“好差评”差评整改回访全覆盖。",
     "刘振华", "EZ-ZWSJ", ["EZ-SCJG", "EZ-RS"], 30, "dispatched"),
    (K.NO_DEADLINE, "优化营商环境三年行动部署", "市委市政府部署优化营商环境三年行动，未明确完成时限。",
     "刘振华", "EZ-SCJG", [], None, "signed"),
]


def _log(stdout, msg):
    if stdout is not None:
        stdout.write(f"  supervision: {msg}")


@transaction.atomic
def seed(stdout=None) -> None:
    units = {u.code: u for u in Unit.objects.filter(code__in=UNITS)}
    people = {u.username: u for u in User.objects.filter(username__in=PEOPLE)}
    if len(units) < len(UNITS) or len(people) < len(PEOPLE):
        _log(stdout, "demo org missing, skipped")
        return
    office = people["xiaoneng2"]
    _key_tasks(office, units, people)
    for row in ASSIGNMENTS:
        _assignment(office, units, people, *row)
    _openness(office, units, people)
    _key_project(office)
    _hard_problem(office)
    past = _seed_history(office)
    if past:
        _log(stdout, f"{past} closed assignments of the last twelve months")
    _log(stdout, f"{KeyTask.objects.count()} key tasks, {Assignment.objects.count()} assignments, "
                 f"{KeyProject.objects.count()} key projects, {HardProblem.objects.count()} hard problems")


def _key_tasks(office, units, people) -> None:
    today = local_date(timezone.now())
    tl = KeyTaskList.objects.filter(year=today.year).first() or services.tasklist_create(
        actor=office, year=today.year, title=f"鄂州市 {today.year} 年度重点任务清单")
    for number, title, goal, standard, lead, co, leader, owner, months, cycle in TASKS:
        if tl.tasks.filter(number=number).exists():
            continue
        deadline = date(today.year, 12, 31) if today.month < 12 else today + timedelta(days=90 * months)
        task = services.keytask_create(
            actor=office, task_list=tl, number=number, title=title, goal=goal, standard=standard, unit=units[lead],
            co_units=[units[c] for c in co], leader_name=leader, owner=people.get(owner) if owner else None,
            deadline=deadline, report_cycle=cycle)
        if number == "1":
            sub = services.node_create(actor=office, task=task, title="“多规合一”业务协同平台升级",
                                       deadline=deadline - timedelta(days=20))
            services.node_create(actor=office, task=task, parent=sub, kind="project", title="规划条件网上核提",
                                 post="行政审批科科长", owner=people["jingban"], deadline=deadline - timedelta(days=25))
            services.node_create(actor=office, task=task, kind="milestone", title="联合验收一次办结",
                                 unit=units["EZ-ZJ"], post="建筑市场监管科", deadline=deadline - timedelta(days=10))
            services.progress_report(actor=people["jingban"], task=task, percent=35,
                                     narrative="已完成审批流程再造方案，平台升级招标完成。")


def _assignment(office, units, people, kind, title, text, leader, lead, co, days, progress) -> None:
    if Assignment.objects.filter(title=title).exists():
        return
    today = local_date(timezone.now())
    item = services.assignment_create(
        actor=office, kind=kind, title=title, source_text=text, issuing_leader=leader,
        deadline=today + timedelta(days=days) if days else None, lead_unit=units[lead],
        co_units=[units[c] for c in co])
    target = item.targets.get(is_lead=True)
    clerk = {"EZ-ZRZY": people["jingban"], "EZ-SCJG": people["jingban2"]}.get(lead)
    if clerk is None or progress == "dispatched":
        return
    services.target_acknowledge(actor=clerk, target=target)
    if progress == "fed_back":
        services.target_feedback(actor=clerk, target=target,
                                 text="建议对已批在建重点项目给予 6 个月过渡期，过渡期内“占补同步”。")


def _openness(office, units, people) -> None:
    """R55: a government document with its lead drafting department's report duty; R56: an upper
    document's implementing opinion with its own time; R57: a consultation on its draft; R59: a
    sensitive key task and an internal procedure open to all departments."""
    today = local_date(timezone.now())
    if not PolicyDocument.objects.filter(number=f"鄂州政发〔{today.year}〕1号").exists():
        services.policy_document_register(
            actor=office, number=f"鄂州政发〔{today.year}〕1号", title="关于深化工程建设项目审批制度改革的实施意见",
            issued_on=today, unit=units["EZ-ZRZY"])
    title = "落实省政府《关于进一步提升执行力的意见》，制发我市实施意见"
    if not Assignment.objects.filter(title=title).exists():
        item = services.assignment_create(
            actor=office, kind=K.UPPER_DOC, title=title, source_text="省政府要求各市州在 60 日内制发实施意见。",
            issuing_leader="刘振华", deadline=today + timedelta(days=60), lead_unit=units["EZ-ZWSJ"],
            source_document="省政府《关于进一步提升执行力的意见》", required_output=RequiredOutput.OPINION,
            deadline_clause="第七条", co_units=[])
        services.consultation_open(actor=office, assignment=item, subject="实施意见（征求意见稿）",
                                   draft="一、总体要求；二、重点任务；三、保障措施。", units=[units["EZ-ZRZY"],
                                                                             units["EZ-SCJG"]])
    task = KeyTask.objects.filter(task_list__year=today.year, number="4").first()
    if task is not None and not task.is_confidential:
        services.keytask_update(actor=office, task=task, is_confidential=True)
    head = people["fuzeren"]
    if head.unit_id and not InternalProcedure.objects.filter(unit_id=head.unit_id).exists():
        services.procedure_publish(actor=head, kind=InternalProcedure.Kind.PROCEDURE, title="行政审批内部流转规程",
                                   body="受理—审查—决定—送达，各环节限时办结，超时自动提醒。")


PROJECT = "临空经济区冷链物流园"
PROBLEM = "葛华科技园企业用地报批慢"


def _key_project(office) -> None:
    """R51: one key investment project with its 代办服务组 (led by 李建国, 正处级) and three procedures,
    one done with no contact for the enterprise."""
    people = {u.username: u for u in User.objects.filter(username__in=["fuzeren", "jingban", "fuzeren4"])}
    units = {u.code: u for u in Unit.objects.filter(code__in=["EZ-ZRZY", "EZ-ZJ", "EZ-STHJ", "EZ-SCJG"])}
    if KeyProject.objects.filter(name=PROJECT).exists() or len(people) < 3 or len(units) < 4:
        return
    project = services.project_register(
        actor=office, name=PROJECT, enterprise="湖北顺达冷链物流有限公司", enterprise_contact="程经理 027-6000 0000",
        investment=68000, leader=people["fuzeren"], units=[units["EZ-ZJ"], units["EZ-STHJ"], units["EZ-SCJG"]])
    today = local_date(timezone.now())
    land = services.procedure_add(actor=people["fuzeren"], project=project, kind="land", title="项目用地征收与报批",
                                  unit=units["EZ-ZRZY"], owner=people["jingban"])
    services.procedure_add(actor=people["fuzeren"], project=project, kind="permit", title="建筑工程施工许可证",
                           unit=units["EZ-ZJ"], owner=people["fuzeren4"], deadline=add_workdays(today, 15))
    services.procedure_add(actor=people["fuzeren"], project=project, kind="permit", title="环境影响评价审批",
                           unit=units["EZ-STHJ"])
    services.procedure_complete(actor=people["jingban"], procedure=land, zero_contact=True,
                                result="用地预审与规划选址意见书已办结，企业未跑腿")


def _hard_problem(office) -> None:
    """R62: one county hard problem of 华容区 with its plan, leader (副区长), team and schedule."""
    people = {u.username: u for u in User.objects.filter(username__in=["quzhang", "jingban4"])}
    units = {u.code: u for u in Unit.objects.filter(code__in=["HRQ-GOV", "HRQ-ZRZY"])}
    if HardProblem.objects.filter(title=PROBLEM).exists() or len(people) < 2 or len(units) < 2:
        return
    from efficiency.models import Region

    today = local_date(timezone.now())
    services.problem_create(
        actor=office, region=Region.objects.get(code="420703"), title=PROBLEM,
        description="园区入驻企业反映用地报批平均 120 天，影响 6 个项目按期开工。",
        plan="实行“预审+并联”报批：区资规分局牵头，区政府办统筹，用地预审、规划许可、林地审批同步推进。",
        leader=people["quzhang"], unit=units["HRQ-ZRZY"], team_units=[units["HRQ-GOV"]],
        milestones=[
            dict(title="梳理 6 个项目用地报批堵点", deadline=add_workdays(today, 5), requirements="逐项列明卡点和责任单位",
                 unit=units["HRQ-ZRZY"], owner=people["jingban4"]),
            dict(title="并联报批流程上线", deadline=add_workdays(today, 20), requirements="报批时间压缩至 60 天以内",
                 unit=units["HRQ-ZRZY"], owner=people["jingban4"]),
        ])


# --- twelve months of history (issue 15, point 9) ------------------------------------------------

HISTORY_UNITS = ["EZ-ZRZY", "EZ-SCJG", "EZ-ZWSJ", "EZ-ZJ", "EZ-RS", "EZ-STHJ", "EZ-JT", "ECQ-SCJG", "HRQ-ZRZY"]
HISTORY_TOPICS = [
    (K.MEETING, "市政府常务会议决定：{u}牵头开展“{t}”专项行动", "市政府常务会议研究决定，由{u}牵头，相关单位配合，按期反馈办理意见。"),
    (K.FIELD_RESEARCH, "市领导调研{t}问题的交办", "市领导在{u}调研时，企业和群众反映{t}问题，请研究提出解决办法。"),
    (K.POLICY_INTERPRETATION, "关于{t}政策的解读", "{t}相关文件印发后，请{u}做好政策解读，回应企业和群众关切。"),
]
HISTORY_THEMES = ["窗口服务提速", "企业开办“一网通办”", "不动产登记“交房即交证”", "工程项目审批压减时限", "营商环境投诉整改",
                  "社保业务“跨省通办”", "环评审批告知承诺", "道路运输证照电子化", "食品经营许可便利化", "“高效办成一件事”",
                  "涉企收费清理", "政务服务“好差评”", "惠企政策“免申即享”", "重点项目用地保障", "农民工工资清欠"]
HISTORY_FEEDBACK = ["已按要求完成，形成工作台账，相关制度已印发。", "已制定实施方案，明确责任科室和完成时限，阶段任务全部完成。",
                    "已召开专题会议研究落实，问题已整改到位，群众反映良好。"]


def _seed_history(office, leader_name: str = "刘振华") -> int:
    """Closed assignments of the last twelve months, each handed to one to three units that fed
    back and were closed, on time with each unit's own share; in bulk."""
    if h.has_history(AssignmentTarget):
        return 0
    units = list(Unit.objects.filter(code__in=HISTORY_UNITS).order_by("code"))
    handlers = {u.pk: User.objects.filter(unit=u, is_active=True).order_by("role", "pk").first() for u in units}
    r = h.rng("supervision")
    items, targets = [], []  # targets: (index of the item, target)
    last_number: dict[int, int] = {}
    for start in h.starts(r, 14):
        kind, title, text = r.choice(HISTORY_TOPICS)
        theme, chosen = r.choice(HISTORY_THEMES), r.sample(units, r.choice([1, 1, 2, 3]))
        year = start.astimezone(h.SHANGHAI).year
        if year not in last_number:
            last = Assignment.objects.filter(number__startswith=f"JB{year}-").order_by("-id").values_list(
                "number", flat=True).first()
            last_number[year] = int(last.rsplit("-", 1)[1]) if last else 0
        last_number[year] += 1
        item = Assignment(number=f"JB{year}-{last_number[year]:04d}", kind=kind, title=title.format(u=chosen[0].short_name, t=theme),
                          source_text=text.format(u=chosen[0].name, t=theme), issuing_leader=leader_name,
                          unit=office.unit, owner=office, status=Assignment.Status.CLOSED, created_at=start)
        flow = services.FLOWS[kind]
        dispatched = start + timedelta(hours=r.randint(1, 20))
        if flow.office:
            h.start_clock(item, rule=rule_cached(flow.office), start=start)
            clock_set_closed(item, at=dispatched)
        ended = []
        for n, unit in enumerate(chosen):
            target = AssignmentTarget(unit=unit, owner=handlers[unit.pk], is_lead=n == 0, assigned_at=dispatched,
                                      status=AssignmentTarget.Status.CLOSED, step=flow.feedback[0], reports_done=1,
                                      feedback=r.choice(HISTORY_FEEDBACK))
            h.start_clock(target, rule=rule_cached(flow.feedback[0]), start=dispatched)
            if h.close(r, target, share=h.on_time_share(unit.code, h.month_of(dispatched))):
                target.urge_count = int(target.breach_level >= 3)  # a red card: urged once (督办)
                ended.append(target)
        if len(ended) == len(chosen):
            items.append(item)
            targets.extend((len(items) - 1, t) for t in ended)
    Assignment.objects.bulk_create(items, batch_size=1000)
    for index, target in targets:
        target.assignment = items[index]
    AssignmentTarget.objects.bulk_create([t for _i, t in targets], batch_size=1000)
    permissions.share_with_units([(items[index], t.unit) for index, t in targets])  # as assignment_dispatch does
    events = h.breach_events([t for _i, t in targets], AssignmentTarget._meta.label_lower)
    for item in items:
        events.append(h.event("assignment.created", item, item.created_at, actor=office,
                              message=f"登记{item.get_kind_display()}：{item.title}"))
    for _i, t in targets:
        unit = t.unit_id
        events.append(h.event("assignment.dispatched", t, t.assigned_at, unit_id=unit, actor=office,
                              message=f"交办给 {t.unit.name}（{'牵头' if t.is_lead else '配合'}）"))
        if t.urge_count:
            events.append(h.event("assignment.urged", t, min(t.closed_at, h.sweep_moment(t.red_at)), unit_id=unit,
                                  actor=office, message="请抓紧办理并按时反馈（第 1 次督办）", payload={"count": 1}))
        events.append(h.event("assignment.fed_back", t, t.closed_at - timedelta(minutes=30), unit_id=unit,
                              actor=t.owner, message=t.feedback))
        events.append(h.event("assignment.closed", t, t.closed_at, unit_id=unit, actor=office, message="审核通过，办结"))
    h.events_write(events)
    return len(items)
