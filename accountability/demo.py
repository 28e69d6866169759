"""Demo data for complaints and accountability: a few citizens' complaints at different steps,
a decided case and a published bulletin. Idempotent (natural keys: the complaint text, the
case reason, the bulletin title); does nothing without the demo org (efficiency.demo)."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from efficiency import demo_history as h
from efficiency.clocks import rule_cached
from efficiency.models import Event, Role, Rung, Unit, User

from . import security, services
from .models import AccountabilityCase, Bulletin, Complaint, Measure, Rating

COMPLAINTS = [
    # key, category, unit code, place, text, anonymous, name, phone, how far
    ("slow", "slow", "EZ-ZRZY", "市民之家二楼不动产登记窗口",
     "10 月 9 日提交二手房过户登记，窗口承诺 5 个工作日办结，至今 12 个工作日仍说“系统在走流程”，没有任何书面答复。",
     True, "", "", "received"),
    ("buck", "buck_passing", "EZ-SCJG", "鄂州市市场监督管理局登记注册科",
     "办理食品经营许可变更，登记注册科让我找食品生产监管科，监管科又让我回登记科，来回跑了三趟没人负责。",
     False, "王先生", "13800000001", "assigned"),
    ("attitude", "attitude", "EZ-ZWZX", "市政务服务中心综合受理窗口 6 号",
     "6 号窗口工作人员午休前 20 分钟就拒绝接件，态度生硬，说“下午再来”。",
     False, "李女士", "13800000002", "rated"),
]


def _unit(code):
    return Unit.objects.filter(code=code).first()


def _user(username):
    return User.objects.filter(username=username).first()


def _complaint(office, leader, row):
    key, cat, code, place, text, anon, name, phone, stage = row
    unit = _unit(code)
    found = Complaint.objects.filter(description=text).first()
    if found or unit is None:
        return found
    c = services.complaint_file(category=cat, subject_unit=unit, description=text, place=place, is_anonymous=anon,
                                name=name, phone=phone).complaint
    if stage == "received":
        return c
    c = services.complaint_accept(complaint=c, actor=office)
    c = services.complaint_assign(complaint=c, actor=office, unit=unit)
    if stage == "assigned":
        return c
    handler = User.objects.filter(unit=unit, is_active=True).order_by("pk").first()
    c = services.complaint_unit_reply(complaint=c, actor=handler,
                                      reply="经调取窗口监控核实，反映情况属实。已对当事工作人员批评教育，并落实午间延时服务、弹性接件制度。")
    c = services.complaint_send_reply(complaint=c, actor=office, substantiated=True)  # the finding is the office's
    return services.complaint_rate(complaint=c, rating=Rating.BASICALLY, comment="态度有改善，希望长期坚持")


def _case(office, leader):
    reason = "不动产登记窗口连续 3 件办件超过承诺时限，群众多次投诉"
    case = AccountabilityCase.objects.filter(reason=reason).first()
    unit, person = _unit("EZ-ZRZY"), _user("jingban")
    if case or unit is None:
        return case
    case = services.case_open(actor=office, unit=unit, person=person, reason=reason)
    case = services.case_record_facts(case=case, actor=office, facts="经调取审批系统记录，3 件办件分别超期 4、6、7 个工作日，无延期审批手续。",
                                      evidence="审批系统办件日志；投诉人陈述；窗口排班表")
    case = services.case_record_statement(case=case, actor=office, statement="当月系统迁移，部分材料需人工补录，本人未及时报告延期。")
    case = services.case_submit(case=case, actor=office,
                                proposal="建议对责任人责令作出书面检查，对单位负责人通报批评，由任免机关决定。")
    return services.case_decide(case=case, actor=leader, decision=AccountabilityCase.Decision.MEASURE,
                                reason="超期属实，未按规定申请延期；单位负责人督促不力。",
                                person_measures=[Measure.SELF_CRITICISM], head_measures=[Measure.PUBLIC_CRITICISM])


def _bulletin(office, leader, cases, complaints):
    title = "关于近期效能投诉和问责典型案例的通报"
    found = Bulletin.objects.filter(title=title).first()
    if found:
        return found
    b = services.bulletin_create(actor=office, title=title, cases=[c for c in cases if c],
                                 complaints=[c for c in complaints if c and c.answered_at])
    return services.bulletin_sign_off(bulletin=b, actor=leader)


def _draft_bulletin(office):
    """One draft waiting for the leader's sign-off (签发)."""
    title = "关于政务服务中心窗口午间接件问题整改情况的通报（送审稿）"
    return Bulletin.objects.filter(title=title).first() or services.bulletin_create(
        actor=office, title=title, kind=Bulletin.Kind.CRITICISM,
        body="市政务服务中心综合受理窗口存在午休前提前停止接件的问题，经效能办核查属实，现已落实午间延时服务、弹性接件制度。")


