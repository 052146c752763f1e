"""Payments benchmark: HelloAsso's notifications arriving in a burst, on PostgreSQL, served by gunicorn.

1,000 validated enrollments each have an online checkout opened (the real HelloAsso
backend, HelloAsso's own client, against the local fake of its API in tests/servers.py),
and paid at the fake: half the deposit, half everything. Then HelloAsso's
notifications arrive at the site: two per checkout (an « Order » and a « Payment »,
as HelloAsso sends them), shuffled, ``--concurrency`` at a time, so that most
checkouts are notified twice at once. Each notification makes the site read the
checkout back from the (fake) API before recording anything.

Prints notifications per second and their latency, the answers, the payments
recorded (must equal the checkouts), duplicates (must be 0) and mismatches (must
be 0: an amount other than the one paid at HelloAsso, an enrollment whose state
does not follow its money, a payment flagged for review).

Then the treasurer imports the bank's statement (``--statement-lines``, 5,000): a CSV
as French banks export it, holding a transfer of the balance for each family that paid
only the deposit online (its reference written the ways people write it), and the
club's other movements (debits, other credits, references to no enrollment). Prints
the import's time, the lines matched, to reconcile and ignored, the enrollments now
« soldées », then imports the same file again (nothing may be recorded twice). With ``--rounds N``,
everything is rebuilt on a fresh database each round and the figures are given
per round, then as medians with their spread.

    .venv/bin/python benchmarks/payments.py [--checkouts 1000] [--workers 4] [--concurrency 50] [--rounds 1]

Caches: Redis on loopback is the cache (HelloAsso's access token, shared by the
gunicorn workers) and the task broker (the « Paiement reçu » messages are queued,
not sent: no worker runs). The anonymous page cache plays no part (POSTs).
Needs the local PostgreSQL (``--database-url``; the database ``po_bench_payments``
is created afresh) and Redis. Only loopback addresses are used.
"""

import argparse
import datetime
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path[0] == str(Path(__file__).resolve().parent):  # run as a script: benchmarks/http.py would shadow
    sys.path[0] = str(ROOT)  # the standard library's; the repository instead

from benchmarks import families, served  # noqa: E402

DATABASE = "po_bench_payments"
REDIS_BENCH_URL = "redis://127.0.0.1:6379/12"
CLIENT_ID, CLIENT_SECRET, SLUG = "bench-client", "bench-secret", "le-po"  # noqa: S105 (the fake's)
NOTIFY_PATH = "/espace-adherent/paiements/notification/"


def build(count):
    """``count`` validated enrollments on one stay (690 €, 200 € deposit), one family each, in a few queries."""
    from django.utils import timezone

    from memberspace.enrollments.models import Enrollment, EnrollmentStatus

    stay = families.build_stay(count, registration_opens_at=timezone.now() - datetime.timedelta(days=1))
    built = families.build_families([1] * count, birth=stay.start_date.replace(year=stay.start_date.year - 10))
    today = timezone.localdate()
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(
            child=family.children[0],
            offer=stay,
            status=EnrollmentStatus.VALIDATED,
            reference=f"PO-2027-{number + 1:05d}",
            arrival=number + 1,
            requested_by=family.parents[0],
            validated_at=timezone.now(),
            price=stay.price,
            deposit_amount=stay.deposit_amount,
            deposit_due_date=today + datetime.timedelta(days=15),
            balance_due_date=stay.start_date - datetime.timedelta(days=30),
        )
        for number, family in enumerate(built)
    )
    return [(enrollment, family.parents[0]) for enrollment, family in zip(enrollments, built, strict=True)]


def open_checkouts(signed_up, rng):
    """A checkout per enrollment, for its deposit or for everything; returns ``[(payment, kind)]``."""
    from memberspace.payments import services
    from memberspace.payments.ledger import DEPOSIT, EVERYTHING

    def urls(payment):
        return dict.fromkeys(("return_url", "back_url", "error_url"), f"http://127.0.0.1/retour/{payment.pk}/")

    opened = []
    for enrollment, parent in signed_up:
        kind = DEPOSIT if rng.random() < 0.5 else EVERYTHING
        opened.append((services.start_online_payment(enrollment, kind=kind, by=parent, urls=urls), kind))
    return opened


