"""`python manage.py purge_audit [--now ISO]`: remove audit rows past retention (R40: 180 days)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from efficiency.audit import audit_purge


class Command(BaseCommand):
    help = "删除超过保留期（至少 180 天）的审计日志。"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="以该时刻为当前时间（ISO 8601，带时区）")

    def handle(self, *args, now=None, **options):
        moment = None
        if now:
            moment = parse_datetime(now)
            if moment is None or moment.tzinfo is None:
                raise CommandError(f"--now 须为带时区的 ISO 时间：{now!r}")
        deleted = audit_purge(now=moment)
        self.stdout.write(f"purged {deleted}")
