#!/bin/sh
# Container entrypoint. The web service migrates before it starts (MIGRATE=1 in compose);
# worker and beat wait for the web's healthcheck instead of migrating themselves.
set -e
if [ "${MIGRATE:-0}" = "1" ]; then
  python manage.py migrate --noinput
  # The static volume is shared with nginx: refresh it from the image on every start.
  cp -a /srv/static-build/. "$STATIC_ROOT"/ 2>/dev/null || true
fi
exec "$@"
