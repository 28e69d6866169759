"""The import contracts in `.importlinter` hold (README, Architecture): the core's modules are
layered, the core imports no app, the apps import each other only through the core, and no
package has an import cycle. A new app is covered by every contract or this fails."""

import configparser
import subprocess
import sys
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contracts() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    assert config.read(ROOT / ".importlinter"), "no .importlinter at the repository root"
    return config


def _listed(config, section: str, option: str) -> set[str]:
    return set(config[section][option].split())


def test_every_import_contract_is_kept():
    result = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_core_and_every_app_are_under_the_contracts():
    ours = {c.name for c in apps.get_app_configs()
            if Path(c.path).resolve().parent == ROOT and c.name != "tests"}
    the_apps = ours - {"efficiency"}
    config = _contracts()
    assert _listed(config, "importlinter", "root_packages") == ours
    assert _listed(config, "importlinter:contract:core-imports-no-app", "forbidden_modules") == the_apps
    assert _listed(config, "importlinter:contract:apps-independent", "modules") == the_apps
    assert _listed(config, "importlinter:contract:no-cycles", "ancestors") == ours
