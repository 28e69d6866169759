"""Demo service items and applications for the approvals app (idempotent: natural keys)."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from efficiency import demo_history as h
from efficiency.clocks import Limit, rule_cached
from efficiency.models import Event

from .models import Application, Rating, ServiceItem, Status
from .validators import id_card_check_digit, uscc_check_char

ITEMS = [
    # unit code, item code, name, legal basis, conditions, procedure, fee, legal, committed, deemed, joint, materials
    ("EZ-ZRZY", "EZ-ZRZY-001", "建设工程规划许可证核发", "《中华人民共和国城乡规划法》第四十条；《湖北省城乡规划条例》",
     "已取得建设用地使用权；建设工程设计方案符合控制性详细规划和规划条件。",
     "网上申报或窗口收件 → 受理 → 住建、生态环境部门并联审查 → 审查决定 → 发证", "", 45, 15, True,
     ["EZ-ZJ", "EZ-STHJ"],
     ["建设工程规划许可证申请表", "建设用地使用权证明文件", "建设工程设计方案总平面图", "建筑施工图（含效果图）"]),
    ("EZ-ZRZY", "EZ-ZRZY-002", "建设用地规划许可证核发", "《中华人民共和国城乡规划法》第三十七条、第三十八条",
     "建设项目已批准、核准或备案；取得规划条件。", "收件 → 受理 → 审查 → 决定", "", 20, 7, False, [],
     ["建设用地规划许可申请表", "项目批准、核准或备案文件", "宗地勘测定界图"]),
    ("EZ-SCJG", "EZ-SCJG-001", "食品经营许可", "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》",
     "有与经营的食品品种、数量相适应的经营场所和设施；有食品安全管理人员和管理制度。",
     "申请 → 受理 → 材料审查（必要时现场核查）→ 决定 → 发证", "", 20, 10, True, [],
     ["食品经营许可申请书", "营业执照复印件", "与食品经营相适应的主要设备设施布局、操作流程等文件", "食品安全自查、从业人员健康管理等制度"]),
    ("EZ-SCJG", "EZ-SCJG-002", "个体工商户设立登记", "《促进个体工商户发展条例》；《市场主体登记管理条例》第二十一条",
     "经营者具有完全民事行为能力；经营场所合法。", "申请 → 受理 → 核准 → 发照", "", 15, 3, True, [],
     ["个体工商户登记（备案）申请书", "经营者身份证明", "经营场所使用证明"]),
    ("EZ-ZWSJ", "EZ-ZWSJ-001", "企业投资项目备案", "《企业投资项目核准和备案管理条例》第十三条",
     "不属于《政府核准的投资项目目录》的企业投资项目。", "在线平台告知项目信息 → 备案 → 出具备案证明", "", 3, 1, False, [],
     ["项目备案信息表（企业基本情况、项目名称、建设地点、规模和内容、总投资）", "企业营业执照"]),
]


# R44: items handled 最多跑一次; R61: each step's limit, responsible leader and handler.
ONE_VISIT = ["EZ-SCJG-002", "EZ-ZWSJ-001"]
STEPS = {
    # item code: [(step, working days, leader username, handler username)]
    "EZ-ZRZY-002": [("受理", 1, "fuzeren", "jingban"), ("审查", 4, "fuzeren", "jingban"), ("决定", 2, "fuzeren", "fuzeren")],
    "EZ-SCJG-002": [("受理", 1, "fuzeren2", "jingban2"), ("核准发照", 2, "fuzeren2", "jingban2")],
}


def _steps_and_one_visit(services, user) -> None:
    for code in ONE_VISIT:
        item = ServiceItem.objects.filter(code=code, one_visit=False).first()
        if item is not None:
            services.item_save(actor=user("xiaoneng2"), unit=item.unit, item=item, one_visit=True)
    for code, steps in STEPS.items():
        item = ServiceItem.objects.filter(code=code).first()
        people = [(user(leader), user(handler)) for _n, _d, leader, handler in steps]
        if item is None or item.steps.exists() or not all(a and b for a, b in people):
            continue
        services.item_steps_set(actor=user("xiaoneng2"), item=item, steps=[
            {"name": name, "limit_days": days, "leader": leader, "handler": handler}
            for (name, days, _l, _h), (leader, handler) in zip(steps, people)])


def _person_id(seq: str) -> str:
    first = f"42070219850312{seq}"
    return first + id_card_check_digit(first)


def _uscc(body: str) -> str:
    first = f"91420700{body}"
    return first + uscc_check_char(first)


APPLICATIONS = [
    # item code, kind, name, id, phone, project, materials missing, then: None / "decide" / "rate"
    ("EZ-ZRZY-001", "enterprise", "鄂州市滨湖置业有限公司", _uscc("MA49K2L1P"), "13871100001", "滨湖商业综合体一期", 0, None),
    ("EZ-ZRZY-001", "enterprise", "湖北鄂东物流发展有限公司", _uscc("MA4A3B7CX"), "13871100002", "三江港物流仓储中心", 1, None),
    ("EZ-SCJG-001", "person", "陈小红", _person_id("123"), "13871100003", "小红家常菜馆", 0, "rate"),
    ("EZ-SCJG-002", "person", "刘大勇", _person_id("456"), "13871100004", "大勇五金店", 0, "decide"),
    ("EZ-ZRZY-002", "enterprise", "鄂州市临空产业投资有限公司", _uscc("MA4C5D8E1"), "13871100005", "临空经济区标准厂房", 0, None),
]


# 综合窗口: taken in by the 政务服务中心 window (chuangkou) on three departments' behalf, in
# different states. item code, kind, name, id, phone, project, materials missing, then:
# None (in review at the department) / "notice" (one-time notice given at the window) / "wait"
# (incomplete, the notice still to give) / "decide" (decided by the department).
WINDOW_APPLICATIONS = [
    ("EZ-SCJG-002", "person", "周建华", _person_id("611"), "13871100011", "建华便利店", 0, None),
    ("EZ-SCJG-001", "person", "吴桂兰", _person_id("622"), "13871100012", "桂兰早餐店", 1, "notice"),
    ("EZ-ZRZY-002", "enterprise", "鄂州市葛店产业园开发有限公司", _uscc("MA4D6E9F2"), "13871100013", "葛店智能制造产业园",
     0, None),
    ("EZ-ZRZY-001", "enterprise", "鄂州市花湖文旅发展有限公司", _uscc("MA4E7F1G3"), "13871100014", "花湖湿地游客中心",
     1, "wait"),
    ("EZ-ZWSJ-001", "enterprise", "湖北顺丰航空物流有限公司", _uscc("MA4F8G2H4"), "13871100015", "花湖机场航空货运分拣中心",
     0, "decide"),
    ("EZ-ZWSJ-001", "enterprise", "鄂州市红莲湖新材料有限公司", _uscc("MA4G9H3J5"), "13871100016", "新型建材生产线技改",
     0, None),
]


def _seed_window(user) -> None:
    from . import services

    window = user("chuangkou")
    if window is None:
        return
    for item_code, kind, name, id_number, phone, project, missing, then in WINDOW_APPLICATIONS:
        item = ServiceItem.objects.filter(code=item_code).first()
        if item is None or Application.objects.filter(item=item, applicant_id_number=id_number).exists():
            continue
        materials = list(item.materials.filter(required=True).order_by("order"))
        app, _code = services.application_receive(
            actor=window, item=item, applicant_kind=kind, applicant_name=name, applicant_id_number=id_number,
            applicant_phone=phone, project=project, materials=materials[: len(materials) - missing])
        if then == "notice":
            services.application_issue_notice(actor=window, application=app)
        if then == "decide" and app.owner is not None:
            services.application_decide(actor=app.owner, application=app, outcome=Status.APPROVED)


def seed(stdout=None) -> None:
    from efficiency.demo import unit, user

    from . import services

    if unit("EZ-ZRZY") is None:
        return
    with transaction.atomic():
        for (unit_code, code, name, basis, cond, proc, fee, legal, committed, deemed, joint, materials) in ITEMS:
            owner_unit = unit(unit_code)
            if owner_unit is None or ServiceItem.objects.filter(code=code).exists():
                continue
            services.item_save(
                actor=user("xiaoneng2") or user("xiaoneng"), unit=owner_unit, code=code, name=name, legal_basis=basis,
                conditions=cond, procedure=proc, fee=fee, legal_limit=legal, committed_limit=committed,
                deemed_approval=deemed, is_published=True, materials=materials,
                joint_units=[u for u in (unit(c) for c in joint) if u])
        _steps_and_one_visit(services, user)
        clerks = {"EZ-ZRZY": user("jingban"), "EZ-SCJG": user("jingban2"), "EZ-ZWSJ": None}
        for item_code, kind, name, id_number, phone, project, missing, then in APPLICATIONS:
            item = ServiceItem.objects.filter(code=item_code).first()
            clerk = clerks.get(item.unit.code) if item else None
            if clerk is None or Application.objects.filter(item=item, applicant_id_number=id_number).exists():
                continue
            materials = list(item.materials.filter(required=True).order_by("order"))
            app, _code = services.application_receive(
                actor=clerk, item=item, applicant_kind=kind, applicant_name=name, applicant_id_number=id_number,
                applicant_phone=phone, project=project, materials=materials[: len(materials) - missing])
            if missing:
                services.application_issue_notice(actor=clerk, application=app)
            if then in ("decide", "rate"):
                services.application_decide(actor=clerk, application=app, outcome=Status.APPROVED)
            if then == "rate":
                services.rating_submit(application=app, score=5, comment="窗口服务热情，一次办结")
        _seed_window(user)
        past = _seed_history(user)
    if stdout and past:
        stdout.write(f"  approvals: {past} closed applications of the last twelve months")
    if stdout:
        stdout.write(f"  approvals: {ServiceItem.objects.count()} service items, {Application.objects.count()} applications")


# --- twelve months of history (issue 15, point 9) ------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
         "华", "平", "建国", "桂兰", "志强", "红梅", "海燕", "德胜", "文斌", "春兰", "晓东", "玉珍"]
SHOPS = ["便利店", "早餐店", "五金店", "家常菜馆", "水果店", "理发店", "烟酒店", "药店", "面馆", "建材店", "服装店"]
# Per item (not joint: a joint item's review steps are its own story): applications a month.
HISTORY_ITEMS = {"EZ-ZRZY-002": 6, "EZ-SCJG-001": 14, "EZ-SCJG-002": 18, "EZ-ZWSJ-001": 10}
HISTORY_CLERKS = {"EZ-ZRZY": "jingban", "EZ-SCJG": "jingban2", "EZ-ZWSJ": "jingban3"}
RATING_COMMENTS = {5: ["一次办结，非常满意", "窗口服务热情", "网上申报很方便"], 4: ["办理顺利", "材料一次告知清楚"],
                   3: ["比承诺时间晚了几天", "等待时间较长"]}


def _history_applicant(r, n: int) -> dict:
    name = r.choice(SURNAMES) + r.choice(GIVEN)
    born = f"{r.randint(1960, 2000)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}"
    first = f"420702{born}{n % 1000:03d}"
    return {"applicant_kind": "person", "applicant_name": name, "applicant_id_number": first + id_card_check_digit(first),
            "applicant_phone": f"138{r.randint(0, 99999999):08d}", "project": name[0] + r.choice(GIVEN) + r.choice(SHOPS)}


def _seed_history(user) -> int:
    """Closed applications of the last twelve months with their ratings (好差评), in bulk."""
    if h.has_history(Application):
        return 0
    rule = rule_cached("application.service")
    apps, r = [], h.rng("approvals")
    for code, per_month in HISTORY_ITEMS.items():
        item = ServiceItem.objects.filter(code=code).select_related("unit").first()
        clerk = user(HISTORY_CLERKS.get(item.unit.code, "")) if item else None
        if clerk is None:
            continue
        for start in h.starts(r, per_month):
            app = Application(item=item, unit=item.unit, owner=clerk, first_handler=clerk, status=Status.APPROVED,
                              received_at=start, accepted_at=start, legal_limit=item.legal_limit,
                              committed_limit=item.committed_limit, deemed_approval=False,
                              decided_by=clerk, **_history_applicant(r, len(apps)))
            h.start_clock(app, rule=rule, limit=Limit(item.committed_limit), legal=Limit(item.legal_limit),
                          start=start)
            if h.close(r, app, share=h.on_time_share(item.unit.code, h.month_of(start))):
                app.decided_at, app.decision_reason = app.closed_at, "材料齐全，符合法定条件，准予许可。"
                apps.append(app)
    Application.objects.bulk_create(apps, batch_size=1000)
    with connection.cursor() as cursor:  # the receipt number as `_accept` gives it
        cursor.execute("""UPDATE approvals_application SET receipt_number =
                            'SL' || to_char(accepted_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(id::text, 6, '0')
                          WHERE id = ANY(%s)""", [[a.pk for a in apps]])
    ratings = []
    for app in apps:
        if r.random() < 0.6:
            score = r.choice([5, 5, 4]) if app.clock_state == "done" else r.choice([4, 3, 3])
            at = min(app.closed_at + timedelta(hours=r.randint(1, 72)), timezone.now() - h.PAST)
            ratings.append(Rating(application=app, unit=app.unit, score=score, comment=r.choice(RATING_COMMENTS[score]),
                                  created_at=at))
    Rating.objects.bulk_create(ratings, batch_size=1000)
    events: list[Event] = h.breach_events(apps, Application._meta.label_lower)
    for app in apps:
        events.append(h.event("approvals.accepted", app, app.accepted_at, unit_id=app.unit_id, actor=app.owner))
        events.append(h.event("approvals.decided", app, app.decided_at, unit_id=app.unit_id, actor=app.owner,
                              message="准予许可"))
    for rating in ratings:
        events.append(h.event("approvals.rated", rating.application, rating.created_at, unit_id=rating.unit_id,
                              payload={"score": rating.score, "unit_id": rating.unit_id, "round": 1,
                                       "rating_id": rating.pk},
                              message=f"{rating.get_score_display()} {rating.comment}"))
    h.events_write(events)
    return len(apps)
