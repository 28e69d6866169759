"""Demo data for complaints and accountability: a few citizens' complaints at different steps,
a decided case and a published bulletin. Idempotent (natural keys: the complaint text, the
case reason, the bulletin title); does nothing without the demo org (efficiency.demo)."""

from __future__ import annotations

from django.db import transaction

from efficiency.models import Unit, User

from . import services
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
    if stdout:
        stdout.write(f"accountability: {Complaint.objects.count()} complaints, "
                     f"{AccountabilityCase.objects.count()} cases, {Bulletin.objects.count()} bulletins")
