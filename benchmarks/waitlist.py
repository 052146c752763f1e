"""Waiting-list benchmark: freed places passed on by themselves, on PostgreSQL, with a real django-q2 worker.

Issue 15. A stay of 40 places receives 400 requests (families of one child, and a
few sibling pairs, half of which accept to be split). The club's margin of
requests is set to 0 % (``ClubSettings.request_margin_percent``), so the first 40
requests wait for the secretariat, which validates them (``services.validate``),
and the 360 others go onto the waiting list as they are recorded. Then, on the
clock:

- 100 validated families cancel over 60 s (``services.cancel_by_staff``), from 4
  threads, several at the same instant at times. Each place freed is offered, in
  the same transaction, to the next family in line, whose guardians are told by
  email and SMS, sent by the worker. When no family holds a validated place, a
  cancellation waits for one (a family that accepted an offer);
- each family offered a place reads its message (the offer's first notification
  sent), then, at random (seeded per family; run k draws with ``--seed`` + k - 1),
  accepts (``services.accept_place``) or declines (``services.decline_place``)
  0.5 to 5 s later, or lets the offer expire. The club's delay to answer counts in hours (48 by default): for an
  offer let expire, the run moves the deadline to 50 to 58 s ahead
  (``--expire-in``), which stands for the passing of those hours. The expiry is
  the worker's: while an offer is open, one run of ``tasks.run_waiting_lists``
  (the *watcher*) watches the deadlines, 45 s at a time
  (``settings.WAITING_LIST_WATCH_SECONDS``), then queues the next run and hands it
  its lease. The first is woken by the first offer made, or started by the
  schedule (config/schedules.py: every minute, created by ``manage.py
  setup_schedules`` and run by the cluster's scheduler);
- until no offer is open and no place is free while a family that fits waits, or
  ``--bound`` seconds (480).

A monitor thread reads the stay's places every 100 ms, in one statement (one
snapshot). Printed per run, then as medians and spread over the runs:

- offers made, accepted, declined, expired; what the families chose;
- from a place freed (``PlaceOffer.freed_at``: the cancellation or the decline,
  or the expired offer's deadline) to the next family notified (the first
  ``sent_at`` of that offer's ``place_offered`` notifications): p50, p95, max,
  overall and by cause, beside the target p95 ≤ 5 s (issue 15), MET or NOT MET;
- places offered twice at once (samples with more places offered than free, and
  requests offered twice in their history: must be 0), places lost (at the end,
  places held ≤ capacity, and if fewer, no family that fits is waiting or the
  registration is closed; and samples with a place free while a family that fits
  waits: must be 0), over-capacity at any moment (samples with more places
  validated than the capacity: must be 0).

There is no baseline: the automatic offers are new with issue 15.

    .venv/bin/python benchmarks/waitlist.py [--runs 2] [--broker redis|orm] [--workers 2] [--expire-in 50,58]

Production settings (``served.configure``), the database ``po_bench_waitlist``
created afresh for each run on the local PostgreSQL (``--database-url``) and
dropped at the end; the broker and the cache on Redis (database 12, as in
production), or the Django ORM and the database cache table (``--broker orm``,
production without Redis). Email through a real SMTP server on loopback
(aiosmtpd), SMS through the real Twilio client against a local fake of Twilio's
API (tests/servers.py). Only loopback addresses are used.
"""

import argparse
import datetime
import os
import random
import re
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path[0] == str(Path(__file__).resolve().parent):  # run as a script: benchmarks/http.py would shadow
    sys.path[0] = str(ROOT)  # the standard library's; the repository instead

from benchmarks import families, served  # noqa: E402

DATABASE = "po_bench_waitlist"
REDIS_BENCH_URL = "redis://127.0.0.1:6379/12"
TARGET_P95 = 5.0
SAMPLE_EVERY = 0.1
PICK_AHEAD = 0.3  # seconds: a cancelling thread chooses its family this long before its instant
TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "benchmark-token",
    "TWILIO_FROM_NUMBER": "+33700000000",
}
ANSWER_LINK = re.compile(r"/place-proposee/([^/\s?]+)/")
CAUSES = ("cancellation or decline", "expiry")


# What needs no database: the plan of the run and the figures


