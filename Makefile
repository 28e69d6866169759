# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_SETTINGS_MODULE ?= efficiency.settings

.PHONY: run test setup venv deps assets static browser migrate demo clean

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

setup: deps assets
	$(PY) manage.py collectstatic --noinput -v0

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

# Web, Celery worker and Celery beat on the embedded defaults (SQLite, filesystem broker).
# Ctrl-C stops all three.
run: demo
	@echo ""
	@echo "  效能督查平台: http://127.0.0.1:8000/   (demo logins above; Ctrl-C stops everything)"
	@echo ""
	$(VENV)/bin/honcho -f Procfile.dev start

# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install chromium fonts-noto-cjk'"; fi; \
	fi

# The whole suite. Uses PostgreSQL and Redis when DATABASE_URL and REDIS_URL point at them.
test: setup browser
	DJANGO_SETTINGS_MODULE=tests.settings $(VENV)/bin/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules static/vendor var
