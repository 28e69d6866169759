"""`python manage.py seed_demo`: the demo org chart, one user per role, then every app's demo."""

from django.core.management.base import BaseCommand

from efficiency import demo


class Command(BaseCommand):
    help = "载入演示数据：湖北省组织架构、各角色演示账号及各模块演示数据（可重复执行）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--first-login-change", action="store_true",
            help="新建的演示账号首次登录须修改密码（等保要求；默认关闭以便直接演示）。",
        )
        parser.add_argument("--org-only", action="store_true", help="只载入组织架构和账号。")

    def handle(self, *args, first_login_change=False, org_only=False, **options):
        people = demo.seed_org(must_change_password=first_login_change)
        seeded = [] if org_only else demo.seed_apps(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo data ready"))
        if seeded:
            self.stdout.write(f"  modules: {', '.join(seeded)}")
        self.stdout.write(f"\n  演示账号（密码均为 {demo.DEMO_PASSWORD}）:")
        for person in people:
            unit = person.unit.name if person.unit_id else "-"
            role = str(person.get_role_display())
            pad = " " * max(0, 12 - sum(2 if ord(c) > 0x2E80 else 1 for c in role))
            self.stdout.write(f"    {person.username:<11} {role}{pad}{person.full_name}  {unit}")
        self.stdout.write("")
