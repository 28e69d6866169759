"""The demo org chart: Hubei province, two cities and two districts, about twenty units.

Unit codes are stable: other apps' `demo.seed()` look units up by them (`unit("EZ-ZRZY")`).
Every step is get-or-create by a natural key, so running it again changes nothing.
"""

from __future__ import annotations

import importlib

from django.apps import apps
from django.db import transaction

from . import services
from .models import ADMIN_ROLES, Rank, Region, Role, Section, Unit, User

# Meets the policy (10+ characters, four classes). Printed by seed_demo; demo only.
DEMO_PASSWORD = "Demo@2025xn"

REGIONS = [
    # code, name, level, parent code
    ("420000", "湖北省", Region.Level.PROVINCE, None),
    ("420100", "武汉市", Region.Level.CITY, "420000"),
    ("420700", "鄂州市", Region.Level.CITY, "420000"),
    ("420703", "华容区", Region.Level.COUNTY, "420700"),
    ("420704", "鄂城区", Region.Level.COUNTY, "420700"),
]

_DEPT_SECTIONS = ["办公室", "政策法规科", "行政审批科"]

UNITS = [
    # code, name, short name, kind, region code, parent code, sections
    ("HB-GOV", "湖北省人民政府", "省政府", Unit.Kind.GOVERNMENT, "420000", None, ["办公厅"]),
    ("HB-XNB", "湖北省效能办", "省效能办", Unit.Kind.OFFICE, "420000", "HB-GOV", ["综合督查处", "效能投诉处"]),
    ("HB-ZWSJ", "湖北省政务服务和大数据管理局", "省数据局", Unit.Kind.DEPARTMENT, "420000", "HB-GOV",
     ["办公室", "信息安全处", "政务服务处"]),
    ("WH-GOV", "武汉市人民政府", "武汉市政府", Unit.Kind.GOVERNMENT, "420100", None, ["办公厅"]),
    ("WH-XNB", "武汉市效能办", "武汉市效能办", Unit.Kind.OFFICE, "420100", "WH-GOV", ["督查科"]),
    ("WH-ZRZY", "武汉市自然资源和规划局", "武汉市资规局", Unit.Kind.DEPARTMENT, "420100", "WH-GOV",
     ["办公室", "国土空间规划处", "不动产登记处"]),
    ("WH-SCJG", "武汉市市场监督管理局", "武汉市市场监管局", Unit.Kind.DEPARTMENT, "420100", "WH-GOV",
     ["办公室", "登记注册处", "食品安全协调处"]),
    ("WH-ZWSJ", "武汉市政务服务和大数据管理局", "武汉市数据局", Unit.Kind.DEPARTMENT, "420100", "WH-GOV",
     ["办公室", "政务服务处"]),
    ("WH-ZJ", "武汉市住房和城乡建设局", "武汉市住建局", Unit.Kind.DEPARTMENT, "420100", "WH-GOV",
     ["办公室", "建筑市场监管处"]),
    ("EZ-GOV", "鄂州市人民政府", "鄂州市政府", Unit.Kind.GOVERNMENT, "420700", None, ["办公室", "督查室"]),
    ("EZ-XNB", "鄂州市效能办", "鄂州市效能办", Unit.Kind.OFFICE, "420700", "EZ-GOV", ["督查科", "投诉受理科"]),
    ("EZ-ZRZY", "鄂州市自然资源和规划局", "市资规局", Unit.Kind.DEPARTMENT, "420700", "EZ-GOV",
     ["办公室", "行政审批科", "不动产登记中心"]),
    ("EZ-SCJG", "鄂州市市场监督管理局", "市市场监管局", Unit.Kind.DEPARTMENT, "420700", "EZ-GOV",
     ["办公室", "登记注册科", "食品生产监管科"]),
    ("EZ-ZWSJ", "鄂州市政务服务和大数据管理局", "市数据局", Unit.Kind.DEPARTMENT, "420700", "EZ-GOV",
     ["办公室", "政务服务科", "大数据科"]),
    ("EZ-ZWZX", "鄂州市政务服务中心", "市政务服务中心", Unit.Kind.SERVICE_CENTER, "420700", "EZ-ZWSJ",
     ["综合受理窗口", "投资项目审批窗口"]),
    ("EZ-ZJ", "鄂州市住房和城乡建设局", "市住建局", Unit.Kind.DEPARTMENT, "420700", "EZ-GOV", _DEPT_SECTIONS),
    ("EZ-RS", "鄂州市人力资源和社会保障局", "市人社局", Unit.Kind.DEPARTMENT, "420700", "EZ-GOV",
     ["办公室", "就业促进科", "社会保险科"]),
    ("EZ-STHJ", "鄂州市生态环境局", "市生态环境局", Unit.Kind.DEPARTMENT, "420700", "EZ-GOV",
     ["办公室", "环评与排污许可科"]),
    ("EZ-JT", "鄂州市交通运输局", "市交通局", Unit.Kind.DEPARTMENT, "420700", "EZ-GOV", _DEPT_SECTIONS),
    ("ECQ-GOV", "鄂城区人民政府", "鄂城区政府", Unit.Kind.GOVERNMENT, "420704", "EZ-GOV", ["办公室"]),
    ("ECQ-SCJG", "鄂城区市场监督管理局", "鄂城区市场监管局", Unit.Kind.DEPARTMENT, "420704", "ECQ-GOV",
     ["办公室", "凤凰市场监管所"]),
    ("ECQ-ZWZX", "鄂城区政务服务中心", "鄂城区政务中心", Unit.Kind.SERVICE_CENTER, "420704", "ECQ-GOV",
     ["综合窗口"]),
    ("HRQ-GOV", "华容区人民政府", "华容区政府", Unit.Kind.GOVERNMENT, "420703", "EZ-GOV", ["办公室"]),
    ("HRQ-ZRZY", "华容区自然资源和规划分局", "华容资规分局", Unit.Kind.DEPARTMENT, "420703", "HRQ-GOV",
     ["办公室", "国土资源所"]),
]

