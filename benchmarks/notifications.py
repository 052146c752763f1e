"""Notifications benchmark: 1,000 emails through the outbox, a real django-q2 cluster
and a real SMTP server on loopback.

Queues N email notifications (``notify()``, one per parent), starts a
``qcluster`` with the production settings on a fresh database, and prints how
many notifications per second reach the SMTP server, then how many were lost
(a row never received) or duplicated (a Message-ID received twice): both must
be 0.

    .venv/bin/python benchmarks/notifications.py [--count 1000] [--workers 4] [--broker orm|redis]

The database is a fresh SQLite file, or DATABASE_URL's when set (it must be
an empty database: the script migrates it).
"""

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not benchmarks/: its http.py would shadow the standard library's

REDIS_BENCH_URL = "redis://127.0.0.1:6379/14"


def configure(args, workdir, smtp_port):
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "benchmark-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SQLITE_PATH": str(workdir / "bench.sqlite3"),
        "MEDIA_ROOT": str(workdir / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "SMS_BACKEND": "memberspace.notifications.sms.console.ConsoleBackend",
        "Q_WORKERS": str(args.workers),
        "REDIS_URL": REDIS_BENCH_URL if args.broker == "redis" else "",
    }
    os.environ.update(env)
    import django

    django.setup()
    import logging

    logging.getLogger("django-q").setLevel(logging.WARNING)
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--broker", choices=["orm", "redis"], default="orm")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    from tests.servers import QCluster, SmtpServer

    if args.broker == "redis":
        import redis

        redis.Redis.from_url(REDIS_BENCH_URL).flushdb()

    smtp = SmtpServer().start()
    with tempfile.TemporaryDirectory(prefix="po-bench-") as workdir:
        configure(args, Path(workdir), smtp.port)
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import connection

        from memberspace.notifications.models import Notification
        from memberspace.notifications.services import notify

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(
            f"Notifications benchmark: {args.count} emails, production settings, database {engine}, "
            f"broker {args.broker}, {args.workers} workers, SMTP server aiosmtpd on 127.0.0.1:{smtp.port}"
        )

        user_model = get_user_model()
        users = user_model.objects.bulk_create(
            user_model(email=f"parent{n}@exemple.fr", first_name="Parent", last_name=f"N{n}") for n in range(args.count)
        )
        started = time.perf_counter()
        for user in users:
            notify(user, "test")  # autocommit: each row is written, then handed to the broker
        queued = time.perf_counter() - started
        print(f"queued {args.count} in {queued:.2f} s ({args.count / queued:.0f}/s)")

        cluster = QCluster(connection, **{key: os.environ[key] for key in ("Q_WORKERS", "EMAIL_PORT")})
        cluster.env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
        for key in ("SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_BACKEND", "EMAIL_HOST", "SMS_BACKEND", "REDIS_URL"):
            cluster.env[key] = os.environ[key]
        started = time.perf_counter()
        cluster.start()
        try:
            deadline = started + args.timeout
            sent = 0
            while time.perf_counter() < deadline:
                sent = Notification.objects.filter(status="sent").count()
                if sent == args.count:
                    break
                time.sleep(0.2)
            elapsed = time.perf_counter() - started
        finally:
            cluster.close()
        smtp.stop()

        received = Counter(smtp.message_ids())
        expected = {row.message_id for row in Notification.objects.all()}
        lost = len(expected - set(received))
        duplicates = sum(times - 1 for times in received.values())
        failed = Notification.objects.exclude(status="sent").count()
        print(f"delivered {len(received)} in {elapsed:.2f} s (cluster start included): {len(received) / elapsed:.1f}/s")
        print(f"rows sent {sent}, not sent {failed}, lost {lost}, duplicated {duplicates}")
        return 0 if lost == duplicates == failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