@transaction.atomic
def seed(stdout=None) -> None:
    office, leader = _user("xiaoneng2"), _user("lingdao")
    if office is None or leader is None:
        if stdout:
            stdout.write("accountability: demo org missing, skipped")
        return
    complaints = [_complaint(office, leader, row) for row in COMPLAINTS]
    case = _case(office, leader)
    _bulletin(office, leader, [case], complaints)
    _draft_bulletin(office)
    past, past_cases = _seed_history(office, leader)
    if stdout and past:
        stdout.write(f"accountability: {past} answered complaints and {past_cases} decided cases of the last twelve months")
    if stdout:
        stdout.write(f"accountability: {Complaint.objects.count()} complaints, "
                     f"{AccountabilityCase.objects.count()} cases, {Bulletin.objects.count()} bulletins")


# --- twelve months of history (issue 15, point 9) ------------------------------------------------

HISTORY_UNITS = ["EZ-ZRZY", "EZ-SCJG", "EZ-ZWSJ", "EZ-ZWZX", "EZ-ZJ", "EZ-RS", "EZ-STHJ", "EZ-JT", "ECQ-SCJG", "HRQ-ZRZY"]
HISTORY_COMPLAINTS = [
    ("slow", "办理{t}已超过承诺时限，多次询问均答复“在走流程”，没有书面说明。"),
    ("buck_passing", "办理{t}时科室之间相互推诿，来回跑了三趟仍没有人负责。"),
    ("attitude", "窗口工作人员办理{t}时态度生硬，不愿解释需要补什么材料。"),
    ("broken_promise", "{t}承诺“最多跑一次”，实际跑了四次才办完。"),
    ("nonfeasance", "反映{t}相关问题一个多月，没有人联系处理。"),
]
HISTORY_MATTERS = ["二手房过户登记", "食品经营许可变更", "个体工商户注册", "社保关系转移", "施工许可证", "道路运输证年审",
                   "排污许可登记", "企业投资项目备案", "公积金提取", "营业执照地址变更"]
HISTORY_REPLIES = ["经核实，反映情况属实。已对当事工作人员批评教育，并建立超时预警和首问负责制度。",
                   "经核查，办件因系统迁移延误，已向投诉人说明并当场办结，相关环节已优化。",
                   "经调查，投诉反映的问题部分属实，已责成窗口落实一次性告知，并向投诉人致歉。"]


def _seed_history(office, leader) -> tuple[int, int]:
    """Answered and rated complaints of the last twelve months, and the accountability cases
    decided on the worst of them; in bulk."""

    if h.has_history(Complaint, "filed_at"):
        return 0, 0
    units = list(Unit.objects.filter(code__in=HISTORY_UNITS).order_by("code"))
    handlers = {u.pk: User.objects.filter(unit=u, is_active=True).order_by("role", "pk").first() for u in units}
    r, complaints = h.rng("complaints"), []
    for start in h.starts(r, 9):
        unit = r.choice(units)
        category, text = r.choice(HISTORY_COMPLAINTS)
        accepted = start + timedelta(hours=r.randint(2, 30))
        anonymous = r.random() < 0.3
        c = Complaint(
            tracking_number=f"TS{start.astimezone(h.SHANGHAI):%Y%m%d}{r.randrange(10**6):06d}",
            check_code_hash=security.digest(f"H{r.randrange(10**9)}"), link_token_hash=security.token_digest(f"h{r.random()}"),
            status=Complaint.Status.CLOSED, category=category, subject_unit=unit, unit=unit, owner=handlers[unit.pk],
            description=text.format(t=r.choice(HISTORY_MATTERS)), is_anonymous=anonymous,
            complainant_name="" if anonymous else r.choice("王李张刘陈杨黄赵吴周") + r.choice(["先生", "女士"]),
            complainant_phone="" if anonymous else f"139{r.randrange(10**8):08d}", accepted_at=accepted,
            handling_rounds=1)
        h.start_clock(c, rule=rule_cached("complaint.reply"), start=accepted)
        if not h.close(r, c, share=h.on_time_share(unit.code, h.month_of(start))):
            continue
        c.unit_reply = c.reply = r.choice(HISTORY_REPLIES)
        c.unit_replied_at = c.closed_at - timedelta(hours=r.randint(2, 20))
        c.answered_at = c.finding_at = c.closed_at
        c.substantiated, c.finding_by = r.random() < 0.35, office
        c.rating = r.choice([Rating.SATISFIED, Rating.SATISFIED, Rating.BASICALLY]
                            if c.clock_state == "done" else [Rating.BASICALLY, Rating.DISSATISFIED])
        c.rated_at = c.closed_at + timedelta(hours=r.randint(2, 48))
        c.filed_at = start  # set again after the insert: `auto_now_add` stamps it now
        complaints.append(c)
    filed = [c.filed_at for c in complaints]
    Complaint.objects.bulk_create(complaints, batch_size=1000)
    _history_filed_at(complaints, filed)
    events = h.breach_events(complaints, Complaint._meta.label_lower)
    for c in complaints:
        events += [
            h.event("complaints.filed", c, c.filed_at, message=f"收到效能投诉 {c.tracking_number}（{c.get_category_display()}，网上投诉）",
                    payload={"category": c.category, "channel": "web", "subject_unit_id": c.subject_unit_id}),
            h.event("complaints.accepted", c, c.accepted_at, actor=office, message=f"您的投诉 {c.tracking_number} 已受理。"),
            h.event("complaints.assigned", c, c.accepted_at, unit_id=c.unit_id, actor=office, message=f"交办 {c.unit.name} 办理"),
            h.event("complaints.unit_replied", c, c.unit_replied_at, unit_id=c.unit_id, actor=c.owner, message=c.unit_reply),
            h.event("complaints.replied", c, c.answered_at, actor=office, payload={"substantiated": c.substantiated}),
            h.event("complaints.rated", c, c.rated_at, unit_id=c.unit_id, payload={"rating": c.rating},
                    message=c.get_rating_display()),
        ]
        if c.substantiated:
            events.append(h.event("complaints.substantiated", c, c.answered_at, unit_id=c.subject_unit_id, actor=office,
                                  payload={"category": c.category}))
    cases = _history_cases(r, office, leader, complaints, events)
    h.events_write(events)
    return len(complaints), cases


