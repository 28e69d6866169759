"""Demo data for inspection: a cap, pools, an approved plan, a draw, visits, findings and a
rectification. Idempotent (looked up by natural keys); does nothing without the demo org."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from efficiency import demo_history as h
from efficiency.clocks import Limit
from efficiency.models import LimitUnit, Role, Unit, User
from efficiency.workdays import local_date

from . import services
from .models import Finding, InspectionCap, InspectionPlan, InspectorPool, Method, Rectification, TargetPool, Visit

TOPIC = "政务服务窗口作风建设明查暗访"
TARGETS = ["EZ-ZRZY", "EZ-SCJG", "EZ-ZWZX", "EZ-ZJ", "EZ-RS", "EZ-STHJ", "EZ-JT"]
INSPECTORS = ["xiaoneng2", "xiaoneng", "fuzeren", "fuzeren2"]
SEED = 20260315


def _log(stdout, msg):
    if stdout is not None:
        stdout.write(f"  inspection: {msg}")


@transaction.atomic
def seed(stdout=None) -> None:
    units = {u.code: u for u in Unit.objects.filter(code__in=[*TARGETS, "EZ-XNB"])}
    people = {u.username: u for u in User.objects.filter(username__in=[*INSPECTORS, "lingdao", "sysadmin", "jingban"])}
    if len(units) < len(TARGETS) + 1 or len(people) < len(INSPECTORS) + 3:
        _log(stdout, "demo org missing, skipped")
        return
    office, leader, office_unit = people["xiaoneng2"], people["lingdao"], units["EZ-XNB"]
    today = local_date(timezone.now())
    if not InspectionCap.objects.filter(issuing_unit=office_unit, year=today.year).exists():
        services.cap_set(actor=people["sysadmin"], issuing_unit=office_unit, year=today.year, base_2018=24, cap=12)
    tp = TargetPool.objects.filter(name="鄂州市直窗口单位").first() or services.target_pool_create(
        actor=office, name="鄂州市直窗口单位", issuing_unit=office_unit, units=[units[c] for c in TARGETS])
    ip = InspectorPool.objects.filter(name="鄂州市效能督查人员").first() or services.inspector_pool_create(
        actor=office, name="鄂州市效能督查人员", issuing_unit=office_unit, members=[people[u] for u in INSPECTORS])
    past = _seed_history(office, leader, units, people)
    if past:
        _log(stdout, f"{past} finished inspections of the last twelve months")
    if InspectionPlan.objects.filter(topic=TOPIC, issuing_unit=office_unit).exists():
        _log(stdout, "already seeded")
        return
    start = today - timedelta(days=30)
    plan = services.plan_create(
        actor=office, topic=TOPIC, scope="工作纪律、服务态度、一次性告知、限时办结落实情况；随机抽取窗口单位，明查与暗访结合。",
        method=Method.OPEN, issuing_unit=office_unit, region=office_unit.region, start_date=start,
        end_date=today + timedelta(days=30), units=[units[c] for c in TARGETS], sample_size=3)
    services.plan_submit(actor=office, plan=plan)
    plan = services.plan_approve(actor=leader, plan=plan, note="同意。注意减少陪同、不打招呼、直奔现场。")
    draw = services.draw_make(actor=office, plan=plan, target_pool=tp, inspector_pool=ip, n_targets=3,
                              per_target=2, seed=SEED)
    drawn = [Unit.objects.get(pk=row["target"]) for row in draw.result]
    team = [User.objects.get(pk=i) for i in draw.result[0]["inspectors"]]
    visit = services.visit_record(
        actor=office, plan=plan, draw=draw, unit=drawn[0], kind=Method.OPEN, visited_on=start + timedelta(days=2),
        place="市民之家二楼综合窗口", people_met="窗口负责人1名、办事群众3名",
        summary="上午10时许，3号窗口无人值守约20分钟；一次性告知单未上墙。", inspectors=team)
    responsible = User.objects.filter(unit=drawn[0], role__in=[Role.CLERK, Role.HEAD], is_active=True).first()
    finding = services.finding_record(
        actor=office, visit=visit, title="工作时间窗口空岗、一次性告知未落实", severity="general",
        description="3号窗口工作时间无人值守约20分钟，群众等候；一次性告知单未公示。",
        rectify_target="窗口全时段有人值守，建立AB岗；一次性告知单上墙并上网公示。",
        rectify_days=15, feedback_date=start + timedelta(days=3), responsible=responsible)
    services.visit_close(actor=office, visit=visit)
    services.draw_publish(actor=office, draw=draw)
    # An unannounced visit (暗访) outside the draw, still open: hidden from that unit.
    hidden_target = next(units[c] for c in TARGETS if units[c] not in drawn)
    services.visit_record(actor=office, plan=plan, unit=hidden_target, kind=Method.UNANNOUNCED,
                          visited_on=today - timedelta(days=1), place="办事大厅",
                          people_met="以办事群众身份咨询", summary="暗访：咨询企业开办事项，答复清楚。")
    _log(stdout, f"plan #{plan.pk}, draw seed {draw.seed}, rectification #{finding.rectification.pk}")


# --- twelve months of history (issue 15, point 9) ------------------------------------------------

HISTORY_PLANS = [
    # months back, topic, [(finding title, rectification target)]
    (11, "岁末年初窗口单位作风建设暗访", [("窗口工作人员上班时间玩手机", "严格执行窗口工作纪律，建立巡查通报制度。"),
                              ("办事指南与实际要求材料不一致", "全面梳理办事指南，做到线上线下同源一致。")]),
    (8, "“高效办成一件事”落实情况督查", [("一件事套餐表单仍需重复填写", "打通系统数据共享，实现一表申请。"),
                                ("联办事项未明确牵头科室", "明确牵头科室和联办时限，挂图作战。")]),
    (5, "营商环境政策落实专项督查", [("惠企政策兑现超过承诺时限", "建立政策兑现台账，逐项销号。"),
                             ("涉企检查未按计划报备", "落实涉企检查计划报备和“综合查一次”。")]),
    (2, "政务服务“好差评”差评整改督查", [("差评未在规定时间内回访", "落实差评 1 个工作日内回访、15 个工作日内整改。"),
                                 ("整改结果未向评价人反馈", "整改结果逐件反馈评价人并留痕。")]),
]


def _seed_history(office, leader, units: dict, people: dict) -> int:
    """Four past inspections (one a quarter): approved and finished plans, visits to three units
    each, findings and their rectifications verified on time or late by each unit's own share."""
    if h.has_history(Finding, "created_at"):  # the current plan's rectification started a month ago
        return 0
    r = h.rng("inspection")
    targets = [units[c] for c in TARGETS]
    office_unit = units["EZ-XNB"]
    today = local_date(timezone.now())
    rows = []  # (plan, [(visit, [(finding, rectification)])])
    for back, topic, problems in HISTORY_PLANS:
        month = h.first_day() + timedelta(days=31 * (12 - back))
        start = month.replace(day=1) + timedelta(days=r.randint(2, 8))
        plan = InspectionPlan(
            topic=topic, scope="工作纪律、服务态度、一次性告知、限时办结落实情况；随机抽取、明查与暗访结合。",
            method=Method.OPEN, issuing_unit=office_unit, region=office_unit.region, start_date=start,
            end_date=start + timedelta(days=20), sample_size=3, status=InspectionPlan.Status.CLOSED, filed_by=office,
            submitted_at=h.at_work(start - timedelta(days=7), r), approved_by=leader,
            approved_at=h.at_work(start - timedelta(days=5), r), decision_note="同意。",
            closing_summary="检查发现的问题已全部交办整改，整改情况已验收。")
        visits = []
        for unit in r.sample(targets, 3):
            visited = start + timedelta(days=r.randint(0, 10))
            visit = Visit(plan=plan, unit=unit, kind=Method.OPEN, visited_on=visited, place="政务服务大厅",
                          people_met="窗口负责人、办事群众", summary="现场查看窗口服务，随机询问办事群众。",
                          status=Visit.Status.CLOSED, recorded_by=office, closed_at=h.at_work(visited, r))
            title, target = r.choice(problems)
            found = h.at_work(visited, r)
            handler = User.objects.filter(unit=unit, role__in=[Role.CLERK, Role.HEAD], is_active=True).order_by("pk").first()
            finding = Finding(plan=plan, unit=unit, title=title, description=title, rectify_target=target,
                              rectify_days=15, feedback_date=visited + timedelta(days=3), responsible=handler,
                              recorded_by=office)
            rect = Rectification(unit=unit, owner=handler, target=target, status=Rectification.Status.VERIFIED,
                                 measures="制定整改方案，明确责任人和完成时限。", report="已按整改目标完成整改，建立长效机制。",
                                 verified_by=office, verify_note="整改到位，同意验收。")
            h.start_clock(rect, limit=Limit(15, LimitUnit.DAYS), start=found)
            if not h.close(r, rect, share=h.on_time_share(unit.code, h.month_of(found))):
                continue
            rect.measures_at = found + timedelta(days=2)
            rect.reported_at, rect.verified_at = rect.closed_at - timedelta(hours=4), rect.closed_at
            visits.append((visit, finding, rect, found))
        if visits and max(v[2].closed_at for v in visits) < timezone.now():
            plan.closed_on = min(today, local_date(max(v[2].closed_at for v in visits)))
            plan.closed_at = plan.results_published_at = h.at_work(plan.closed_on, r)
            rows.append((plan, visits))
    return _history_write(rows, office, people)