def cancel_plan(count, over, threads, rng):
    """The instants (seconds from the start) of each thread's cancellations: ``count`` of them spread over
    ``over`` seconds, in groups of 1 to 3 at the same instant, each of a group in another thread."""
    plan = [[] for _ in range(threads)]
    left, turn = count, 0
    while left:
        size = min(left, rng.choice((1, 1, 2, 3)), threads)
        instant = rng.uniform(0, over)
        for member in range(size):
            plan[(turn + member) % threads].append(instant)
        turn, left = turn + size, left - size
    return [sorted(instants) for instants in plan]


def decide(seed, arrival, times_offered, args):
    """What a family does with the place offered (seeded per family): ``(choice, seconds)``, the seconds
    before it answers, or for an offer let expire, until its deadline."""
    rng = random.Random(f"{seed}:{arrival}:{times_offered}")
    choice = rng.choices(("accept", "decline", "expire"), weights=args.weights)[0]
    return choice, rng.uniform(*(args.expire_in if choice == "expire" else args.react))


def percentile(values, fraction):
    """Nearest rank, as benchmarks/rush.py."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))]


def cause_of(freed_at, expired_deadlines, events):
    """Why a place was offered: its ``freed_at`` is an expired offer's deadline, or the moment of the
    cancellation or decline (``events``: their times, sorted) whose transaction offered it."""
    if freed_at in expired_deadlines:
        return "expiry"
    before = [moment for moment in events if moment <= freed_at]
    if before and (freed_at - before[-1]).total_seconds() < 5:
        return "cancellation or decline"
    return "other"


def within_watch(moment, duty):
    """Whether a watcher held the lease at ``moment`` (``duty``: the lease's changes seen by the monitor,
    ``(when, token or None)``), or None if ``moment`` came before the first sample."""
    before = [token for when, token in duty if when <= moment]
    return (before[-1] is not None) if before else None


def spread(values):
    """``median (min–max)`` of the runs' values."""
    if not values:
        return "not measured"
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def verdict(p95):
    if p95 is None:
        return "not measured"
    return "MET" if p95 <= TARGET_P95 else "NOT MET"


# The run


@dataclass
class Result:
    seconds: float = 0.0
    bound_hit: bool = False
    cancellations: list = field(default_factory=list)  # (planned, done) seconds from the start
    cancel_errors: list = field(default_factory=list)
    choices: Counter = field(default_factory=Counter)
    answer_errors: list = field(default_factory=list)
    offers: Counter = field(default_factory=Counter)
    not_notified: int = 0
    latencies: dict = field(default_factory=dict)  # cause -> [seconds]
    expiries: list = field(default_factory=list)  # (seconds, a watcher on duty at the deadline, or None: not seen)
    samples: int = 0
    max_taken: int = 0
    max_held: int = 0
    over_capacity: int = 0  # samples with more places validated than the capacity
    offered_beyond_free: int = 0  # samples with more places offered than free
    free_while_fitting_waits: int = 0
    inconsistent: int = 0  # samples with an open offer and no request offered, or the reverse
    offered_twice: int = 0  # requests offered more than once in their history
    singles_out_of_order: int = 0
    end: dict = field(default_factory=dict)
    lost_at_end: int = 0
    duty: list = field(default_factory=list)  # the watcher's lease as the monitor saw it change: (when, token)
    duty_samples: int = 0  # samples with a watcher on duty
    notifications: Counter = field(default_factory=Counter)
    load: tuple = ()
    seed: int = 0


