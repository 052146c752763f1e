"""Serve the site and run its task worker together; one Ctrl-C stops both.

Used by ``make run``. If either process stops on its own, the other is stopped
too, so a crashed worker never hides behind a running web server.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDRESS = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")
GRACE_SECONDS = 15


def main():
    processes = {
        "site": subprocess.Popen([sys.executable, "manage.py", "runserver", ADDRESS], cwd=ROOT),
        "worker": subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT),
    }
    interrupted = False

    def on_signal(signum, frame):
        nonlocal interrupted
        interrupted = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    while not interrupted and all(process.poll() is None for process in processes.values()):
        time.sleep(0.3)

    for name, process in processes.items():
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        elif not interrupted:
            print(f"\n{name} stopped (exit code {process.returncode}); stopping the rest.", file=sys.stderr)
    deadline = time.monotonic() + GRACE_SECONDS
    for process in processes.values():
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return 0 if interrupted else 1


if __name__ == "__main__":
    sys.exit(main())
