"""python manage.py intake_channel add NAME — registers an intake channel and prints its token once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accountability.models import IntakeChannel
from accountability.services import channel_add


class Command(BaseCommand):
    help = "登记投诉受理渠道（12345 热线、小程序），打印一次性显示的令牌；list 列出已登记渠道。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add")
        add.add_argument("name")
        sub.add_parser("list")

    def handle(self, *args, **options):
        if options["action"] == "list":
            for c in IntakeChannel.objects.order_by("name"):
                self.stdout.write(f"{c.name}\t{'启用' if c.is_active else '停用'}\t{c.created_at:%Y-%m-%d}")
            return
        try:
            channel, token = channel_add(name=options["name"])
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self.stderr.write(f"已登记渠道“{channel.name}”。令牌只显示这一次，请妥善保存：")
        self.stdout.write(token)