# The stay's places in one statement (one snapshot): taken, offered, waitlisted, open offers, inconsistencies
# (an open offer with no request offered, or a request offered by a closed offer), and whether a family
# that fits the places free waits (siblings fit together, or one by one if their parents accepted).
PLACES_SQL = """
    WITH line AS (
        SELECT status, arrival, may_split FROM enrollments_enrollment
        WHERE offer_id = %(offer)s AND status = ANY(%(active)s)
    ), figures AS (
        SELECT count(*) FILTER (WHERE status = ANY(%(taken)s)) AS taken,
               count(*) FILTER (WHERE status = 'offered') AS offered,
               count(*) FILTER (WHERE status = 'waitlisted') AS waitlisted
        FROM line
    ), waiting_families AS (
        SELECT arrival, count(*) AS size, bool_or(may_split) AS may_split
        FROM line WHERE status = 'waitlisted' GROUP BY arrival
    )
    SELECT f.taken, f.offered, f.waitlisted,
        (SELECT count(*) FROM enrollments_placeoffer WHERE offer_id = %(offer)s AND status = 'open'),
        (SELECT count(*) FROM enrollments_placeoffer p WHERE p.offer_id = %(offer)s AND p.status = 'open'
            AND NOT EXISTS (
                SELECT 1 FROM enrollments_enrollment e WHERE e.place_offer_id = p.id AND e.status = 'offered'
            ))
        + (SELECT count(*) FROM enrollments_enrollment e JOIN enrollments_placeoffer p ON p.id = e.place_offer_id
            WHERE e.offer_id = %(offer)s AND e.status = 'offered' AND p.status <> 'open'),
        EXISTS (SELECT 1 FROM waiting_families w WHERE %(capacity)s - f.taken - f.offered > 0
            AND (w.size <= %(capacity)s - f.taken - f.offered OR w.may_split))
    FROM figures f
"""


def read_places(cursor, stay):
    """``(taken, offered, waitlisted, open offers, inconsistencies, a family that fits waits)``, one snapshot."""
    from memberspace.enrollments.models import ACTIVE_STATUSES, TAKEN_STATUSES

    cursor.execute(
        PLACES_SQL,
        {
            "offer": stay.pk,
            "capacity": stay.capacity,
            "active": [str(status) for status in ACTIVE_STATUSES],
            "taken": [str(status) for status in TAKEN_STATUSES],
        },
    )
    return cursor.fetchone()


def place_offer_of(body):
    """The place offer a ``place_offered`` message is about, from its answer link."""
    from memberspace.enrollments.services import read_answer_token

    found = ANSWER_LINK.search(body)
    read = read_answer_token(found.group(1)) if found else None
    return read or (None, None)


