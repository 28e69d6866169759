"""docker-compose.yml, checked without a Docker engine: every service, image, command,
healthcheck, volume and dependency."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"postgres", "redis", "migrate", "web", "worker", "beat", "nginx"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def test_it_has_exactly_the_seven_services(services):
    assert set(services) == SERVICES


def test_every_service_has_an_image_or_a_build(services):
    for name, svc in services.items():
        assert svc.get("image") or svc.get("build"), name
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert services["nginx"]["image"].startswith("nginx:")
    for name in ("migrate", "web", "worker", "beat"):
        assert services[name]["build"] == "." and (ROOT / "Dockerfile").exists()


def test_every_long_running_service_has_a_healthcheck(services):
    for name, svc in services.items():
        if name == "migrate":  # one-shot: the others wait for it to complete
            continue
        check = svc.get("healthcheck", {})
        assert isinstance(check.get("test"), list) and check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert check.get("interval") and check.get("retries"), name


def test_the_app_services_run_gunicorn_celery_worker_and_beat(services):
    assert services["web"]["command"][0] == "gunicorn" and "efficiency.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "efficiency", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "efficiency", "beat"]


def test_beat_runs_exactly_once(services):
    beat = services["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert "scale" not in beat
    assert all("beat" not in " ".join(svc.get("command", [])) for name, svc in services.items() if name != "beat")


def test_secrets_come_from_the_env_files_and_examples_exist(services):
    for name in ("web", "worker", "beat"):
        assert services[name]["env_file"] in (".env", [".env"]), name
    example = (ROOT / "deploy" / "env.example").read_text()
    for key in ("SECRET_KEY", "DATABASE_URL=postgres://efficiency_app", "REDIS_URL", "ALLOWED_HOSTS", "DEBUG=0"):
        assert key in example
    owner = (ROOT / "deploy" / "owner.env.example").read_text()
    for key in ("POSTGRES_USER=efficiency_owner", "POSTGRES_PASSWORD", "DATABASE_OWNER_URL=postgres://efficiency_owner"):
        assert key in owner
    ignored = (ROOT / ".gitignore").read_text().split()
    assert ".env" in ignored and ".env.owner" in ignored


def test_only_the_migrate_service_holds_the_owner_role(services):
    """The app role owns nothing (manage.py db_roles); web, worker and beat never see the owner's
    password, so a compromised web process cannot rewrite the audit log (R40)."""
    assert services["postgres"]["env_file"] in (".env.owner", [".env.owner"])
    assert services["migrate"]["env_file"] == [".env", ".env.owner"]
    assert services["migrate"]["environment"]["MIGRATE"] == "1" and services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat", "nginx"):
        assert ".env.owner" not in str(services[name].get("env_file")), name
        assert "MIGRATE" not in (services[name].get("environment") or {}), name
    entrypoint = (ROOT / "deploy" / "entrypoint.sh").read_text()
    assert 'DATABASE_URL="$DATABASE_OWNER_URL" python manage.py migrate' in entrypoint
    assert 'db_roles --app-url "$APP_DATABASE_URL"' in entrypoint


def _volume_names(svc):
    return {v.split(":")[0] for v in svc.get("volumes", [])}


def test_database_and_uploads_live_in_named_volumes(compose, services):
    declared = set(compose["volumes"])
    assert "pgdata" in _volume_names(services["postgres"]) and "pgdata" in declared
    assert "media" in _volume_names(services["web"]) and "media" in declared
    for name, svc in services.items():
        for volume in _volume_names(svc):
            assert volume.startswith("./") or volume in declared, (name, volume)


def test_nginx_serves_static_and_sends_uploads_only_when_the_app_says_so(services):
    nginx = services["nginx"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in nginx["volumes"]}
    assert mounts["/srv/static"] == "static" and mounts["/srv/media"] == "media"
    conf_path = ROOT / mounts["/etc/nginx/conf.d/default.conf"]
    conf = conf_path.read_text()
    assert "location /static/" in conf and "alias /srv/static/" in conf
    assert "proxy_pass http://efficiency_web" in conf and "server web:8000" in conf
    assert "80:80" in nginx["ports"]
    # No public path reaches the upload volume: only an internal location, which a client's
    # request never matches, for the app's X-Accel-Redirect after it has checked scope.
    assert "location /media/" not in conf
    blocks = re.findall(r"location\s+(\S+)\s*\{([^}]*)\}", conf)
    serving_uploads = [(path, body) for path, body in blocks if "/srv/media" in body]
    assert serving_uploads and all(re.search(r"^\s*internal;", body, re.M) for _, body in serving_uploads)
    (path, body), = serving_uploads
    assert services["web"]["environment"]["UPLOAD_ACCEL_REDIRECT"] == path
    assert "add_header X-Content-Type-Options nosniff always;" in body and "sandbox" in body


def test_dependencies_wait_for_health(services):
    for name, svc in services.items():
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert dep in SERVICES, (name, dep)
            expected = "service_completed_successfully" if dep == "migrate" else "service_healthy"
            assert cond["condition"] == expected, (name, dep)
    assert set(services["web"]["depends_on"]) == {"migrate", "redis"}
    assert set(services["migrate"]["depends_on"]) == {"postgres"}
    for name in ("worker", "beat", "nginx"):
        assert "web" in services[name]["depends_on"]


def test_the_dockerfile_builds_a_non_root_gunicorn_image_with_local_assets():
    text = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in text and "FROM node:" in text
    assert "pip install -r requirements.txt" in text and "collectstatic" in text and "compilemessages" in text
    assert "\nUSER app" in text and "gunicorn" in text
    assert (ROOT / "deploy" / "entrypoint.sh").exists() and (ROOT / ".dockerignore").exists()
