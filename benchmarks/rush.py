"""Rush benchmark: the opening of a popular stay, on PostgreSQL, served by gunicorn.

N validated parents (500), each with one child, are signed in beforehand and
have the stay's request page open; registration opens and they all submit at
once, as fast as they can (``--concurrency`` at a time); a share of them
double-click (``--double-click``: the form sent twice at the same instant). The
stay has 40 places. Then the secretariat validates the requests in arrival
order, which waitlists the rest once the stay is full.

Prints requests per second, p50/p95 latency, the time until the last request is
recorded, requests recorded, lost, duplicated, server errors (the last three
must be 0), and the outcome of validating in order (40 validated, the rest on
the waiting list in arrival order).

    .venv/bin/python benchmarks/rush.py [--parents 500] [--capacity 40] [--workers 4]

Needs the local PostgreSQL (``--database-url``, default the local server; the
database ``po_bench_rush`` is created afresh) and Redis on loopback (cache and
task broker, as in production). Only loopback addresses are used.
"""

import argparse
import datetime
import random
import secrets
import string
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not benchmarks/: its http.py would shadow the standard library's

from benchmarks import served  # noqa: E402

DATABASE = "po_bench_rush"
REDIS_BENCH_URL = "redis://127.0.0.1:6379/13"
TARGET_SECONDS = 15.0


def build(parents, capacity):
    """The site, the stay (registration not open yet), N validated parents with a child and a session each."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone
    from wagtail.models import Page, Site

    from home.models import HomePage
    from memberspace.families.models import Child, Guardianship
    from stays.models import StayIndexPage, StayPage

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Accueil", slug="accueil", hero_title="Le PO"))
    Site.objects.update(root_page=home, hostname="127.0.0.1", is_default_site=True)
    for page in root.get_children().exclude(pk=home.pk):
        page.delete()
    index = home.add_child(instance=StayIndexPage(title="PO Vacances", slug="po-vacances"))
    start = timezone.localdate() + datetime.timedelta(days=120)
    stay = index.add_child(
        instance=StayPage(
            title="Surf à Biarritz",
            slug="surf-biarritz",
            intro="Le séjour le plus demandé de l'été.",
            min_age=8,
            max_age=14,
            start_date=start,
            end_date=start + datetime.timedelta(days=7),
            capacity=capacity,
            price="690.00",
            deposit_amount="200.00",
            registration_opens_at=timezone.now() + datetime.timedelta(days=1),
            destination="Biarritz",
            theme="Surf",
            holiday_period="ete",
        )
    )
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        user_model(
            email=f"parent{n}@exemple.fr",
            first_name=f"Parent{n}",
            last_name="Famille",
            account_status="validated",
            password="!",  # noqa: S106 (unusable: the sessions below are the logins)
        )
        for n in range(parents)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    birth = start.replace(year=start.year - 10)
    children = Child.objects.bulk_create(
        Child(first_name=f"Enfant{n}", last_name="Famille", birth_date=birth) for n in range(parents)
    )
    Guardianship.objects.bulk_create(
        Guardianship(child=child, parent=user, relationship="mere") for user, child in zip(users, children, strict=True)
    )
    sessions = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    return stay, list(zip(users, children, sessions, strict=True))


class Parent:
    """One parent's browser: signed in, the request page open, then the form sent (twice for a double-click)."""

    def __init__(self, base_url, offer_id, child_id, session_key, double_click):
        import requests

        self.http = requests.Session()
        self.csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.http.headers["Cookie"] = f"sessionid={session_key}; csrftoken={self.csrf}"
        self.url = f"{base_url}/espace-adherent/inscriptions/demande/"
        self.offer_id, self.child_id = offer_id, child_id
        self.double_click = double_click

    def open_page(self):
        response = self.http.get(self.url, params={"offre": self.offer_id}, allow_redirects=False, timeout=30)
        assert response.status_code == 200 and "les inscriptions ouvrent le" in response.text, response.status_code

    def submit(self):
        data = {"offre": self.offer_id, "children": self.child_id, "csrfmiddlewaretoken": self.csrf}
        started = time.perf_counter()
        try:
            response = self.http.post(self.url, data=data, allow_redirects=False, timeout=60)
        except Exception as error:  # noqa: BLE001 (a lost request is counted, not raised)
            return ("error", repr(error), time.perf_counter() - started)
        return (
            response.status_code,
            response.text if response.status_code == 200 else "",
            time.perf_counter() - started,
        )


def rush(parents, concurrency):
    """Release everyone at once; returns the results of every submission and the wall time."""
    submissions = []
    for parent in parents:
        submissions += [parent] * (2 if parent.double_click else 1)
    random.shuffle(submissions)
    barrier = threading.Barrier(min(concurrency, len(submissions)))

    def send(parent):
        if threading.current_thread().name not in released:
            released.add(threading.current_thread().name)
            barrier.wait(timeout=60)  # every thread starts its first submission at the same instant
        return parent.submit()

    released = set()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        started = time.time()
        results = list(pool.map(send, submissions))
        wall = time.time() - started
    return results, started, wall


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))]