def prepare(args):
    """The stay, the families and their requests in order, the first 40 validated; returns (stay, sizes, staff)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from wagtail.models import Site

    from memberspace.enrollments import services
    from memberspace.enrollments.models import Enrollment, EnrollmentStatus
    from pages.models import ClubSettings

    started = time.perf_counter()
    stay = families.build_stay(args.capacity, registration_opens_at=timezone.now() - datetime.timedelta(days=1))
    club = ClubSettings.for_site(Site.objects.get(is_default_site=True))
    club.request_margin_percent = 0  # beyond the places, straight onto the waiting list
    club.save()
    pairs_at = {
        args.capacity + 20 + number * (args.families - args.capacity - 20) // args.pairs for number in range(args.pairs)
    }
    sizes = [2 if number in pairs_at else 1 for number in range(args.families)]
    built = families.build_families(
        sizes,
        birth=stay.start_date.replace(year=stay.start_date.year - 10),
        co_parents=range(0, args.families, 10),
        phones=True,
    )
    requesting = time.perf_counter()
    for number, family in enumerate(built):
        services.request_enrollments(
            family.parents[0], offer=stay, children=family.children, may_split=number in pairs_at and number % 2 == 0
        )
    requested = time.perf_counter() - requesting
    staff = get_user_model().objects.create(email="secretariat@le-po.test", is_staff=True, password="!")  # noqa: S106
    for enrollment in Enrollment.objects.filter(offer=stay, status=EnrollmentStatus.REQUESTED).in_line():
        services.validate(enrollment, by=staff)
    statuses = Counter(Enrollment.objects.filter(offer=stay).values_list("status", flat=True))
    assert statuses[EnrollmentStatus.VALIDATED] == args.capacity, statuses
    assert statuses[EnrollmentStatus.WAITLISTED] == sum(sizes) - args.capacity, statuses
    sizes_by_arrival = Counter(Enrollment.objects.filter(offer=stay).values_list("arrival", flat=True))
    print(f"  prepared in {time.perf_counter() - started:.0f} s; the requests one after the other: {requested:.1f} s")
    return stay, sizes_by_arrival, staff


def wait_for_outbox(timeout):
    """Until every notification queued so far is sent (the requests' and validations'): a quiet worker to start."""
    from memberspace.notifications.models import Notification

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Notification.objects.filter(status=Notification.Status.QUEUED).exists():
            return True
        time.sleep(0.5)
    return False


class Run:
    """The threads of one run: the monitor, the cancellations, the families answering."""

    def __init__(self, args, stay, sizes_by_arrival, staff):
        self.args, self.stay, self.sizes, self.staff = args, stay, sizes_by_arrival, staff
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.rng = random.Random(args.seed)
        self.claimed = set()
        self.offered_times = Counter()
        self.pending = 0
        self.result = Result()
        self.last_sample = None

    # The monitor

    def monitor(self):
        from django.core.cache import cache
        from django.db import connection
        from django.utils import timezone

        from memberspace.enrollments.tasks import WATCHER_KEY

        result, capacity = self.result, self.stay.capacity
        try:
            with connection.cursor() as cursor:
                tick = time.monotonic()
                while not self.stop.is_set():
                    taken, offered, _waitlisted, open_offers, inconsistent, fitting = read_places(cursor, self.stay)
                    self.last_sample = (taken, offered, open_offers, fitting)
                    result.samples += 1
                    result.max_taken = max(result.max_taken, taken)
                    result.max_held = max(result.max_held, taken + offered)
                    result.over_capacity += taken > capacity
                    result.offered_beyond_free += taken + offered > capacity
                    result.free_while_fitting_waits += bool(fitting)
                    result.inconsistent += bool(inconsistent)
                    watcher = cache.get(WATCHER_KEY)
                    result.duty_samples += watcher is not None
                    if not result.duty or result.duty[-1][1] != watcher:
                        result.duty.append((timezone.now(), watcher))
                    tick += SAMPLE_EVERY
                    self.stop.wait(max(tick - time.monotonic(), 0))
        finally:
            connection.close()

    # The cancellations

    def pick_family(self):
        """A validated family not yet cancelled (at random), or None if none is validated now."""
        from memberspace.enrollments.models import Enrollment, EnrollmentStatus

        with self.lock:
            validated = Enrollment.objects.filter(offer=self.stay, status=EnrollmentStatus.VALIDATED)
            arrivals = sorted(set(validated.values_list("arrival", flat=True)) - self.claimed)
            if not arrivals:
                return []
            arrival = self.rng.choice(arrivals)
            self.claimed.add(arrival)
        return list(validated.filter(arrival=arrival))

    def cancel(self, instants, started):
        from django.db import connection

        from memberspace.enrollments import services

        try:
            for instant in instants:
                # The family is chosen just before the instant, so that a group's cancellations start together.
                if self.stop.wait(max(started + instant - PICK_AHEAD - time.monotonic(), 0)):
                    return
                family = self.pick_family()
                while not family and not self.stop.wait(0.1):
                    family = self.pick_family()
                if not family or self.stop.wait(max(started + instant - time.monotonic(), 0)):
                    return
                done = time.monotonic() - started
                for enrollment in family:
                    try:
                        services.cancel_by_staff(enrollment, by=self.staff)
                    except services.EnrollmentError as error:
                        self.result.cancel_errors.append(str(error))
                self.result.cancellations.append((instant, done))
        finally:
            connection.close()

    # The families offered a place

    def read_messages(self, pool):
        """Each family reads the first message of its offer, then answers, or lets the offer run out."""
        from django.db import connection

        from memberspace.notifications.models import Notification

        seen_messages, seen_offers = set(), set()
        try:
            while not self.stop.wait(SAMPLE_EVERY):
                sent = (
                    Notification.objects.filter(kind="place_offered", sent_at__isnull=False)
                    .exclude(pk__in=seen_messages)
                    .order_by("sent_at")
                    .values_list("pk", "body_text", "sent_at")
                )
                for pk, body, sent_at in sent:
                    seen_messages.add(pk)
                    place_offer_pk, guardian_pk = place_offer_of(body)
                    if place_offer_pk is None or place_offer_pk in seen_offers:
                        continue
                    seen_offers.add(place_offer_pk)
                    self.react(pool, place_offer_pk, guardian_pk, sent_at)
        finally:
            connection.close()

    def react(self, pool, place_offer_pk, guardian_pk, sent_at):
        from django.utils import timezone

        from memberspace.enrollments.models import Enrollment, PlaceOffer, PlaceOfferStatus

        arrival = Enrollment.objects.filter(place_offer_id=place_offer_pk).values_list("arrival", flat=True).first()
        self.offered_times[arrival] += 1
        choice, seconds = decide(self.args.seed, arrival, self.offered_times[arrival], self.args)
        self.result.choices[choice] += 1
        if choice == "expire":  # the hours to answer pass: the deadline comes within the minute
            expires_at = timezone.now() + datetime.timedelta(seconds=seconds)
            PlaceOffer.objects.filter(pk=place_offer_pk, status=PlaceOfferStatus.OPEN).update(expires_at=expires_at)
            return
        with self.lock:
            self.pending += 1
        pool.submit(self.answer, place_offer_pk, guardian_pk, choice, sent_at.timestamp() + seconds)

    def answer(self, place_offer_pk, guardian_pk, choice, due):
        from django.contrib.auth import get_user_model
        from django.db import connection

        from memberspace.enrollments import services
        from memberspace.enrollments.models import PlaceOffer

        try:
            if self.stop.wait(max(due - time.time(), 0)):
                return
            place_offer = PlaceOffer.objects.select_related("offer").get(pk=place_offer_pk)
            guardian = get_user_model().objects.get(pk=guardian_pk)
            action = services.accept_place if choice == "accept" else services.decline_place
            try:
                action(place_offer, by=guardian)
            except services.EnrollmentError as error:
                self.result.answer_errors.append(f"{choice}: {error}")
        finally:
            connection.close()
            with self.lock:
                self.pending -= 1

    # The whole

    def play(self):
        args = self.args
        plan = cancel_plan(args.cancellations, args.cancel_over, args.threads, random.Random(args.seed))
        started = time.monotonic()
        monitor = threading.Thread(target=self.monitor, name="monitor")
        cancellers = [
            threading.Thread(target=self.cancel, args=(instants, started), name=f"cancel-{number}")
            for number, instants in enumerate(plan)
        ]
        with ThreadPoolExecutor(max_workers=24, thread_name_prefix="family") as pool:
            reader = threading.Thread(target=self.read_messages, args=(pool,), name="families")
            threads = [monitor, reader, *cancellers]
            for thread in threads:
                thread.start()
            try:
                while time.monotonic() - started < args.bound:
                    time.sleep(0.25)
                    sample = self.last_sample
                    if any(thread.is_alive() for thread in cancellers) or self.pending or sample is None:
                        continue
                    _taken, _offered, open_offers, fitting = sample
                    if open_offers == 0 and not fitting:
                        break
                else:
                    self.result.bound_hit = True
                self.result.seconds = time.monotonic() - started
            finally:
                self.stop.set()
                for thread in threads:
                    thread.join(timeout=30)
        return self.result


def measure(result, stay, sizes_by_arrival):
    """The figures read from the database once the worker is stopped."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.db.models import Count
    from wagtail.models import ModelLogEntry

    from memberspace.enrollments.models import Enrollment, EnrollmentStatus, PlaceOffer, PlaceOfferStatus
    from memberspace.notifications.models import Notification
    from pages.models import RegistrationState

    offers = list(PlaceOffer.objects.filter(offer=stay).order_by("created_at", "pk"))
    result.offers = Counter(offer.status for offer in offers)
    result.offers["made"] = len(offers)
    first_sent = {}
    notices = Notification.objects.filter(kind="place_offered")
    result.notifications = Counter(
        f"{channel} {status}" for channel, status in notices.values_list("channel", "status")
    )
    for body, sent_at in notices.filter(sent_at__isnull=False).values_list("body_text", "sent_at"):
        place_offer_pk, _guardian = place_offer_of(body)
        if place_offer_pk is not None and (place_offer_pk not in first_sent or sent_at < first_sent[place_offer_pk]):
            first_sent[place_offer_pk] = sent_at
    expired = {offer.expires_at for offer in offers if offer.status == PlaceOfferStatus.EXPIRED}
    declines = [offer.answered_at for offer in offers if offer.status == PlaceOfferStatus.DECLINED]
    cancels = list(
        Enrollment.objects.filter(offer=stay, cancelled_by__is_staff=True).values_list("cancelled_at", flat=True)
    )
    events = sorted(declines + cancels)
    result.latencies = {cause: [] for cause in (*CAUSES, "other")}
    for offer in offers:
        if offer.pk not in first_sent:
            result.not_notified += 1
            continue
        cause = cause_of(offer.freed_at, expired, events)
        seconds = (first_sent[offer.pk] - offer.freed_at).total_seconds()
        result.latencies[cause].append(seconds)
        if cause == "expiry":
            result.expiries.append((seconds, within_watch(offer.freed_at, result.duty)))

    enrollment_type = ContentType.objects.get_for_model(Enrollment)
    result.offered_twice = (
        ModelLogEntry.objects.filter(content_type=enrollment_type, action="po.enrollment.offer_place")
        .values("object_id")
        .annotate(times=Count("id"))
        .filter(times__gt=1)
        .count()
    )
    offered_arrivals = []
    for offer in offers:
        arrivals = {enrollment.arrival for enrollment in offer.enrollments.all()}
        if len(arrivals) == 1 and sizes_by_arrival[next(iter(arrivals))] == 1:
            offered_arrivals.append(next(iter(arrivals)))
    result.singles_out_of_order = sum(
        later < earlier for earlier, later in zip(offered_arrivals, offered_arrivals[1:], strict=False)
    )

    with connection.cursor() as cursor:
        taken, offered, waitlisted, open_offers, inconsistent, fitting = read_places(cursor, stay)
    closed = stay.registration_state() == RegistrationState.CLOSED
    result.end = {"taken": taken, "offered": offered, "waitlisted": waitlisted, "open offers": open_offers}
    # Held ≤ capacity is the over-capacity check's; here, the places free while a family that fits waits.
    result.lost_at_end = 0 if closed or not fitting else stay.capacity - taken - offered
    result.end["cancelled"] = Enrollment.objects.filter(offer=stay, status=EnrollmentStatus.CANCELLED).count()
    result.inconsistent += bool(inconsistent)
    return result


