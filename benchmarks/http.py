"""HTTP benchmark: the site's pages against a static file of the same size, served by the same gunicorn.

The production settings on PostgreSQL and Redis, gunicorn on loopback, the demo
content (``seed_demo``), and wrk (Debian's package) as the load tool. For `/`,
`/activites/`, one stay page and a parent's dashboard: requests per second and
p50/p95 latency, then the same for a static file of the same size (served by
WhiteNoise in the same server: the limit no page can beat) and each page's
ratio to it. Run twice: without the page cache, then with the whole-page cache
for anonymous visitors (pages.page_cache; the dashboard is never cached).

    .venv/bin/python benchmarks/http.py [--duration 8] [--connections 16] [--workers 4]

Targets (issue 7), as ratios to the static file in the same run: the uncached
catalogue >= 3 %, the cached pages >= 90 %, the dashboard uncached >= 3 %.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not benchmarks/: its http.py would shadow the standard library's

from benchmarks import served  # noqa: E402

DATABASE = "po_bench_http"
REDIS_BENCH_URL = "redis://127.0.0.1:6379/11"
TARGETS = {"uncached catalogue": 0.03, "cached pages": 0.90, "dashboard": 0.03}
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %f %f %f %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), summary.errors.status, summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def prepare():
    """Migrate, collect the static files, load the demo; a signed-in parent; the pages to measure."""
    from io import StringIO

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection
    from wagtail.models import Site

    from stays.models import StayPage

    quiet = StringIO()
    call_command("migrate", interactive=False, verbosity=0, stdout=quiet)
    call_command("createcachetable", verbosity=0, stdout=quiet)
    call_command("collectstatic", interactive=False, verbosity=0, stdout=quiet)
    call_command("seed_demo", stdout=quiet)
    Site.objects.update(hostname="127.0.0.1")
    parent = get_user_model().objects.get(email="parent.valide@exemple.fr")
    session = SessionStore()
    session[SESSION_KEY] = str(parent.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = parent.get_session_auth_hash()
    session.create()
    stay = StayPage.objects.live().order_by("start_date").first()
    pages = {
        "/": "/",
        "/activites/": "/activites/",
        "séjour": stay.url,
        "tableau de bord": "/espace-adherent/",
    }
    connection.close()
    return pages, session.session_key


def page_sizes(pages, session_key):
    """Each page's size in bytes, rendered in-process with the same settings."""
    from django.conf import settings
    from django.test import Client

    sizes = {}
    for name, path in pages.items():
        client = Client(HTTP_HOST="127.0.0.1")
        if name == "tableau de bord":
            client.cookies[settings.SESSION_COOKIE_NAME] = session_key
        response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        sizes[name] = len(response.content)
    return sizes