def validate_in_order(stay):
    """The secretariat's pass: validate in arrival order; once full, the rest goes on the waiting list."""
    from django.contrib.auth import get_user_model

    from memberspace.enrollments import services as enrollments
    from memberspace.enrollments.models import Enrollment, EnrollmentStatus, set_positions
    from memberspace.enrollments.services import EnrollmentError

    staff = get_user_model().objects.create(email="secretariat@le-po.test", is_staff=True, password="!")  # noqa: S106
    arrival = list(Enrollment.objects.filter(offer=stay).in_arrival_order())
    started = time.perf_counter()
    for enrollment in arrival:
        try:
            enrollments.validate(enrollment, by=staff)
        except EnrollmentError:
            enrollments.waitlist(enrollment, by=staff)
    elapsed = time.perf_counter() - started
    statuses = dict(Enrollment.objects.filter(offer=stay).values_list("pk", "status"))
    validated = [e.pk for e in arrival if statuses[e.pk] == EnrollmentStatus.VALIDATED]
    waitlisted = [e.pk for e in arrival if statuses[e.pk] == EnrollmentStatus.WAITLISTED]
    in_order = validated == [e.pk for e in arrival[: len(validated)]] and waitlisted == [
        e.pk for e in arrival[len(validated) :]
    ]
    ranked = list(Enrollment.objects.filter(pk__in=waitlisted))
    set_positions(ranked)
    ranks = {e.pk: e.waiting_rank() for e in ranked}
    ranks_in_order = [ranks[pk] for pk in waitlisted] == list(range(1, len(waitlisted) + 1))
    return len(validated), len(waitlisted), in_order and ranks_in_order, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parents", type=int, default=500)
    parser.add_argument("--capacity", type=int, default=40)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--concurrency", type=int, default=100, help="submissions in flight at once")
    parser.add_argument("--double-click", type=float, default=0.1, help="share of parents sending the form twice")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    import redis

    from tests.servers import free_port

    redis.Redis.from_url(REDIS_BENCH_URL).flushdb()
    database_url = served.recreate_database(args.database_url, DATABASE)
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="po-rush-") as workdir:
            env = served.configure(
                database_url,
                REDIS_BENCH_URL,
                Path(workdir),
                SMS_BACKEND="memberspace.notifications.sms.console.ConsoleBackend",
            )
            from django.core.management import call_command
            from django.db import connection
            from django.utils import timezone

            from config.roles import setup_roles
            from memberspace.enrollments.models import Enrollment
            from memberspace.notifications.models import Notification

            call_command("migrate", interactive=False, verbosity=0)
            call_command("collectstatic", interactive=False, verbosity=0)
            setup_roles()
            print(f"Préparation : {args.parents} parents connectés, séjour de {args.capacity} places…")
            stay, families = build(args.parents, args.capacity)
            connection.close()

            port = free_port()
            base_url = f"http://127.0.0.1:{port}"
            server = served.start_gunicorn(env, port, args.workers)
            served.wait_until_up(base_url)
            rng = random.Random(6)
            parents = [
                Parent(base_url, stay.pk, child.pk, session_key, rng.random() < args.double_click)
                for _user, child, session_key in families
            ]
            with ThreadPoolExecutor(max_workers=8) as pool:  # everyone has the page open, waiting
                list(pool.map(lambda parent: parent.open_page(), parents))

            type(stay).objects.filter(pk=stay.pk).update(registration_opens_at=timezone.now())  # opening
            results, started_at, wall = rush(parents, args.concurrency)
            served.stop(server)
            server = None

            latencies = [seconds for _status, _body, seconds in results]
            statuses = Counter(status for status, _body, _seconds in results)
            server_errors = sum(
                count for status, count in statuses.items() if isinstance(status, int) and status >= 500
            )
            failed = statuses.get("error", 0)
            enrollments = Enrollment.objects.filter(offer=stay)
            recorded = enrollments.values("child").distinct().count()
            duplicates = enrollments.count() - recorded
            lost = args.parents - recorded
            last = max(enrollments.values_list("requested_at", flat=True))
            until_last = last.timestamp() - started_at
            notifications = Notification.objects.filter(kind="enrollment_requested").count()
            double_clicks = sum(parent.double_click for parent in parents)

            print()
            print(
                f"Ouverture d'un séjour : {args.parents} parents, {len(results)} envois ({double_clicks} doubles clics)"
            )
            print(f"gunicorn {args.workers} workers, {args.concurrency} envois simultanés, PostgreSQL, Redis")
            print(f"  requêtes par seconde          {len(results) / wall:8.1f}")
            print(
                f"  latence p50 / p95             {percentile(latencies, 0.5) * 1000:8.0f} ms / "
                f"{percentile(latencies, 0.95) * 1000:.0f} ms"
            )
            print(
                f"  dernière demande enregistrée  {until_last:8.2f} s après l'ouverture"
                f" (objectif ≤ {TARGET_SECONDS:.0f} s)"
            )
            print(f"  demandes enregistrées         {recorded:8d} / {args.parents}")
            print(f"  perdues                       {lost:8d}")
            print(f"  doublons                      {duplicates:8d}")
            print(f"  erreurs serveur (5xx)         {server_errors:8d}")
            print(f"  erreurs réseau                {failed:8d}")
            print(f"  réponses : {dict(sorted((str(k), v) for k, v in statuses.items()))}")
            print(f"  notifications en file        {notifications:8d}")

            validated, waitlisted, in_order, elapsed = validate_in_order(stay)
            print()
            print(
                f"Validation dans l'ordre d'arrivée ({elapsed:.1f} s) : {validated} validées, "
                f"{waitlisted} en liste d'attente, ordre d'arrivée respecté : {'oui' if in_order else 'NON'}"
            )
            ok = (
                lost == 0
                and duplicates == 0
                and server_errors == 0
                and failed == 0
                and validated == args.capacity
                and waitlisted == args.parents - args.capacity
                and in_order
                and until_last <= TARGET_SECONDS
            )
            print("Objectifs atteints." if ok else "OBJECTIFS NON ATTEINTS.")
            connection.close()
            return 0 if ok else 1
    finally:
        if server is not None:
            served.stop(server)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110 (Django not set up yet)
            pass
        served.recreate_database(args.database_url, DATABASE, drop_only=True)


if __name__ == "__main__":
    sys.exit(main())