def _history_write(rows, office, people) -> int:
    InspectionPlan.objects.bulk_create([plan for plan, _v in rows])
    through = InspectionPlan.units.through
    through.objects.bulk_create([through(inspectionplan=plan, unit=unit) for plan, visits in rows
                                 for unit in {v[0].unit for v in visits}])
    for plan, visits in rows:
        for visit, finding, rect, _found in visits:
            visit.plan = finding.plan = plan
    Visit.objects.bulk_create([v[0] for _p, visits in rows for v in visits])
    inspectors = [people[u] for u in ("xiaoneng2", "xiaoneng")]
    vthrough = Visit.inspectors.through
    vthrough.objects.bulk_create([vthrough(visit=v[0], user=person) for _p, visits in rows for v in visits
                                  for person in inspectors])
    for _p, visits in rows:
        for visit, finding, rect, _found in visits:
            finding.visit = visit
    Finding.objects.bulk_create([v[1] for _p, visits in rows for v in visits])
    rects = []
    for _p, visits in rows:
        for _visit, finding, rect, _found in visits:
            rect.finding = finding
            rects.append(rect)
    Rectification.objects.bulk_create(rects)
    # Stamped now by `auto_now_add`: the times they were made, set once for all.
    for model, pairs in ((InspectionPlan, [(p.pk, p.submitted_at) for p, _v in rows]),
                         (Visit, [(v[0].pk, v[0].closed_at) for _p, vs in rows for v in vs]),
                         (Finding, [(v[1].pk, v[3]) for _p, vs in rows for v in vs])):
        column = "filed_at" if model is InspectionPlan else "created_at"
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {model._meta.db_table} AS t SET {column} = v.at FROM unnest(%s::bigint[], "
                           f"%s::timestamptz[]) AS v(id, at) WHERE t.id = v.id", [[p[0] for p in pairs], [p[1] for p in pairs]])
    events = h.breach_events(rects, Rectification._meta.label_lower)
    for _p, visits in rows:
        for _visit, finding, rect, found in visits:
            events.append(h.event("inspection.finding", finding, found, unit_id=finding.unit_id, actor=office,
                                  message=finding.title))
            events.append(h.event("rectification.verified", rect, rect.verified_at, unit_id=rect.unit_id, actor=office,
                                  message=rect.verify_note,
                                  payload={"late": rect.clock_state == "done_late", "plan_id": finding.plan_id}))
    h.events_write(events)
    return len(rows)
