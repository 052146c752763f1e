"""Rush benchmark: the opening of a popular stay, on PostgreSQL, served by gunicorn.

N validated parents (500), each with one child, are signed in beforehand and
have the stay's request page open; registration opens and they all submit at
once, as fast as they can (``--concurrency`` at a time); a share of them
double-click (``--double-click``: the form sent twice at the same instant).
Each browser follows the redirect to the dashboard and reads the message saying
where its request stands (« 57e demande pour 40 places … »). The stay has 40
places; requests beyond the places plus the club's margin (20 % by default) go
onto the waiting list at once. Then the secretariat decides the others in
arrival order: validated while places are left, then waitlisted.

Prints requests per second, p50/p95 latency, the time until the last request is
recorded, requests recorded, lost, duplicated, server errors (the last three
must be 0); the positions the parents read, checked against the rank of each
request's number of arrival in the database (mismatches must be 0, and every
parent must have read one); and the outcome of deciding in order (40
validated, the rest on the waiting list in arrival order).

    .venv/bin/python benchmarks/rush.py [--parents 500] [--capacity 40] [--workers 4]

Needs the local PostgreSQL (``--database-url``, default the local server; the
database ``po_bench_rush`` is created afresh) and Redis on loopback (cache and
task broker, as in production). Only loopback addresses are used.
"""

import argparse
import datetime
import html
import random
import re
import secrets
import string
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent
if sys.path[0] == str(Path(__file__).resolve().parent):  # run as a script: benchmarks/http.py would shadow
    sys.path[0] = str(ROOT)  # the standard library's; the repository instead

from http.cookies import SimpleCookie  # noqa: E402 (the standard library's, once the path is set)

from benchmarks import families, served  # noqa: E402

DATABASE = "po_bench_rush"
REDIS_BENCH_URL = "redis://127.0.0.1:6379/13"
TARGET_SECONDS = 15.0


def build(parents, capacity):
    """The site, the stay (registration not open yet), N validated parents with a child and a session each."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    stay = families.build_stay(capacity, registration_opens_at=timezone.now() + datetime.timedelta(days=1))
    built = families.build_families([1] * parents, birth=stay.start_date.replace(year=stay.start_date.year - 10))
    users = [family.parents[0] for family in built]
    children = [family.children[0] for family in built]
    sessions = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    return stay, list(zip(users, children, sessions, strict=True))


@dataclass
class Answer:
    """What one submission got: the status of the POST, its latency, and the message the dashboard then showed."""

    status: object  # the POST's HTTP status, or "error"
    seconds: float
    message: str = ""
    page_status: object = None  # the dashboard's, after the redirect
    page_seconds: float = 0.0
    error: str = ""

    @property
    def position(self):
        """The position the message gives (« 57e demande pour 40 places »), or None."""
        found = POSITION.search(self.message)
        return int(found.group(1)) if found else None

    @property
    def waiting_rank(self):
        """The rank on the waiting list the message gives (« 12e famille en attente d'une place »), or None."""
        found = WAITING_RANK.search(self.message)
        return int(found.group(1)) if found else None


POSITION = re.compile(r"\b(\d+)(?:re|e) demande pour \d+ places?\b")
WAITING_RANK = re.compile(r"\b(\d+)(?:re|e) famille en attente d'une place\b")
CHILD_NAME = re.compile(r"\bEnfant\d+\b")  # build_families' names, left out to count the answers by kind
MESSAGE = re.compile(r'<p class="message message--[\w-]+">(.*?)</p>', re.S)


def messages_shown(page):
    """The flash messages of a page, as the parent reads them."""
    return [" ".join(html.unescape(text).split()) for text in MESSAGE.findall(page)]


class Parent:
    """One parent's browser: signed in, the request page open, then the form sent (twice for a double-click),
    and the dashboard it is sent to read, with the message saying where the request stands in line."""

    def __init__(self, base_url, offer_id, child_id, session_key, double_click):
        import requests

        self.http = requests.Session()
        self.csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.cookies = f"sessionid={session_key}; csrftoken={self.csrf}"
        self.http.headers["Cookie"] = self.cookies
        self.base_url = base_url
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
            return Answer("error", time.perf_counter() - started, error=repr(error))
        answer = Answer(response.status_code, time.perf_counter() - started)
        if response.status_code == 200:
            answer.message = " ".join(messages_shown(response.text))
        elif response.status_code == 302:
            self.follow(response, answer)
        return answer

    def follow(self, response, answer):
        """Load the page redirected to, with the message cookie just set, as the browser does.

        The cookie is Secure (production settings) and the benchmark speaks plain HTTP on
        loopback: it is sent back by hand, like the session's.
        """
        cookies = SimpleCookie()
        for header in response.raw.headers.getlist("Set-Cookie"):
            cookies.load(header)
        sent_back = "; ".join(f"{name}={morsel.coded_value}" for name, morsel in cookies.items())
        started = time.perf_counter()
        try:
            page = self.http.get(
                urljoin(self.base_url, response.headers["Location"]),
                headers={"Cookie": f"{self.cookies}; {sent_back}" if sent_back else self.cookies},
                allow_redirects=False,
                timeout=60,
            )
        except Exception as error:  # noqa: BLE001
            answer.page_status, answer.error = "error", repr(error)
        else:
            answer.page_status = page.status_code
            answer.message = " ".join(messages_shown(page.text))
        answer.page_seconds = time.perf_counter() - started


def rush(parents, concurrency):
    """Release everyone at once; returns ``(parent, answer)`` for every submission, the start and the wall time."""
    submissions = []
    for parent in parents:
        submissions += [parent] * (2 if parent.double_click else 1)
    random.shuffle(submissions)
    barrier = threading.Barrier(min(concurrency, len(submissions)))

    def send(parent):
        if threading.current_thread().name not in released:
            released.add(threading.current_thread().name)
            barrier.wait(timeout=60)  # every thread starts its first submission at the same instant
        return parent, parent.submit()

    released = set()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        started = time.time()
        results = list(pool.map(send, submissions))
        wall = time.time() - started
    return results, started, wall


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))]


