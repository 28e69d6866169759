"""Demo data for inspection: a cap, pools, an approved plan, a draw, visits, findings and a
rectification. Idempotent (looked up by natural keys); does nothing without the demo org."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from efficiency.models import Role, Unit, User
from efficiency.workdays import local_date

from . import services
from .models import InspectionCap, InspectionPlan, InspectorPool, Method, TargetPool

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
