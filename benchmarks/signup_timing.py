"""Sign-up timing: can the answer's time tell whether an address has an account?

Runs the production settings in-process (Django's test client, no network; the
production password hasher, PBKDF2), on a fresh SQLite file (or DATABASE_URL if
set), with the database cache (no page cache: sign-up pages are never cached).
Each round posts the sign-up form once for each kind of address, in a shuffled
order, each from its own client address (the sign-up rate limit is per address):

- new: nobody holds the address;
- unverified: an earlier sign-up nobody confirmed holds it (it is replaced);
- verified: a parent's verified account holds it (nothing is created).

It prints each kind's median, quartiles and extremes in milliseconds, and how
far each median is from the new address's, against the spread of the new
address's own times. Target (issue 11, finding 6): every median within 10 % of
the new address's.

    .venv/bin/python benchmarks/signup_timing.py [--rounds 15]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not benchmarks/: its http.py would shadow the standard library's

from benchmarks import catalogue  # noqa: E402 (after the path is set)

KINDS = ("new", "unverified", "verified")
TOLERANCE = 0.10

FORM = {
    "first_name": "Marie",
    "last_name": "Dupont",
    "password1": "Un-mot-de-passe-solide-2026",
    "phone": "06 12 34 56 78",
    "street": "12 rue des Écoles",
    "postal_code": "75005",
    "city": "Paris",
    "notification_preference": "email",
    "club_message": "",
    "privacy_consent": "on",
}


def quartiles(values):
    q1, median, q3 = statistics.quantiles(values, n=4)
    return q1, median, q3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="po-bench-") as workdir:
        # The catalogue benchmark's set-up: production settings on a fresh SQLite file, the database cache.
        catalogue.configure(argparse.Namespace(cache="db"), Path(workdir))
        from allauth.account.models import EmailAddress
        from django.conf import settings
        from django.contrib.auth.hashers import get_hasher
        from django.core.management import call_command
        from django.test import Client

        from memberspace.accounts.models import User

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        hasher = get_hasher()
        print(
            f"Sign-up timing: production settings (DEBUG={settings.DEBUG}), database {engine}, database cache, "
            f"hasher {hasher.algorithm} ({getattr(hasher, 'iterations', '?')} iterations), in-process test client, "
            f"{args.rounds} rounds of {len(KINDS)} kinds in shuffled order"
        )
        clients = iter(Client(REMOTE_ADDR=f"127.0.{n // 250}.{n % 250 + 1}") for n in range(10_000))

        def post(email, **overrides):
            started = time.perf_counter()
            response = next(clients).post("/compte/signup/", {**FORM, "email": email, **overrides}, secure=True)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 302 and response["Location"] == "/compte/confirm-email/", response
            return elapsed

        # Warm-up: the first requests load templates and translations.
        for n in range(3):
            post(f"warm{n}@exemple.fr")
        timings = {kind: [] for kind in KINDS}
        for number in range(args.rounds):
            unverified = f"attente{number}@exemple.fr"
            post(unverified, first_name="Autre", password1="Un-autre-mot-de-passe-99")
            verified = User.objects.create_user(f"verifie{number}@exemple.fr", "Un-mot-de-passe-2026")
            EmailAddress.objects.create(user=verified, email=verified.email, verified=True, primary=True)
            addresses = {"new": f"nouveau{number}@exemple.fr", "unverified": unverified, "verified": verified.email}
            order = list(KINDS)
            random.shuffle(order)
            for kind in order:
                timings[kind].append(post(addresses[kind]))

        columns = {"median ms": 10, "q1 ms": 8, "q3 ms": 8, "min ms": 8, "max ms": 8, "vs new": 8}
        header = f"{'address':<12} " + " ".join(f"{column:>{width}}" for column, width in columns.items())
        print(header)
        print("-" * len(header))
        baseline = statistics.median(timings["new"])
        q1, _median, q3 = quartiles(timings["new"])
        within = True
        for kind in KINDS:
            values = timings[kind]
            median = statistics.median(values)
            low, _, high = quartiles(values)
            gap = (median - baseline) / baseline
            within &= abs(gap) <= TOLERANCE
            print(
                f"{kind:<12} {median:>10.1f} {low:>8.1f} {high:>8.1f} {min(values):>8.1f} {max(values):>8.1f} "
                f"{gap:>+8.1%}"
            )
        print()
        print(f"Spread of the new address's own times (q3 - q1): {q3 - q1:.1f} ms.")
        print(
            f"Every median within {TOLERANCE:.0%} of the new address's: {'yes' if within else 'NO'} "
            f"(measured: sign-up time per kind of address, nothing else)."
        )
        return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