USERS = [
    # username, full name, role, unit code, section, post
    ("jingban", "张明", Role.CLERK, "EZ-ZRZY", "行政审批科", "科员"),
    ("fuzeren", "李建国", Role.HEAD, "EZ-ZRZY", "办公室", "局长"),
    ("jingban2", "王芳", Role.CLERK, "EZ-SCJG", "登记注册科", "科员"),
    ("fuzeren2", "赵志强", Role.HEAD, "EZ-SCJG", "办公室", "局长"),
    ("jingban3", "黄磊", Role.CLERK, "EZ-ZWSJ", "政务服务科", "科员"),
    ("chuangkou", "孙丽", Role.CLERK, "EZ-ZWZX", "综合受理窗口", "窗口工作人员"),
    ("xiaoneng", "陈督查", Role.OFFICE, "HB-XNB", "综合督查处", "督查专员"),
    ("xiaoneng2", "周晓燕", Role.OFFICE, "EZ-XNB", "督查科", "科长"),
    ("lingdao", "刘振华", Role.LEADER, "EZ-GOV", "", "副市长"),
    # R42: the principals (第一责任人) and deputies in charge (直接责任人) of the lead units of the
    # demo key tasks.
    ("fenguan", "钱卫东", Role.HEAD, "EZ-ZRZY", "办公室", "副局长"),
    ("fuzeren3", "孔德明", Role.HEAD, "EZ-ZWSJ", "办公室", "局长"),
    ("fuzeren4", "曹永刚", Role.HEAD, "EZ-ZJ", "办公室", "局长"),
    ("fuzeren5", "严春梅", Role.HEAD, "EZ-RS", "办公室", "局长"),
    ("fuzeren6", "华建平", Role.HEAD, "EZ-STHJ", "办公室", "局长"),
    ("fuzeren7", "金立新", Role.HEAD, "EZ-JT", "办公室", "局长"),
    # R62: a county's leader and a clerk of its bureau, for the demo hard problem.
    ("quzhang", "何文斌", Role.LEADER, "HRQ-GOV", "办公室", "副区长"),
    ("jingban4", "陶静", Role.CLERK, "HRQ-ZRZY", "国土资源所", "科员"),
    ("sysadmin", "吴系统", Role.SYSTEM_ADMIN, "HB-ZWSJ", "信息安全处", "系统管理员"),
    ("secadmin", "郑安全", Role.SECURITY_ADMIN, "HB-ZWSJ", "信息安全处", "安全管理员"),
    ("auditadmin", "冯审计", Role.AUDIT_ADMIN, "HB-ZWSJ", "信息安全处", "审计管理员"),
]


def unit(code: str) -> Unit | None:
    """A demo unit by its stable code (None when the demo org is not loaded)."""
    return Unit.objects.filter(code=code).first()


def user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _regions() -> dict[str, Region]:
    found = {}
    for code, name, level, parent in REGIONS:
        found[code], _ = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": found.get(parent)}
        )
    return found


