"""Catalogue benchmark: render time and SQL queries of the public pages.

Runs the production settings in-process (Django's test client, no network), on a
fresh SQLite file (or on DATABASE_URL if set), with the cache on Redis when
reachable (``--cache redis``, the production set-up) or on the database. For 10
and then 200 offers in each catalogue, it renders each page warm and prints the
median and 90th percentile time and the number of SQL queries.

    .venv/bin/python benchmarks/catalogue.py [--runs 30] [--cache redis|db]

Targets (issue 2): a catalogue page in <= 15 queries and <= 15 ms median at 200
offers, an offer page in <= 12 queries and <= 10 ms.
"""

import argparse
import datetime
import io
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not benchmarks/: its http.py would shadow the standard library's

TARGETS = {"catalogue": (15, 15.0), "offer": (12, 10.0)}
REDIS_BENCH_URL = "redis://127.0.0.1:6379/15"


def configure(args, workdir):
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "benchmark-only-" + "x" * 50,
            "ALLOWED_HOSTS": "testserver",
            "SQLITE_PATH": str(workdir / "bench.sqlite3"),
            "STATIC_ROOT": str(workdir / "static"),
            "MEDIA_ROOT": str(workdir / "media"),
        }
    )
    if args.cache == "redis":
        os.environ["REDIS_URL"] = REDIS_BENCH_URL
    else:
        os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def build_site(count):
    from django.core.files.images import ImageFile
    from django.utils import timezone
    from wagtail.images import get_image_model
    from wagtail.models import Page, Site

    from activities.models import ActivityCategory, ActivityIndexPage, ActivityPage, ActivitySlot
    from home.models import HomeFeaturedActivity, HomePage
    from pages.demo.images import draw_illustration
    from stays.models import StayIndexPage, StayPage

    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = root.add_child(instance=HomePage(title="Accueil", slug="accueil", hero_title="Le PO"))
        Site.objects.update(root_page=home, hostname="testserver", is_default_site=True)
        for page in root.get_children().exclude(pk=home.pk):
            page.delete()
        home.add_child(instance=ActivityIndexPage(title="Activités", slug="activites", show_in_menus=True))
        home.add_child(instance=StayIndexPage(title="PO Vacances", slug="po-vacances", show_in_menus=True))
    activity_index = ActivityIndexPage.objects.get()
    stay_index = StayIndexPage.objects.get()
    categories = [
        ActivityCategory.objects.get_or_create(slug=f"cat-{n}", defaults={"name": f"Catégorie {n}"})[0]
        for n in range(6)
    ]
    image_model = get_image_model()
    today = timezone.localdate()
    now = timezone.now()
    common = {
        "min_age": 6,
        "max_age": 12,
        "capacity": 24,
        "price": Decimal("450.00"),
        "deposit_amount": Decimal("150.00"),
        "registration_opens_at": now - datetime.timedelta(days=5),
        "intro": "Une offre du PO pour le benchmark, avec un résumé de deux phrases. Voilà la seconde.",
    }
    existing = ActivityPage.objects.count()
    for number in range(existing, count):
        image = image_model(
            title=f"Bench {number}",
            file=ImageFile(io.BytesIO(draw_illustration(f"Offre {number}", 800, 520)), name=f"bench-{number}.jpg"),
        )
        image.save()
        activity = activity_index.add_child(
            instance=ActivityPage(
                title=f"Activité {number}",
                slug=f"activite-{number}",
                category=categories[number % len(categories)],
                season="2026-2027",
                place="Gymnase du PO",
                start_date=today + datetime.timedelta(days=30),
                end_date=today + datetime.timedelta(days=300),
                image=image,
                **common,
            )
        )
        ActivitySlot.objects.create(
            activity=activity, weekday=number % 7, start_time=datetime.time(14), end_time=datetime.time(15, 30)
        )
        start = today + datetime.timedelta(days=30 + number % 200)
        stay_index.add_child(
            instance=StayPage(
                title=f"Séjour {number}",
                slug=f"sejour-{number}",
                destination="Morzine",
                theme="Ski",
                holiday_period="hiver",
                start_date=start,
                end_date=start + datetime.timedelta(days=7),
                image=image,
                **common,
            )
        )
        if number < 3:
            HomeFeaturedActivity.objects.create(page=home, activity=activity, sort_order=number)


def count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm: renditions generated, caches filled
        response = client.get(url, secure=True)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, secure=True)
    return len(queries)


def time_pages(client, urls, runs):
    """Milliseconds per request for each URL, the URLs taken in turn on every round.

    Interleaving spreads the machine's slower and faster phases (this host's
    speed drifts by tens of percent over seconds) evenly across the pages.
    """
    timings = {url: [] for url in urls}
    for _ in range(runs):
        for url in urls:
            started = time.perf_counter()
            response = client.get(url, secure=True)
            timings[url].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    return {url: sorted(values) for url, values in timings.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--cache", choices=["redis", "db"], default="redis")
    parser.add_argument("--sizes", default="10,200")
    args = parser.parse_args()

    if args.cache == "redis":
        import redis

        try:
            redis.Redis.from_url(REDIS_BENCH_URL, socket_connect_timeout=1).flushdb()
        except redis.exceptions.ConnectionError:
            print("Redis is not reachable on 127.0.0.1:6379: falling back to the database cache.")
            args.cache = "db"

    with tempfile.TemporaryDirectory(prefix="po-bench-") as workdir:
        configure(args, Path(workdir))
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client

        quiet = io.StringIO()
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0, stdout=quiet)
        client = Client()

        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(
            f"Catalogue benchmark: production settings (DEBUG={settings.DEBUG}), database {engine}, "
            f"cache {args.cache}, in-process test client, {args.runs} warm runs per page"
        )
        header = f"{'page':<40} {'offers':>6} {'queries':>8} {'median ms':>10} {'p90 ms':>8}  target at 200 offers"
        print(header)
        print("-" * len(header))
        failures = 0
        for size in [int(size) for size in args.sizes.split(",")]:
            build_site(size)
            pages = [
                ("/", "home", None),
                ("/activites/", "catalogue", "catalogue"),
                ("/po-vacances/", "catalogue", "catalogue"),
                ("/activites/activite-0/", "activity page", "offer"),
                ("/po-vacances/sejour-0/", "stay page", "offer"),
            ]
            queries = {url: count_queries(client, url) for url, _, _ in pages}
            timings = time_pages(client, [url for url, _, _ in pages], args.runs)
            for url, label, target_kind in pages:
                median = statistics.median(timings[url])
                p90 = timings[url][int(len(timings[url]) * 0.9) - 1]
                verdict = ""
                if target_kind and size >= 200:
                    max_queries, max_ms = TARGETS[target_kind]
                    ok = queries[url] <= max_queries and median <= max_ms
                    verdict = f"<= {max_queries} queries, <= {max_ms:g} ms: {'ok' if ok else 'MISSED'}"
                    failures += not ok
                name = f"{url} ({label})"
                print(f"{name:<40} {size:>6} {queries[url]:>8} {median:>10.2f} {p90:>8.2f}  {verdict}")
        print()
        print("All targets met." if not failures else f"{failures} target(s) missed.")
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