def send(base_url, bodies, concurrency):
    import requests

    session_per_thread = {}

    def post(body):
        import threading

        session = session_per_thread.setdefault(threading.get_ident(), requests.Session())
        started = time.perf_counter()
        try:
            status = session.post(
                base_url + NOTIFY_PATH, data=body, headers={"Content-Type": "application/json"}, timeout=60
            ).status_code
        except requests.RequestException:
            status = "error"
        return status, time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        answers = list(pool.map(post, bodies))
    return answers, time.perf_counter() - started


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def check(opened, fake):
    """Payments recorded, duplicates, and mismatches against what was paid at the fake."""
    from memberspace.enrollments.models import EnrollmentStatus
    from memberspace.payments.ledger import DEPOSIT
    from memberspace.payments.models import Payment, PaymentState

    received = list(Payment.objects.filter(state=PaymentState.RECEIVED).select_related("enrollment"))
    by_checkout = Counter(payment.checkout_id for payment in received)
    duplicates = sum(count - 1 for count in by_checkout.values())
    mismatches = []
    for payment, kind in opened:
        paid_cents = sum(entry["amount"] for entry in fake.checkouts[int(payment.checkout_id)]["payments"])
        rows = [row for row in received if row.checkout_id == payment.checkout_id]
        if sum(int(row.amount * 100) for row in rows) != paid_cents:
            mismatches.append(f"{payment.checkout_id}: montant")
        for row in rows:
            expected = EnrollmentStatus.DEPOSIT_RECEIVED if kind == DEPOSIT else EnrollmentStatus.PAID
            if row.enrollment.status != expected:
                mismatches.append(f"{payment.checkout_id}: état {row.enrollment.status}")
            if row.review_reason:
                mismatches.append(f"{payment.checkout_id}: à vérifier ({row.review_reason})")
    return len(received), duplicates, mismatches


OTHER_PAYERS = ["MAIRIE DU PO", "EDF", "URSSAF", "BOULANGERIE MARTIN", "CAF DE PARIS", "SNCF", "ORANGE", "MAIF"]


def statement_csv(opened, lines, rng):
    """The bank's CSV: the balances of the families that paid only their deposit, and ``lines`` in all."""
    from memberspace.payments.ledger import DEPOSIT

    today = datetime.date.today()
    rows = []
    for payment, kind in opened:
        if kind != DEPOSIT:
            continue
        enrollment = payment.enrollment
        reference = rng.choice(
            [enrollment.reference, enrollment.reference.lower(), enrollment.reference.replace("-", " ")]
        )
        payer = f"M OU MME {enrollment.requested_by.last_name.upper()} {enrollment.requested_by.first_name.upper()}"
        rows.append((today, f"VIR SEPA {payer}", f"SOLDE {reference}", "", "490,00"))
    while len(rows) < lines:
        amount = f"{rng.randint(1, 3000)},{rng.randint(0, 99):02d}"
        if rng.random() < 0.6:
            rows.append((today, f"PRLV {rng.choice(OTHER_PAYERS)}", f"FACTURE {rng.randint(1000, 99999)}", amount, ""))
        else:
            label = f"REF PO-2031-{rng.randint(1, 99999):05d}"
            rows.append((today, f"VIR {rng.choice(OTHER_PAYERS)}", label, "", amount))
    rng.shuffle(rows)
    text = "Date;Émetteur;Libellé;Débit;Crédit\r\n" + "".join(
        f"{day:%d/%m/%Y};{payer};{label};{debit};{credit}\r\n" for day, payer, label, debit, credit in rows
    )
    return text.encode("cp1252", errors="replace")


