"""`python manage.py rules_index [--rules PATH] [--check]`: regenerate `efficiency/rules_index.json`
(the rules page's data) from RULES.md and the R-IDs named in the code and tests
(efficiency/rules_catalog.py). `--check` writes nothing and exits 1 when the committed file is stale."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from efficiency import rules_catalog


class Command(BaseCommand):
    help = "Regenerate efficiency/rules_index.json from RULES.md and the R-IDs in code and tests."

    def add_arguments(self, parser):
        parser.add_argument("--rules", help="RULES.md (default: ../shared/RULES.md when present, else the committed copy)")
        parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale")

    def handle(self, *args, rules=None, check=False, **options):
        path = Path(rules) if rules else None
        if path is not None and not path.is_file():
            raise CommandError(f"{path}: no such file")
        text = rules_catalog.render(rules_catalog.generate(path))
        current = rules_catalog.INDEX_PATH.read_text(encoding="utf-8") if rules_catalog.INDEX_PATH.exists() else ""
        index = rules_catalog.json.loads(text)
        missing = rules_catalog.untested(index)
        if check:
            if text != current:
                raise CommandError("efficiency/rules_index.json is stale: run python manage.py rules_index")
            self.stdout.write("rules_index.json is up to date")
        else:
            rules_catalog.INDEX_PATH.write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {rules_catalog.INDEX_PATH.name}: {len(index['rules'])} rules")
        self.stdout.write(f"named by no test ({len(missing)}): {' '.join(missing) or '-'}")
