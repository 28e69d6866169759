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

With `--system-url` (or `--system-role`): the system role of the worker and beat (the sweep, the
rollups, the fan-out), which bypasses row-level security (docs/rls.md). It is a member of the
app role — the app's privileges and nothing more, and `SET ROLE` to it for a task acting for a
user — with BYPASSRLS, no other attribute, owning nothing. Only a superuser may give BYPASSRLS:
run as the owner, the command checks the role and says what a superuser must run.
"""

from urllib.parse import unquote, urlsplit

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg2 import sql

AUDIT_TABLE = "efficiency_auditlog"


def _owns_nothing_and_connects(cur, role: str, kind: str) -> None:
    cur.execute("""
        SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = %s) AND n.nspname = 'public'
    """, [role])
    if cur.fetchone()[0]:
        raise CommandError(f"the {kind} role {role!r} owns tables in this database: it must own nothing")
    cur.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
        sql.Identifier(connection.settings_dict["NAME"]), sql.Identifier(role)))


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
        _owns_nothing_and_connects(cur, role, "app")
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


def system_role_grants(role: str, app_role: str, password: str | None = None) -> None:
    """Create (if missing, as a superuser) and check the system role: BYPASSRLS, a member of the
    app role, no other attribute, owning nothing."""
    if role == app_role:
        raise CommandError("the system role must not be the app role: the web would bypass row-level security")
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        me, superuser = cur.fetchone()
        if role == me:
            raise CommandError(f"the system role {role!r} is the role running the migrations: give it its own role")
        r, a = sql.Identifier(role), sql.Identifier(app_role)
        if superuser:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cur.fetchone() is None:
                try:
                    with transaction.atomic():
                        cur.execute(sql.SQL("CREATE ROLE {} LOGIN").format(r))
                except Exception as exc:  # another process created it first
                    if "already exists" not in str(exc):
                        raise
            cur.execute(sql.SQL("ALTER ROLE {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION BYPASSRLS")
                        .format(r))
            if password:
                cur.execute(sql.SQL("ALTER ROLE {} PASSWORD %s").format(r), [password])
            cur.execute(sql.SQL("GRANT {} TO {}").format(a, r))
        cur.execute("""
            SELECT rolbypassrls, rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication,
                   pg_has_role(rolname, %s, 'USAGE')
            FROM pg_roles WHERE rolname = %s
        """, [app_role, role])
        found = cur.fetchone()
        fix = (f"as a superuser: CREATE ROLE {role} LOGIN BYPASSRLS PASSWORD '…'; GRANT {app_role} TO {role}")
        if found is None or not found[0] or found[1] or not found[2]:
            raise CommandError(f"the system role {role!r} must exist with BYPASSRLS and no other attribute, "
                               f"and be a member of {app_role!r}: {fix}")
        _owns_nothing_and_connects(cur, role, "system")


def _role_and_password(url):
    parts = urlsplit(url)
    return unquote(parts.username or ""), (unquote(parts.password) if parts.password else None)


class Command(BaseCommand):
    help = "为应用数据库角色授予最小权限（审计日志仅可查询和追加）。须以表的所有者身份在 migrate 之后运行。"

    def add_arguments(self, parser):
        parser.add_argument("--app-url", help="应用的 DATABASE_URL（取其用户名和密码）")
        parser.add_argument("--app-role", help="应用角色名（不给 --app-url 时）")
        parser.add_argument("--system-url", help="工作进程（定时任务）的 DATABASE_URL：绕过行级安全的系统角色")
        parser.add_argument("--system-role", help="系统角色名（不给 --system-url 时）")
        parser.add_argument("--migrate", action="store_true", help="先执行 migrate（同一进程，省一次启动）")

    def handle(self, *args, app_url=None, app_role=None, migrate=False, system_url=None, system_role=None,
               **options):
        if migrate:
            from django.core.management import call_command

            call_command("migrate", interactive=False, verbosity=options.get("verbosity", 1))
        password = system_password = None
        if app_url:
            app_role, password = _role_and_password(app_url)
        if system_url:
            system_role, system_password = _role_and_password(system_url)
        if not app_role:
            raise CommandError("give --app-url (the app's DATABASE_URL) or --app-role")
        app_role_grants(app_role, password)
        self.stdout.write(f"app role {app_role}: privileges granted, audit log insert-only")
        if system_role:
            system_role_grants(system_role, app_role, system_password)
            self.stdout.write(f"system role {system_role}: member of {app_role}, bypasses row-level security")