def import_statement(data, user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from memberspace.payments import reconciliation
    from memberspace.payments.statements import CsvMapping

    mapping = CsvMapping(date="Date", debit="Débit", credit="Crédit", payer="Émetteur", reference="Libellé")
    started = time.perf_counter()
    statement = reconciliation.import_statement(
        SimpleUploadedFile("releve.csv", data), file_format="csv", mapping=mapping, by=user
    )
    return statement, time.perf_counter() - started


def one_round(args, number, fake):
    import redis

    from tests.servers import free_port

    redis.Redis.from_url(REDIS_BENCH_URL).flushdb()
    database_url = served.recreate_database(args.database_url, DATABASE)
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="po-payments-") as workdir:
            helloasso = {
                "PAYMENT_BACKEND": "memberspace.payments.backends.helloasso.HelloAssoBackend",
                "HELLOASSO_API_BASE_URL": fake.base_url,
                "HELLOASSO_CLIENT_ID": CLIENT_ID,
                "HELLOASSO_CLIENT_SECRET": CLIENT_SECRET,
                "HELLOASSO_ORGANIZATION_SLUG": SLUG,
            }
            env = served.configure(database_url, REDIS_BENCH_URL, Path(workdir), **helloasso)
            from django.core.management import call_command
            from django.db import connection

            connection.close()  # the database was made afresh
            call_command("migrate", interactive=False, verbosity=0)
            if number == 1:
                call_command("collectstatic", interactive=False, verbosity=0)
            rng = random.Random(16 + number)
            print(f"Tour {number} : {args.checkouts} inscriptions validées, un paiement en ligne ouvert pour chacune…")
            opened = open_checkouts(build(args.checkouts), rng)
            for payment, _kind in opened:
                fake.pay(int(payment.checkout_id))
            bodies = []
            for payment, _kind in opened:
                for event in ("Order", "Payment"):
                    bodies.append(json.dumps(fake.notification(int(payment.checkout_id), event)))
            rng.shuffle(bodies)
            connection.close()

            port = free_port()
            base_url = f"http://127.0.0.1:{port}"
            log = open(Path(workdir) / "gunicorn.log", "w")  # noqa: SIM115 (closed with the directory)
            server = served.start_gunicorn(env, port, args.workers, log=log)
            served.wait_until_up(base_url)
            reads_before = sum(1 for method, path in fake.api_requests() if method == "GET")
            answers, wall = send(base_url, bodies, args.concurrency)
            reads = sum(1 for method, path in fake.api_requests() if method == "GET") - reads_before
            served.stop(server)
            server = None
            log.close()
            errors = [line for line in (Path(workdir) / "gunicorn.log").read_text().splitlines() if '"ERROR"' in line]
            for line in errors[:5]:
                print("  erreur du serveur :", line[:300])
            recorded, duplicates, mismatches = check(opened, fake)

            from memberspace.enrollments.models import Enrollment, EnrollmentStatus
            from memberspace.payments.models import Payment
            from tests.factories import StaffFactory

            treasurer = StaffFactory(email=f"tresorerie{number}@le-po.test")
            data = statement_csv(opened, args.statement_lines, rng)
            payments_before = Payment.objects.count()
            statement, seconds = import_statement(data, treasurer)
            paid = Enrollment.objects.filter(status=EnrollmentStatus.PAID).count()
            again, seconds_again = import_statement(data, treasurer)
            statuses = Counter(status for status, _seconds in answers)
            latencies = [seconds for _status, seconds in answers]
            return {
                "per_second": len(bodies) / wall,
                "p50": percentile(latencies, 0.5),
                "p95": percentile(latencies, 0.95),
                "statuses": statuses,
                "sent": len(bodies),
                "reads": reads,
                "recorded": recorded,
                "duplicates": duplicates,
                "mismatches": mismatches,
                "statement": {
                    "lines": statement.lines_count,
                    "matched": statement.matched_count,
                    "to_reconcile": statement.to_reconcile_count,
                    "ignored": statement.ignored_count,
                    "seconds": seconds,
                    "balances": sum(1 for _payment, kind in opened if kind == "deposit"),
                    "paid": paid,
                    "again_seconds": seconds_again,
                    "again_matched": again.matched_count,
                    "again_already": again.already_count,
                    "recorded_by_import": Payment.objects.count() - payments_before,
                },
            }
    finally:
        served.stop(server)
        served.recreate_database(args.database_url, DATABASE, drop_only=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkouts", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--concurrency", type=int, default=50, help="notifications in flight at once")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--statement-lines", type=int, default=5000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    from tests.servers import FakeHelloAsso

    fake = FakeHelloAsso(CLIENT_ID, CLIENT_SECRET, SLUG).start()  # one for all rounds: the settings name its port
    try:
        rounds = [one_round(args, number, fake) for number in range(1, args.rounds + 1)]
    finally:
        fake.stop()
    print()
    print(
        f"Notifications HelloAsso : {args.checkouts} paiements en ligne, 2 notifications chacun, mélangées, "
        f"{args.concurrency} à la fois"
    )
    print(f"gunicorn {args.workers} workers, PostgreSQL, Redis (cache du jeton HelloAsso, file des messages)")
    for number, figures in enumerate(rounds, 1):
        answers = dict(sorted((str(status), count) for status, count in figures["statuses"].items()))
        print(
            f"  tour {number} : {figures['per_second']:7.1f} notifications/s · p50 {figures['p50'] * 1000:.0f} ms · "
            f"p95 {figures['p95'] * 1000:.0f} ms · réponses {answers} · lectures de l'API {figures['reads']}"
        )
    rates = [figures["per_second"] for figures in rounds]
    p95s = [figures["p95"] * 1000 for figures in rounds]
    median, low, high = statistics.median(rates), min(rates), max(rates)
    print(f"  notifications par seconde      {median:8.1f} (médiane ; {low:.1f}–{high:.1f})")
    median, low, high = statistics.median(p95s), min(p95s), max(p95s)
    print(f"  latence p95                    {median:8.0f} ms (médiane ; {low:.0f}–{high:.0f})")
    failed = False
    for number, figures in enumerate(rounds, 1):
        recorded_ok = figures["recorded"] == args.checkouts
        failed = failed or not recorded_ok or bool(figures["duplicates"] or figures["mismatches"])
        print(
            f"  tour {number} : paiements enregistrés {figures['recorded']} / {args.checkouts} "
            f"({'OK' if recorded_ok else 'NON'}) · doublons {figures['duplicates']} · "
            f"incohérences {len(figures['mismatches'])}"
        )
        for line in figures["mismatches"][:10]:
            print(f"      {line}")
    print()
    print(f"Relevé bancaire CSV de {args.statement_lines} lignes importé par la trésorerie (ce processus, PostgreSQL)")
    for number, figures in enumerate(rounds, 1):
        line = figures["statement"]
        expected = line["matched"] == line["balances"] and line["paid"] == args.checkouts
        failed = failed or not expected or bool(line["again_matched"])
        print(
            f"  tour {number} : {line['seconds']:.1f} s ({line['lines'] / line['seconds']:.0f} lignes/s) · "
            f"rapprochées {line['matched']} / {line['balances']} soldes attendus · "
            f"à rapprocher {line['to_reconcile']} · ignorées {line['ignored']} · "
            f"inscriptions soldées {line['paid']} / {args.checkouts}"
        )
        print(
            f"           réimporté : {line['again_seconds']:.1f} s · rapprochées {line['again_matched']} · "
            f"déjà importées {line['again_already']} · paiements enregistrés par les deux imports "
            f"{line['recorded_by_import']}"
        )
    seconds = [figures["statement"]["seconds"] for figures in rounds]
    median, low, high = statistics.median(seconds), min(seconds), max(seconds)
    print(f"  durée de l'import              {median:8.1f} s (médiane ; {low:.1f}–{high:.1f})")
    print(
        "  objectifs (paiements = paiements ouverts, 0 doublon, 0 incohérence ; chaque solde du relevé "
        "rapproché, rien de plus au second import) :",
        "NON ATTEINTS" if failed else "atteints",
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
