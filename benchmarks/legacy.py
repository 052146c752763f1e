"""Legacy import benchmark: 10,000 children imported, re-imported, and matched.

Writes a synthetic export (benchmarks/make_legacy_export.py), imports it on a
fresh database (a SQLite file, or DATABASE_URL's when set: it must be empty),
imports it again (nothing to change), then times the matching suggestions for
one parent's account against the migrated children.

    .venv/bin/python benchmarks/legacy.py [--children 10000] [--runs 20]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not benchmarks/: its http.py would shadow the standard library's


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="po-bench-") as workdir:
        from benchmarks.django_env import setup_django

        setup_django(workdir)
        from django.conf import settings

        from benchmarks.make_legacy_export import generate, write
        from memberspace.accounts.models import User
        from memberspace.families.models import Child
        from memberspace.families.text import strip_accents
        from memberspace.legacy.importer import import_file
        from memberspace.legacy.matching import suggest_children

        export = Path(workdir) / "export.csv"
        rows = generate(children=args.children, seed=7)
        write(export, rows)
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(f"Legacy benchmark: {len(rows)} children, production settings, database {engine}")

        started = time.perf_counter()
        report = import_file(export)
        first = time.perf_counter() - started
        assert report.written and report.created == len(rows), report
        print(f"import:    {first:6.2f} s  ({len(rows) / first:,.0f} rows/s), {len(report.warnings)} warnings")

        started = time.perf_counter()
        again = import_file(export)
        second = time.perf_counter() - started
        assert again.unchanged == len(rows) and again.created == again.updated == 0, again
        print(f"re-import: {second:6.2f} s  ({again.unchanged} unchanged, nothing written)")

        # A parent of the file (the first with an email and several children from row 5000 on), whose
        # message names the children surname first, in capitals, without accents, with one typo.
        start = next(
            index
            for index in range(5000, len(rows))
            if rows[index][7] and sum(row[7] == rows[index][7] for row in rows[index : index + 5]) >= 2
        )
        family = [row for row in rows if row[7] == rows[start][7]]
        names = [f"{strip_accents(row[1]).upper()} {strip_accents(row[2])}" for row in family]
        names[0] = names[0][:-2] + names[0][-1] + names[0][-2]  # a typo: two letters swapped
        message = f"Bonjour, mes enfants {' et '.join(names)} sont au PO."
        parent = User.objects.create_user(
            email="parent.bench@exemple.fr", first_name=family[0][6], last_name=family[0][5], club_message=message
        )
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            suggestions = suggest_children(parent)
            timings.append((time.perf_counter() - started) * 1000)
        found = {str(suggestion.child).lower() for suggestion in suggestions}
        expected = {f"{row[2]} {row[1]}".lower() for row in family}
        migrated = Child.objects.migrated().count()
        print(
            f"suggestions against {migrated} migrated children: median {statistics.median(timings):.1f} ms, "
            f"p90 {sorted(timings)[int(len(timings) * 0.9) - 1]:.1f} ms; "
            f"the family's {len(expected)} children in the suggestions: {len(expected & found)}"
        )
        print(f"message: {message!r}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
