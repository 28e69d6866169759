"""`python manage.py db_roles --app-url URL`: give the application's database role exactly the
privileges it needs, and nothing it could use to rewrite history (R40, 等保 2.0 安全审计).

Run as the schema owner after every `migrate` (`make run`, `python -m efficiency.embedded_db
migrate`, the compose `migrate` service do it). The app role — the user of the URL; created
here if missing and the owner may create roles, with the URL's password if any — gets:

- CONNECT, USAGE on the schema, SELECT/INSERT/UPDATE/DELETE on the tables and the use of the
  sequences, also for tables later migrations create (default privileges of the owner);
- on the audit log only SELECT and INSERT (no UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER);
  rows past the retention period leave only through `efficiency_audit_purge(days)`, a
  SECURITY DEFINER function that refuses fewer than 184 days;
- nothing on `django_migrations` but SELECT, and no role attribute (not superuser, no CREATEDB,
  CREATEROLE, REPLICATION or BYPASSRLS).

The role owns nothing, so it cannot ALTER a table, disable a trigger or change an owner's
setting; `session_replication_role` needs a superuser. The command refuses an app role that
owns an object or that is the owner itself.
"""

from urllib.parse import unquote, urlsplit

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg2 import sql

AUDIT_TABLE = "efficiency_auditlog"


def app_role_grants(role: str, password: str | None = None) -> None:
    """Create (if missing) and grant the app role, in the current database, as its owner."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT current_user, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user")
        me, superuser, createrole = cur.fetchone()
        if role == me:
            raise CommandError(f"the app role {role!r} is the role running the migrations: give the app its own role")
        r = sql.Identifier(role)
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cur.fetchone() is None:
            if not (superuser or createrole):
                raise CommandError(f"role {role!r} does not exist and {me!r} may not create it: "
                                   f"CREATE ROLE {role} LOGIN PASSWORD '…' as a superuser first")
            try:
                with transaction.atomic():
                    cur.execute(sql.SQL("CREATE ROLE {} LOGIN").format(r))
            except Exception as exc:  # another process created it first (roles are cluster-wide)
                if "already exists" not in str(exc):
                    raise
        if password and (superuser or createrole):
            cur.execute(sql.SQL("ALTER ROLE {} PASSWORD %s").format(r), [password])
        cur.execute("SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls "
                    "FROM pg_roles WHERE rolname = %s", [role])
        if cur.fetchone()[0]:
            if not superuser:
                raise CommandError(f"the app role {role!r} has a role attribute (superuser, createdb, createrole, "
                                   "replication or bypassrls): remove it as a superuser")
            cur.execute(sql.SQL("ALTER ROLE {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")
                        .format(r))
        cur.execute("""
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = %s) AND n.nspname = 'public'
        """, [role])
        if cur.fetchone()[0]:
            raise CommandError(f"the app role {role!r} owns tables in this database: it must own nothing")
        cur.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
            sql.Identifier(connection.settings_dict["NAME"]), r))
        statements = [
            "GRANT USAGE ON SCHEMA public TO {r}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
            "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {r}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {r}",
            "REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {audit} FROM {r}",
            "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON django_migrations FROM {r}",
            "GRANT EXECUTE ON FUNCTION efficiency_audit_purge(integer) TO {r}",
        ]
        for statement in statements:
            cur.execute(sql.SQL(statement).format(r=r, audit=sql.Identifier(AUDIT_TABLE)))


class Command(BaseCommand):
    help = "为应用数据库角色授予最小权限（审计日志仅可查询和追加）。须以表的所有者身份在 migrate 之后运行。"

    def add_arguments(self, parser):
        parser.add_argument("--app-url", help="应用的 DATABASE_URL（取其用户名和密码）")
        parser.add_argument("--app-role", help="应用角色名（不给 --app-url 时）")
        parser.add_argument("--migrate", action="store_true", help="先执行 migrate（同一进程，省一次启动）")

    def handle(self, *args, app_url=None, app_role=None, migrate=False, **options):
        if migrate:
            from django.core.management import call_command

            call_command("migrate", interactive=False, verbosity=options.get("verbosity", 1))
        password = None
        if app_url:
            parts = urlsplit(app_url)
            app_role = unquote(parts.username or "")
            password = unquote(parts.password) if parts.password else None
        if not app_role:
            raise CommandError("give --app-url (the app's DATABASE_URL) or --app-role")
        app_role_grants(app_role, password)
        self.stdout.write(f"app role {app_role}: privileges granted, audit log insert-only")