def write_static_twins(sizes, static_root):
    """A static file of each page's size, served by WhiteNoise from STATIC_ROOT."""
    folder = Path(static_root) / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    twins = {}
    for name, size in sizes.items():
        slug = re.sub(r"[^a-z]+", "-", name.lower()).strip("-") or "accueil"
        line = "<p>Le PO, club de jeunes et PO Vacances : activités, séjours, inscriptions.</p>\n"
        content = (line * (size // len(line.encode()) + 1)).encode()[:size]
        (folder / f"{slug}.html").write_bytes(content)
        twins[name] = f"/static/bench/{slug}.html"
    return twins


def wrk(url, args, script, cookie=None):
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout=30s"]
    command += ["-s", script, url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 60, check=True).stdout  # noqa: S603
    match = re.search(r"RESULT (\d+) (\S+) (\S+) (\S+) (\d+) (\d+)", output)
    requests, duration_us, p50_us, p95_us, bad_status, socket_errors = match.groups()
    return {
        "rps": int(requests) / (float(duration_us) / 1e6),
        "p50": float(p50_us) / 1000,
        "p95": float(p95_us) / 1000,
        "errors": int(bad_status) + int(socket_errors),
    }


def first_request(url, cookie, page_cache_on):
    """One request alone before the load: image renditions are made, the page kept if it may be.

    With the page cache on, the second request of an anonymous page must be a hit, else the
    figures would measure something else than they say."""
    import requests

    headers = {"Cookie": cookie} if cookie else {}
    for _attempt in (1, 2):
        response = requests.get(url, headers=headers, timeout=120, allow_redirects=False)
        if response.status_code != 200:
            raise SystemExit(f"{url} : {response.status_code} au lieu de 200")
    expected = "hit" if page_cache_on and not cookie else None
    if response.headers.get("X-Page-Cache") != expected:
        raise SystemExit(f"{url} : X-Page-Cache {response.headers.get('X-Page-Cache')!r}, attendu {expected!r}")


def measure(base_url, pages, twins, session_key, args, script, page_cache_on):
    rows = []
    for name, path in pages.items():
        cookie = f"sessionid={session_key}" if name == "tableau de bord" else None
        first_request(base_url + path, cookie, page_cache_on)
        wrk(base_url + path, argparse.Namespace(**{**vars(args), "duration": 1}), script, cookie)  # warm up
        page = wrk(base_url + path, args, script, cookie)
        static = wrk(base_url + twins[name], args, script)
        rows.append((name, page, static))
    return rows


def print_rows(title, rows, sizes):
    print(f"\n{title}")
    print(f"  {'page':<18}{'octets':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}   {'statique req/s':>14}{'ratio':>8}")
    for name, page, static in rows:
        ratio = page["rps"] / static["rps"]
        errors = f"  ({page['errors']} erreurs)" if page["errors"] else ""
        print(
            f"  {name:<18}{sizes[name]:>8}{page['rps']:>9.0f}{page['p50']:>9.1f}{page['p95']:>9.1f}"
            f"   {static['rps']:>14.0f}{ratio:>8.1%}{errors}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk est introuvable : apt-get install wrk (make bench l'installe).")

    import redis

    from tests.servers import free_port

    redis.Redis.from_url(REDIS_BENCH_URL).flushdb()
    database_url = served.recreate_database(args.database_url, DATABASE)
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="po-http-") as workdir:
            env = served.configure(
                database_url,
                REDIS_BENCH_URL,
                Path(workdir),
                ALLOWED_HOSTS="127.0.0.1,testserver",
                SMS_BACKEND="memberspace.notifications.sms.locmem.LocmemBackend",
            )
            pages, session_key = prepare()
            sizes = page_sizes(pages, session_key)
            twins = write_static_twins(sizes, env["STATIC_ROOT"])
            script = str(Path(workdir) / "percentiles.lua")
            Path(script).write_text(WRK_SCRIPT)
            results = {}
            for label, seconds in (("sans cache de page", 0), ("avec le cache de page (visiteurs anonymes)", 60)):
                port = free_port()
                base_url = f"http://127.0.0.1:{port}"
                redis.Redis.from_url(REDIS_BENCH_URL).flushdb()
                server = served.start_gunicorn(env, port, args.workers, PAGE_CACHE_SECONDS=seconds)
                served.wait_until_up(base_url)
                results[label] = measure(base_url, pages, twins, session_key, args, script, bool(seconds))
                served.stop(server)
                server = None
                print_rows(
                    f"{label} — gunicorn {args.workers} workers, wrk {args.connections} connexions",
                    results[label],
                    sizes,
                )

            uncached, cached = results.values()
            ratio = {name: page["rps"] / static["rps"] for name, page, static in uncached}
            cached_ratio = {name: page["rps"] / static["rps"] for name, page, static in cached}
            checks = [
                ("catalogue sans cache ≥ 3 %", ratio["/activites/"] >= TARGETS["uncached catalogue"]),
                (
                    "pages en cache ≥ 90 %",
                    all(cached_ratio[name] >= TARGETS["cached pages"] for name in ("/", "/activites/", "séjour")),
                ),
                ("tableau de bord ≥ 3 %", ratio["tableau de bord"] >= TARGETS["dashboard"]),
                ("aucune erreur", not any(p["errors"] for rows in results.values() for _n, p, _s in rows)),
            ]
            print()
            for label, ok in checks:
                print(f"  {'oui' if ok else 'NON'}  {label}")
            return 0 if all(ok for _label, ok in checks) else 1
    finally:
        served.stop(server)
        from django.db import connections

        connections.close_all()
        served.recreate_database(args.database_url, DATABASE, drop_only=True)


if __name__ == "__main__":
    sys.exit(main())
