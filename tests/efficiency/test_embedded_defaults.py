"""`make run`'s path on the embedded defaults: SQLite and the filesystem broker, no server.

The rest of the suite runs on PostgreSQL; this runs the same commands `make run` does (migrate,
seed_demo twice, a sweep) in a child process with no DATABASE_URL, REDIS_URL or broker set, so
a PostgreSQL-only statement on those paths (it happened: an ON CONFLICT on a NULLS NOT DISTINCT
constraint SQLite does not have) fails here instead of on a new user's first command."""

import pytest

from tests.embedded import ROOT, manage_on_embedded_defaults


@pytest.mark.slow
def test_migrate_seed_demo_and_sweep_on_sqlite_with_no_server(tmp_path):
    for args in (("migrate", "--noinput"), ("seed_demo",), ("seed_demo",), ("sweep",)):
        done = manage_on_embedded_defaults(tmp_path, *args)
        assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}"
    assert (tmp_path / "db.sqlite3").exists()
    seeded = manage_on_embedded_defaults(tmp_path, "seed_demo").stdout
    assert "demo data ready" in seeded and "xiaoneng" in seeded and "Demo@2025xn" in seeded
    assert not (ROOT / "control").exists()  # the filesystem broker keeps its files under VAR_DIR