def _history_filed_at(complaints, filed) -> None:

    with connection.cursor() as cursor:
        cursor.execute("UPDATE accountability_complaint AS c SET filed_at = v.at FROM unnest(%s::bigint[], %s::timestamptz[])"
                       " AS v(id, at) WHERE c.id = v.id", [[c.pk for c in complaints], filed])
    for c, at in zip(complaints, filed):
        c.filed_at = at


def _history_case(r, office, leader, *, opened, unit_id, person_id, source, subject_type, subject_id, reason, facts):
    head = User.objects.filter(unit_id=unit_id, role=Role.HEAD, is_active=True).order_by("pk").first()
    case = AccountabilityCase(
        number=f"H{subject_type}{subject_id}"[-24:], status=AccountabilityCase.Status.DECIDED, source=source,
        subject_type=subject_type, subject_id=subject_id, unit_id=unit_id, person_id=person_id,
        person_missing_reason="" if person_id else "该事项未指定承办人，责任人经调查认定为单位。",
        leader=head, leader_missing_reason="" if head else "该单位未登记负责人。", owner=office,
        reason=reason, facts=facts, proposal="建议责令作出书面检查。", proposed_by=office, proposed_at=opened,
        decision=AccountabilityCase.Decision.MEASURE, person_measures=[Measure.SELF_CRITICISM],
        decision_reason="超期属实，未按规定申请延期。", decided_by=leader, decided_body="appointing",
        decided_unit=leader.unit)
    h.start_clock(case, rule=rule_cached("case.investigation"), start=opened)
    if not h.close(r, case, share=0.9):
        return None
    case.decided_at = case.closed_at
    return case


def _history_cases(r, office, leader, complaints, events) -> int:
    """The cases of the past, investigated and decided (问责): one on each substantiated complaint
    answered late, and one on every other red card of the other parts' past (the sweep's
    `clock.breach` events written by their demo history, read from the core's event log)."""
    found = []
    for c in complaints:
        if c.substantiated and c.clock_state == "done_late":
            found.append(_history_case(
                r, office, leader, opened=c.answered_at + timedelta(hours=r.randint(2, 48)), unit_id=c.subject_unit_id,
                person_id=c.owner_id, source=AccountabilityCase.Source.COMPLAINT, subject_type=Complaint._meta.label_lower,
                subject_id=c.pk, reason=f"效能投诉 {c.tracking_number} 经查属实且超期答复：{c.description}", facts=c.reply))
    red = Event.objects.filter(kind="clock.breach", level_to=Rung.RED, fanned_out=True, unit__isnull=False,
                               at__lt=timezone.now() - h.PAST).order_by("at", "id")
    for e in red[::2]:
        found.append(_history_case(
            r, office, leader, opened=h.sweep_moment(e.at + timedelta(days=2)), unit_id=e.unit_id, person_id=e.owner_id,
            source=AccountabilityCase.Source.RED_CARD, subject_type=e.subject_type, subject_id=e.subject_id,
            reason="超过时限亮红牌，未按规定申请延期", facts="经调取系统记录，该事项超过承诺时限，无延期审批手续。"))
    cases = [case for case in found if case is not None]
    AccountabilityCase.objects.bulk_create(cases)
    with connection.cursor() as cursor:  # the number as `_case_number` gives it; opened then, not now
        cursor.execute("""UPDATE accountability_accountabilitycase SET created_at = clock_start, number =
                            'WZ' || to_char(clock_start AT TIME ZONE 'Asia/Shanghai', 'YYYY') || lpad(id::text, 6, '0')
                          WHERE id = ANY(%s)""", [[case.pk for case in cases]])
    events += h.breach_events(cases, AccountabilityCase._meta.label_lower)
    for case in cases:
        events.append(h.event("cases.opened", case, case.clock_start, unit_id=case.unit_id, actor=office,
                              message=case.reason[:200]))
        events.append(h.event("cases.decided", case, case.closed_at, unit_id=case.unit_id, actor=leader,
                              message="问责：责令作出书面检查"))
    return len(cases)