def run_once(args, env, smtp, twilio):
    from django.core.management import call_command
    from django.db import connection, connections

    from tests.servers import QCluster

    connections.close_all()
    served.recreate_database(args.database_url, DATABASE)
    if args.broker == "redis":
        import redis

        redis.Redis.from_url(REDIS_BENCH_URL).flushdb()
    quiet = StringIO()
    call_command("migrate", interactive=False, verbosity=0, stdout=quiet)
    call_command("createcachetable", verbosity=0, stdout=quiet)
    call_command("setup_schedules", stdout=quiet)
    cluster = QCluster(connection, **env)
    cluster.start()
    try:
        stay, sizes_by_arrival, staff = prepare(args)
        if not wait_for_outbox(timeout=180):
            raise SystemExit("The worker did not send the requests' notifications within 180 s:\n" + cluster.output())
        load = os.getloadavg()
        result = Run(args, stay, sizes_by_arrival, staff).play()
        result.load, result.seed = load, args.seed
    finally:
        cluster.close()
    connections.close_all()
    return measure(result, stay, sizes_by_arrival)


def report(number, runs, args, result):
    taken = result.cancellations
    starts = sorted(done for _planned, done in taken)
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    together = sum(  # started within 10 ms of another one
        (index > 0 and gaps[index - 1] < 0.01) or (index < len(gaps) and gaps[index] < 0.01)
        for index in range(len(starts))
    )
    last = max((done for _planned, done in taken), default=0)
    print()
    print(
        f"Run {number}/{runs}, seed {result.seed} ({result.seconds:.0f} s"
        f"{', STOPPED AT THE BOUND' if result.bound_hit else ''}; load average at the start {result.load[0]:.1f} "
        f"on {os.cpu_count()} CPUs)"
    )
    print(
        f"  cancellations            {len(taken)} families in {last:.1f} s ({together} at the same instant as "
        f"another), errors {len(result.cancel_errors)}"
    )
    offers = result.offers
    print(
        f"  offers made              {offers['made']}: accepted {offers['accepted']}, declined {offers['declined']}, "
        f"expired {offers['expired']}, open {offers['open']}, withdrawn {offers['withdrawn']}; not notified "
        f"{result.not_notified}"
    )
    print(
        f"  families chose           accept {result.choices['accept']}, decline {result.choices['decline']}, "
        f"let expire {result.choices['expire']}; answers refused {len(result.answer_errors)}"
    )
    print(
        f"  freed → notified          {'n':>4} {'p50':>7} {'p95':>7} {'max':>7} {'> 5 s':>6}   "
        f"target p95 ≤ {TARGET_P95:.0f} s"
    )
    for cause, values in latency_classes(result):
        if not values:
            print(f"    {cause:<23} {0:>4}       —       —       —      —   not measured")
            continue
        p95 = percentile(values, 0.95)
        print(
            f"    {cause:<23} {len(values):>4} {percentile(values, 0.5):>6.2f}s {p95:>6.2f}s {max(values):>6.2f}s"
            f" {sum(value > TARGET_P95 for value in values):>6}   {verdict(p95)}"
        )
    print(
        f"  places offered twice     {result.offered_beyond_free} samples with more places offered than free, "
        f"{result.offered_twice} requests offered twice (must be 0)"
    )
    end = result.end
    print(
        f"  places lost              {result.lost_at_end} at the end (held {end['taken'] + end['offered']}/"
        f"{args.capacity}, waitlisted {end['waitlisted']}), {result.free_while_fitting_waits} samples with a place "
        f"free while a family that fits waits (must be 0)"
    )
    print(
        f"  over-capacity            {result.over_capacity} of {result.samples} samples (every "
        f"{SAMPLE_EVERY * 1000:.0f} ms; at most {result.max_taken} validated, {result.max_held} held) (must be 0)"
    )
    print(
        f"  other checks             {result.inconsistent} samples with an offer open and no request offered or the "
        f"reverse, {result.singles_out_of_order} single children offered out of arrival order"
    )
    leases = {token for _when, token in result.duty if token}
    print(
        f"  the watcher              on duty in {result.duty_samples} of {result.samples} samples "
        f"({result.duty_samples / max(result.samples, 1):.0%}); {len(leases)} lease tokens seen (a new one at "
        f"each hand-over from run to run)"
    )
    for where, label in ((True, "a watcher on duty"), (False, "no watcher on duty"), (None, "before any sample")):
        found = [seconds for seconds, within in result.expiries if within is where]
        if found:
            print(f"    deadlines, {label:<19} {len(found):>3}: freed → notified {min(found):.2f}–{max(found):.2f} s")
    print(f"  place_offered messages   {dict(sorted(result.notifications.items()))}")
    for error in (result.cancel_errors + result.answer_errors)[:5]:
        print(f"    error: {error}")