@dataclass
class PositionCheck:
    parents_told: int  # parents with at least one answer giving the position
    answers_without: Counter  # answers giving no position, by what they said
    mismatches: list  # (child, position said, rank of its arrival in the database)
    rank_mismatches: list  # (child, waiting rank said, rank among the waitlisted arrivals)
    arrivals_contiguous: bool  # the arrival numbers are 1..N


def check_positions(stay, results):
    """Compare the position each parent read with the rank of the request's ``arrival`` in the database.

    Nobody left the line during the rush, so the position said at the request (its rank among
    the offer's open requests) must be the rank of its arrival number among all of them; and
    a waitlisted request's rank, its rank among the families still waiting for a place, decided
    or not (``set_positions``): nothing is decided during the rush, so its position too.
    """
    from memberspace.enrollments.models import WAITING_STATUSES, Enrollment, EnrollmentStatus

    rows = list(Enrollment.objects.filter(offer=stay).values_list("child_id", "arrival", "status"))
    arrivals = sorted({arrival for _child, arrival, _status in rows})
    rank = {arrival: number for number, arrival in enumerate(arrivals, start=1)}
    waiting = sorted({arrival for _child, arrival, status in rows if status in WAITING_STATUSES})
    waiting_rank = {arrival: number for number, arrival in enumerate(waiting, start=1)}
    expected = {
        child: (rank[arrival], waiting_rank[arrival] if status == EnrollmentStatus.WAITLISTED else None)
        for child, arrival, status in rows
    }
    told, without, mismatches, rank_mismatches = set(), Counter(), [], []
    for parent, answer in results:
        if answer.position is None:
            said = CHILD_NAME.sub("…", answer.message) or f"(aucun message ; HTTP {answer.status})"
            without[said] += 1
            continue
        told.add(parent.child_id)
        position, waiting_said = expected.get(parent.child_id, (None, None))
        if answer.position != position:
            mismatches.append((parent.child_id, answer.position, position))
        if answer.waiting_rank != waiting_said:
            rank_mismatches.append((parent.child_id, answer.waiting_rank, waiting_said))
    return PositionCheck(
        parents_told=len(told),
        answers_without=without,
        mismatches=mismatches,
        rank_mismatches=rank_mismatches,
        arrivals_contiguous=arrivals == list(range(1, len(arrivals) + 1)),
    )


