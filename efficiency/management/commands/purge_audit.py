"""`python manage.py purge_audit`: remove audit rows past retention (R40: at least six months;
AUDIT_RETENTION_DAYS, 184 by default and never fewer), by the database's clock."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from efficiency.audit import audit_purge


class Command(BaseCommand):
    help = "删除超过保留期（不少于 184 天，即六个月）的审计日志，以数据库时间为准。"

    def handle(self, *args, **options):
        try:
            deleted = audit_purge()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"purged {deleted}")
