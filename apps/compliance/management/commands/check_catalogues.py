"""Check the compliance catalogues shipped with the register (or the YAML files given).

    manage.py check_catalogues                   # apps/compliance/catalogues/*.yaml
    manage.py check_catalogues my-policy.yaml    # an administrator's file, before importing it

Lists every problem (requirement IDs unique, parents, rules and key dates naming requirements
that exist, rule conditions naming facts of a system with values they can take, the expected
counts of each kind) and exits with status 1 if there is one; prints the counts otherwise.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.compliance import loader


class Command(BaseCommand):
    help = "Check the compliance catalogue files: IDs, references, rule conditions, counts."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="YAML files (default: the shipped ones)")

    def handle(self, *args, files, **options):
        if files:
            problems = {}
            for name in files:
                try:
                    document = loader.read_file(Path(name))
                except (OSError, loader.yaml.YAMLError) as error:
                    problems[name] = [f"cannot be read: {error}"]
                    continue
                problems[name] = loader.check(document)
            paths = [Path(name) for name in files if not problems[name]]
        else:
            problems = loader.check_shipped()
            paths = loader.shipped_files()
        failed = False
        for name, listed in problems.items():
            for problem in listed:
                failed = True
                self.stderr.write(f"{name}: {problem}")
        for path in paths:
            if problems.get(path.name) or problems.get(str(path)):
                continue
            document = loader.read_file(path)
            counts = Counter(item.get("kind", "requirement") for item in document["requirements"])
            described = ", ".join(f"{number} {kind}" for kind, number in counts.items())
            self.stdout.write(
                f"{path.name}: {document['name']} {document['version']}: {described}; "
                f"{len(document.get('rules') or [])} rules, "
                f"{len(document.get('key_dates') or [])} key dates"
            )
        if failed:
            raise CommandError("The catalogues have problems (listed above).")