def _units(regions: dict[str, Region]) -> dict[str, Unit]:
    found = {}
    for code, name, short, kind, region, parent, sections in UNITS:
        obj = Unit.objects.filter(code=code).first()
        if obj is None:
            obj = services.unit_create(code=code, name=name, short_name=short, kind=kind,
                                       region=regions[region], parent=found.get(parent))
        found[code] = obj
        existing = set(obj.sections.values_list("name", flat=True))
        for section in sections:
            if section not in existing:
                services.section_create(unit=obj, name=section)
    return found


def _users(units: dict[str, Unit], *, must_change_password: bool) -> list[User]:
    people = []
    for username, full_name, role, unit_code, section, post in USERS:
        person = User.objects.filter(username=username).first()
        if person is None and role in ADMIN_ROLES and User.objects.filter(role=role).exists():
            continue  # installed already by `create_admins`: there is one of each
        if person is None:
            the_unit = units[unit_code]
            fields = dict(username=username, full_name=full_name, unit=the_unit, post=post,
                          section=the_unit.sections.filter(name=section).first() if section else None,
                          password=DEMO_PASSWORD, email=f"{username}@demo.gov.cn",
                          must_change_password=must_change_password)
            # The demo's three administrators come from the installation service, as
            # `create_admins` makes them; business roles are granted at once (actor=None: the console).
            person = (services.administrator_install(role=role, **fields) if role in ADMIN_ROLES
                      else services.user_create(actor=None, role=role, **fields))
        people.append(person)
    return people


# R42: unit code → (第一责任人, 直接责任人) usernames.
RESPONSIBLE = {
    "EZ-ZRZY": ("fuzeren", "fenguan"), "EZ-SCJG": ("fuzeren2", "fuzeren2"), "EZ-ZWSJ": ("fuzeren3", "fuzeren3"),
    "EZ-ZJ": ("fuzeren4", "fuzeren4"), "EZ-RS": ("fuzeren5", "fuzeren5"), "EZ-STHJ": ("fuzeren6", "fuzeren6"),
    "EZ-JT": ("fuzeren7", "fuzeren7"),
}


# 职级 of the demo cadres (R51: a key project's service team is led by a 处级 cadre). A city's
# bureau heads are 正处级, their deputies and a district's deputy head 副处级, a vice mayor 副厅级.
RANKS = {
    "fuzeren": Rank.DIVISION, "fuzeren2": Rank.DIVISION, "fuzeren3": Rank.DIVISION, "fuzeren4": Rank.DIVISION,
    "fuzeren5": Rank.DIVISION, "fuzeren6": Rank.DIVISION, "fuzeren7": Rank.DIVISION, "fenguan": Rank.DEPUTY_DIVISION,
    "quzhang": Rank.DEPUTY_DIVISION, "lingdao": Rank.DEPUTY_BUREAU, "xiaoneng2": Rank.SECTION,
    "jingban": Rank.STAFF, "jingban2": Rank.STAFF, "jingban3": Rank.STAFF, "jingban4": Rank.STAFF,
}


def _ranks(people: list[User]) -> None:
    for person in people:
        if person.username in RANKS and person.rank == Rank.NONE:
            services.user_update(actor=None, user=person, rank=RANKS[person.username])


def _responsible(units: dict[str, Unit], people: list[User]) -> None:
    by_name = {p.username: p for p in people}
    office = by_name.get("xiaoneng2")
    for code, (principal, deputy) in RESPONSIBLE.items():
        the_unit = units[code]
        if the_unit.principal_id is None and office and principal in by_name and deputy in by_name:
            services.unit_set_responsible(actor=office, unit=the_unit, principal=by_name[principal],
                                          deputy=by_name[deputy])


@transaction.atomic
def seed_org(*, must_change_password: bool = False) -> list[User]:
    """The org chart and one user per role; returns the demo users."""
    regions = _regions()
    units = _units(regions)
    people = _users(units, must_change_password=must_change_password)
    _responsible(units, people)
    _ranks(people)
    return people


def seed_apps(stdout=None) -> list[str]:
    """Call `<app>.demo.seed()` for every installed app that has one (the core names none)."""
    seeded = []
    for cfg in apps.get_app_configs():
        if cfg.name == __package__:
            continue
        module_name = f"{cfg.name}.demo"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        seed = getattr(module, "seed", None)
        if callable(seed):
            seed(stdout=stdout)
            seeded.append(cfg.label)
    return seeded