def latency_classes(result):
    values = result.latencies
    classes = [("overall", [v for cause in values for v in values[cause]])]
    classes += [(cause, values[cause]) for cause in CAUSES]
    if values.get("other"):
        classes.append(("other (freed elsewhere)", values["other"]))
    return classes


def summary(args, results):
    print()
    print(f"Over {len(results)} runs: median (min–max) of each run's figure, seconds")
    print(f"  {'':<25} {'p50':>20} {'p95':>20} {'max':>20}   target p95 ≤ {TARGET_P95:.0f} s")
    names = [name for name, _values in latency_classes(results[0])]
    for name in names:
        per_run = [dict(latency_classes(result)).get(name, []) for result in results]
        measured = [values for values in per_run if values]
        p50s = [percentile(values, 0.5) for values in measured]
        p95s = [percentile(values, 0.95) for values in measured]
        maxes = [max(values) for values in measured]
        met = sum(p95 <= TARGET_P95 for p95 in p95s)
        median_p95 = statistics.median(p95s) if p95s else None
        print(
            f"  {name:<25} {spread(p50s):>20} {spread(p95s):>20} {spread(maxes):>20}   "
            f"{verdict(median_p95)} (median; met in {met} of {len(measured)} runs)"
        )
    zero = {
        "places offered twice": sum(r.offered_beyond_free + r.offered_twice for r in results),
        "places lost": sum(r.lost_at_end + r.free_while_fitting_waits for r in results),
        "over-capacity": sum(r.over_capacity for r in results),
    }
    print("  " + ", ".join(f"{name}: {count}" for name, count in zero.items()) + " (over all runs; each must be 0)")
    for name in ("made", "accepted", "declined", "expired"):
        print(f"  offers {name:<9} {spread([float(r.offers[name]) for r in results])}")
    over_capacity = sum(r.over_capacity + max(r.end["taken"] + r.end["offered"] - args.capacity, 0) for r in results)
    checks = zero["places offered twice"] == zero["places lost"] == over_capacity == 0 and not any(
        r.bound_hit or r.not_notified or r.cancel_errors or r.answer_errors or r.inconsistent for r in results
    )
    return checks


