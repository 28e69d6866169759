"""`python manage.py create_admins`: the system, security and audit administrators, once, at
installation (三员分立, ADR 0006). No page or API can make one of the three."""

import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from efficiency import services
from efficiency.models import Role, Unit

DEFAULTS = {
    Role.SYSTEM_ADMIN: ("sysadmin", "系统管理员"),
    Role.SECURITY_ADMIN: ("secadmin", "安全管理员"),
    Role.AUDIT_ADMIN: ("auditadmin", "审计管理员"),
}


def temporary_password() -> str:
    # 16 random URL-safe characters plus one of each class the policy counts; changed at first login.
    return secrets.token_urlsafe(12) + "#A7a"


class Command(BaseCommand):
    help = ("安装时创建系统、安全、审计管理员（三员分立）各一个账号；已存在任一管理员时拒绝。"
            "初始密码随机生成并只显示一次，首次登录须修改。")

    def add_arguments(self, parser):
        for role, (username, _name) in DEFAULTS.items():
            parser.add_argument(f"--{role}", default=username, metavar="USERNAME",
                                help=f"{Role(role).label}的用户名（默认 {username}）")
            parser.add_argument(f"--{role}-name", default=None, metavar="NAME", help=f"{Role(role).label}的姓名")
        parser.add_argument("--unit", metavar="CODE", help="三员所在单位的代码（可不填）")

    def handle(self, *args, unit=None, **options):
        the_unit = None
        if unit:
            the_unit = Unit.objects.filter(code=unit).first()
            if the_unit is None:
                raise CommandError(f"没有代码为 {unit} 的单位 / no unit with code {unit}")
        accounts, passwords = {}, {}
        for role, (_username, name) in DEFAULTS.items():
            passwords[role] = temporary_password()
            accounts[role] = {"username": options[role], "full_name": options[f"{role}_name"] or name,
                              "unit": the_unit, "password": passwords[role], "must_change_password": True}
        try:
            people = services.administrators_install(accounts=accounts)
        except (services.RoleSeparationError, ValidationError) as exc:
            raise CommandError("；".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(self.style.SUCCESS("三员账号已创建 / the three administrators are created"))
        self.stdout.write("  初始密码只显示这一次，首次登录须修改 / shown once, to be changed at first login:")
        for person in people:
            self.stdout.write(f"    {person.username:<12} {person.get_role_display()}  {passwords[person.role]}")
