"""Serve the site and run its task worker together; one Ctrl-C stops both.

Used by ``make run``. The site is served at ``RUN_ADDRESS`` (runserver's ``[host:]port``,
127.0.0.1:8000 by default), and this script prints that address; the development
settings give links in emails the same one (``config/addresses.py``).

Each program runs in a process group of its own (runserver's auto-reloader and
qcluster's workers are child processes), and this script passes the interrupt on
to each whole group; what has not stopped after a grace period is killed. If
either program stops on its own, the other is stopped too, so a crashed worker
never hides behind a running web server.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # config.addresses, without Django

from config.addresses import base_url, run_address  # noqa: E402 (after the path above)

ADDRESS = run_address()
GRACE_SECONDS = 10


def start(*args):
    # A background job's SIGINT may be ignored, and children inherit that: restore it.
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        process_group=0,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def stop(processes):
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
    deadline = time.monotonic() + GRACE_SECONDS
    for process in processes.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        with contextlib.suppress(ProcessLookupError):  # what is left: an orphaned reloader child, a worker
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main():
    url = base_url(ADDRESS)
    print(f"Le site : {url}/  (admin : {url}/admin/) — Ctrl-C arrête le site et le worker.", flush=True)
    processes = {"site": start("runserver", ADDRESS), "worker": start("qcluster")}
    interrupted = False

    def on_signal(signum, frame):
        nonlocal interrupted
        interrupted = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    while not interrupted and all(process.poll() is None for process in processes.values()):
        time.sleep(0.3)
    if not interrupted:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"\n{name} stopped (exit code {process.returncode}); stopping the rest.", file=sys.stderr)
    stop(processes)
    return 0 if interrupted else 1


if __name__ == "__main__":
    sys.exit(main())