def stop_on_term(_signal, _frame):
    raise SystemExit(143)


def parse_pair(text, kind=float):
    low, high = (kind(part) for part in text.split(","))
    return low, high


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--families", type=int, default=400, help="requests (families)")
    parser.add_argument("--pairs", type=int, default=6, help="of which sibling pairs")
    parser.add_argument("--capacity", type=int, default=40)
    parser.add_argument("--cancellations", type=int, default=100)
    parser.add_argument("--cancel-over", type=float, default=60.0, help="seconds")
    parser.add_argument("--threads", type=int, default=4, help="threads cancelling")
    parser.add_argument("--weights", type=lambda text: [float(x) for x in text.split(",")], default=[0.5, 0.3, 0.2])
    parser.add_argument("--react", type=parse_pair, default=(0.5, 5.0), help="seconds before answering: min,max")
    parser.add_argument("--expire-in", type=parse_pair, default=(50.0, 58.0), help="deadline moved to: min,max s")
    parser.add_argument("--bound", type=float, default=480.0, help="seconds at most per run")
    parser.add_argument("--seed", type=int, default=15, help="the first run's; each next run adds 1")
    parser.add_argument("--broker", choices=["redis", "orm"], default="redis")
    parser.add_argument("--workers", type=int, default=2, help="Q_WORKERS (the production default: 2)")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, stop_on_term)  # the worker stopped and the database dropped, by the finally's

    from tests.servers import FakeTwilio, SmtpServer

    smtp = SmtpServer().start()
    twilio = FakeTwilio(TWILIO["TWILIO_ACCOUNT_SID"], TWILIO["TWILIO_AUTH_TOKEN"]).start()
    try:
        with tempfile.TemporaryDirectory(prefix="po-waitlist-") as workdir:
            env = served.configure(
                f"{args.database_url}/{DATABASE}",
                REDIS_BENCH_URL if args.broker == "redis" else "",
                Path(workdir),
                EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=str(smtp.port),
                EMAIL_USE_TLS="false",
                SMS_BACKEND="memberspace.notifications.sms.twilio.TwilioBackend",
                TWILIO_API_BASE_URL=twilio.base_url,
                Q_WORKERS=str(args.workers),
                **TWILIO,
            )
            from django.conf import settings

            cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
            print(
                f"Waiting-list benchmark: {args.families} requests ({args.pairs} of them sibling pairs) for "
                f"{args.capacity} places, club margin 0 %; {args.cancellations} cancellations over "
                f"{args.cancel_over:.0f} s from {args.threads} threads; answers accept/decline/expire weighted "
                f"{args.weights}, after {args.react[0]}–{args.react[1]} s; deadlines let run out moved to "
                f"{args.expire_in[0]:.0f}–{args.expire_in[1]:.0f} s ahead; seeds from {args.seed}."
            )
            print(
                f"Production settings, PostgreSQL, django-q2 qcluster with {args.workers} workers (poll "
                f"{settings.Q_CLUSTER['poll']} s, scheduler every ~30 s), broker "
                f"{'Redis' if args.broker == 'redis' else 'Django ORM'}; schedule « run_waiting_lists » every "
                f"minute, and while an offer is open one run watching "
                f"{settings.WAITING_LIST_WATCH_SECONDS} s at a time, "
                f"handing over to the next (worker timeout {settings.Q_CLUSTER['timeout']} s); email to "
                f"aiosmtpd, SMS through the Twilio client to a local fake."
            )
            print(
                f"Caches: Django's default cache {cache} ({'Redis db 12' if args.broker == 'redis' else 'a table'}), "
                f"written by the services' page-cache invalidations (no page is served); no baseline exists."
            )
            results = []
            first_seed = args.seed
            for number in range(1, args.runs + 1):
                args.seed = first_seed + number - 1  # another draw of the families' choices each run
                print(f"Run {number}/{args.runs}…")
                result = run_once(args, env, smtp, twilio)
                report(number, args.runs, args, result)
                results.append(result)
            checks = summary(args, results)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110 (Django not set up yet)
            pass
        served.recreate_database(args.database_url, DATABASE, drop_only=True)
        twilio.stop()
        smtp.stop()
    print("Every check holds." if checks else "A CHECK FAILED (see above).")
    print("The latency target per cause: MET or NOT MET as printed above, for what was measured.")
    return 0 if checks else 1


if __name__ == "__main__":
    sys.exit(main())
