"""`python manage.py replace_admin --role secadmin --username NEW --reason …`: one of the three
administrators leaves and a new account takes the role (三员分立, ADR 0006). A console task of the
installation, like `create_admins`: no page or API can do it."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from efficiency import services
from efficiency.models import ADMIN_ROLES, Role, Unit

from .create_admins import temporary_password


class Command(BaseCommand):
    help = ("更换三员之一：停用现任账号并收回其角色，创建新账号接任（初始密码随机生成并只显示一次，"
            "首次登录须修改）。两步在一个事务内完成并记入审计日志。")

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, choices=sorted(ADMIN_ROLES), help="要更换的管理员角色")
        parser.add_argument("--username", required=True, help="接任者的新用户名（不能是现有账号）")
        parser.add_argument("--name", required=True, help="接任者姓名")
        parser.add_argument("--reason", required=True, help="更换原因（记入审计日志）")
        parser.add_argument("--unit", metavar="CODE", help="接任者所在单位的代码（可不填）")

    def handle(self, *args, role, username, name, reason, unit=None, **options):
        the_unit = None
        if unit:
            the_unit = Unit.objects.filter(code=unit).first()
            if the_unit is None:
                raise CommandError(f"没有代码为 {unit} 的单位 / no unit with code {unit}")
        password = temporary_password()
        try:
            old, new = services.administrator_replace(role=role, username=username, full_name=name,
                                                      reason=reason, password=password, unit=the_unit)
        except (services.RoleSeparationError, ValidationError) as exc:
            raise CommandError("；".join(getattr(exc, "messages", [str(exc)]))) from exc
        label = Role(role).label
        if old is not None:
            self.stdout.write(f"已停用原{label} {old.username} / {old.username} is disabled")
        self.stdout.write(self.style.SUCCESS(f"{label}由 {new.username} 接任 / {new.username} now holds {role}"))
        self.stdout.write(f"  初始密码只显示这一次，首次登录须修改 / shown once: {password}")