def validate_in_order(stay):
    """The secretariat's pass over the requests left to it, in arrival order: validate while places are left,
    then put the rest on the waiting list. Those beyond the places plus the club's margin went there at once.

    Returns (validated, waitlisted, waitlisted at once, in order, seconds).
    """
    from django.contrib.auth import get_user_model

    from memberspace.enrollments import services as enrollments
    from memberspace.enrollments.models import Enrollment, EnrollmentStatus, set_positions
    from memberspace.enrollments.services import EnrollmentError

    staff = get_user_model().objects.create(email="secretariat@le-po.test", is_staff=True, password="!")  # noqa: S106
    line = list(Enrollment.objects.filter(offer=stay).in_line())
    at_once = sum(enrollment.status == EnrollmentStatus.WAITLISTED for enrollment in line)
    started = time.perf_counter()
    for enrollment in line:
        if enrollment.status != EnrollmentStatus.REQUESTED:
            continue
        try:
            enrollments.validate(enrollment, by=staff)
        except EnrollmentError:
            enrollments.waitlist(enrollment, by=staff)
    elapsed = time.perf_counter() - started
    statuses = dict(Enrollment.objects.filter(offer=stay).values_list("pk", "status"))
    validated = [e.pk for e in line if statuses[e.pk] == EnrollmentStatus.VALIDATED]
    waitlisted = [e.pk for e in line if statuses[e.pk] == EnrollmentStatus.WAITLISTED]
    in_order = validated == [e.pk for e in line[: len(validated)]] and waitlisted == [
        e.pk for e in line[len(validated) :]
    ]
    ranked = list(Enrollment.objects.filter(pk__in=waitlisted))
    set_positions(ranked)
    ranks = {e.pk: e.waiting_rank() for e in ranked}
    ranks_in_order = [ranks[pk] for pk in waitlisted] == list(range(1, len(waitlisted) + 1))
    return len(validated), len(waitlisted), at_once, in_order and ranks_in_order, elapsed


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
            from memberspace.enrollments.services import request_margin
            from memberspace.notifications.models import Notification
            from pages.models import ClubSettings

            call_command("migrate", interactive=False, verbosity=0)
            call_command("collectstatic", interactive=False, verbosity=0)
            setup_roles()
            print(f"Préparation : {args.parents} parents connectés, séjour de {args.capacity} places…")
            stay, signed_in = build(args.parents, args.capacity)
            margin = request_margin(stay, ClubSettings.current())
            connection.close()

            port = free_port()
            base_url = f"http://127.0.0.1:{port}"
            server = served.start_gunicorn(env, port, args.workers)
            served.wait_until_up(base_url)
            rng = random.Random(6)
            parents = [
                Parent(base_url, stay.pk, child.pk, session_key, rng.random() < args.double_click)
                for _user, child, session_key in signed_in
            ]
            with ThreadPoolExecutor(max_workers=8) as pool:  # everyone has the page open, waiting
                list(pool.map(lambda parent: parent.open_page(), parents))

            type(stay).objects.filter(pk=stay.pk).update(registration_opens_at=timezone.now())  # opening
            results, started_at, wall = rush(parents, args.concurrency)
            served.stop(server)
            server = None

            answers = [answer for _parent, answer in results]
            latencies = [answer.seconds for answer in answers]
            page_latencies = [answer.page_seconds for answer in answers if answer.page_status is not None]
            statuses = Counter(answer.status for answer in answers)
            page_statuses = Counter(answer.page_status for answer in answers if answer.page_status is not None)
            server_errors = sum(
                count
                for status, count in (statuses + page_statuses).items()
                if isinstance(status, int) and status >= 500
            )
            failed = statuses.get("error", 0) + page_statuses.get("error", 0)
            enrollments = Enrollment.objects.filter(offer=stay)
            recorded = enrollments.values("child").distinct().count()
            duplicates = enrollments.count() - recorded
            lost = args.parents - recorded
            last = max(enrollments.values_list("requested_at", flat=True))
            until_last = last.timestamp() - started_at
            notifications = Notification.objects.filter(kind="enrollment_requested").count()
            double_clicks = sum(parent.double_click for parent in parents)
            positions = check_positions(stay, results)

            print()
            print(
                f"Ouverture d'un séjour : {args.parents} parents, {len(results)} envois ({double_clicks} doubles clics)"
            )
            print(f"gunicorn {args.workers} workers, {args.concurrency} envois simultanés, PostgreSQL, Redis")
            print(
                f"  envois par seconde            {len(results) / wall:8.1f}"
                " (chacun suivi du tableau de bord où la réponse s'affiche)"
            )
            print(
                f"  latence p50 / p95 de l'envoi  {percentile(latencies, 0.5) * 1000:8.0f} ms / "
                f"{percentile(latencies, 0.95) * 1000:.0f} ms"
            )
            print(
                f"  puis tableau de bord p50/p95  {percentile(page_latencies, 0.5) * 1000:8.0f} ms / "
                f"{percentile(page_latencies, 0.95) * 1000:.0f} ms"
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
            print(f"  tableau de bord : {dict(sorted((str(k), v) for k, v in page_statuses.items()))}")
            print(f"  notifications en file        {notifications:8d}")
            print()
            print(f"Positions annoncées (marge du club : {margin} demandes au-delà des {args.capacity} places)")
            print(f"  parents ayant lu leur position        {positions.parents_told:5d} / {args.parents}")
            print(f"  numéros d'arrivée 1..N en base         {'oui' if positions.arrivals_contiguous else 'NON':>5}")
            print(f"  positions ≠ rang d'arrivée en base     {len(positions.mismatches):5d}")
            print(f"  rangs d'attente ≠ rang en base         {len(positions.rank_mismatches):5d}")
            for child, said, expected in (positions.mismatches + positions.rank_mismatches)[:5]:
                print(f"    enfant {child} : annoncé {said}, en base {expected}")
            without = sum(positions.answers_without.values())
            print(f"  réponses sans position                 {without:5d} (doubles clics compris)")
            if without:
                for said, count in positions.answers_without.most_common():
                    print(f"    {count:5d} × « {said} »")

            validated, waitlisted, at_once, in_order, elapsed = validate_in_order(stay)
            print()
            print(
                f"Validation dans l'ordre d'arrivée ({elapsed:.1f} s) : {validated} validées, "
                f"{waitlisted} en liste d'attente (dont {at_once} dès leur demande, au-delà de "
                f"{args.capacity} + {margin}), ordre d'arrivée respecté : {'oui' if in_order else 'NON'}"
            )
            checks = {
                "aucune demande perdue": lost == 0,
                "aucun doublon": duplicates == 0,
                "aucune erreur serveur": server_errors == 0,
                "aucune erreur réseau": failed == 0,
                "chaque parent a lu sa position": positions.parents_told == args.parents,
                "positions = rang d'arrivée": not positions.mismatches,
                "rangs d'attente = base": not positions.rank_mismatches,
                "numéros d'arrivée 1..N": positions.arrivals_contiguous,
                "validées = places": validated == args.capacity,
                "reste en liste d'attente": waitlisted == args.parents - args.capacity,
                "liste d'attente dès la demande au-delà de la marge": at_once
                == max(args.parents - args.capacity - margin, 0),
                "ordre d'arrivée respecté": in_order,
                f"dernière demande ≤ {TARGET_SECONDS:.0f} s": until_last <= TARGET_SECONDS,
            }
            missed = [name for name, held in checks.items() if not held]
            ok = not missed
            print("Objectifs atteints." if ok else f"OBJECTIFS NON ATTEINTS : {', '.join(missed)}.")
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
