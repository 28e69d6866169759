#!/bin/sh
# Container entrypoint. The one-shot `migrate` service (MIGRATE=1 in compose) migrates as the
# owner role (DATABASE_OWNER_URL) and grants the app role of DATABASE_URL its privileges
# (`manage.py db_roles`); web, worker and beat start after it and never see the owner's URL.
set -e
if [ "${MIGRATE:-0}" = "1" ]; then
  if [ -n "${DATABASE_OWNER_URL:-}" ]; then
    APP_DATABASE_URL="$DATABASE_URL"
    DATABASE_URL="$DATABASE_OWNER_URL" python manage.py migrate --noinput
    # DATABASE_SYSTEM_URL: the worker's and beat's role, which bypasses row-level security (docs/rls.md)
    DATABASE_URL="$DATABASE_OWNER_URL" python manage.py db_roles --app-url "$APP_DATABASE_URL" \
      ${DATABASE_SYSTEM_URL:+--system-url "$DATABASE_SYSTEM_URL"}
  else
    python manage.py migrate --noinput
  fi
  # The static volume is shared with nginx: refresh it from the image on every start.
  cp -a /srv/static-build/. "$STATIC_ROOT"/ 2>/dev/null || true
fi
exec "$@"
