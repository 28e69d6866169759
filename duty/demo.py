"""Demo duty records (idempotent: looked up by natural keys; nothing without the demo org)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from efficiency.models import Unit, User
from efficiency.workdays import local_date

from . import services
from .models import ContactPoint, DutyShift, Opinion, ReceptionDay

PEOPLE = ["xiaoneng2", "jingban", "fuzeren", "fenguan", "lingdao"]


@transaction.atomic
def seed(stdout=None) -> None:
    people = {u.username: u for u in User.objects.filter(username__in=PEOPLE)}
    unit = Unit.objects.filter(code="EZ-ZRZY").first()
    if unit is None or len(people) < len(PEOPLE):
        return
    office, leader = people["xiaoneng2"], people["lingdao"]
    today = local_date(timezone.now())
    if not DutyShift.objects.filter(unit=unit, day=today).exists():  # R45
        shift = services.duty_shift_set(actor=office, unit=unit, day=today, officer=people["jingban"],
                                        leader=people["fuzeren"], standby=people["fenguan"], phone="0711-3201234")
        services.duty_check_record(actor=office, shift=shift, answered=True, rings=2, note="夜间抽查")
    if not ReceptionDay.objects.filter(leader=leader).exists():  # R50
        services.reception_record(actor=office, leader=leader, day=today - timedelta(days=3), place="市信访局接待大厅",
                                  visitors=6, matters="群众反映不动产证办理慢，当场交市资规局限期答复。")
    if not ContactPoint.objects.filter(leader=leader).exists():  # R52
        point = services.contact_point_create(actor=office, leader=leader, name="葛店经济技术开发区", unit=unit)
        services.contact_visit_record(actor=office, point=point, visited_on=today.replace(day=1),
                                      summary="走访园区企业，协调用地报批。")
        services.contact_point_create(actor=office, leader=leader, name="华容区庙岭镇", unit=unit)
    if not Opinion.objects.filter(unit=unit).exists():  # R63
        services.opinion_log(actor=office, unit=unit, source="群众满意度问卷", content="不动产登记窗口排队时间长",
                             measures="增设午间延时服务窗口")
    if stdout:
        stdout.write("  duty: roster, spot check, reception day, contact points, opinion ledger")
