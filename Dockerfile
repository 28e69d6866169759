# 效能督查平台 — production image: gunicorn serves Django; nginx (compose) serves static and media.
# Front-end assets come from the npm registry in a build stage (no CDN at run time).
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --silent \
 && mkdir -p vendor \
 && cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js vendor/

FROM python:3.11-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=efficiency.settings \
    VAR_DIR=/var/lib/efficiency \
    STATIC_ROOT=/srv/static \
    MEDIA_ROOT=/srv/media
# gettext compiles translations; libpq for psycopg2 is bundled in the binary wheel.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext fonts-noto-cjk curl procps \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system app && useradd --system --gid app --home /app --shell /usr/sbin/nologin app
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY --chown=app:app . .
COPY --from=assets --chown=app:app /build/vendor/ static/vendor/
# collectstatic needs settings but no database; the build-time key never reaches a container.
# Static files are built into /srv/static-build; the entrypoint copies them into the volume
# that nginx shares (a named volume would otherwise keep the first image's files forever).
RUN mkdir -p $VAR_DIR $STATIC_ROOT $MEDIA_ROOT \
 && DEBUG=0 SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-000 \
    python manage.py compilemessages -v0 \
 && DEBUG=0 SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-000 \
    STATIC_ROOT=/srv/static-build python manage.py collectstatic --noinput -v0 \
 && chown -R app:app $VAR_DIR $STATIC_ROOT $MEDIA_ROOT /srv/static-build \
 && chmod +x deploy/entrypoint.sh
USER app
EXPOSE 8000
ENTRYPOINT ["deploy/entrypoint.sh"]
CMD ["gunicorn", "efficiency.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
