"""The portal under a real gunicorn on 127.0.0.1, for the benchmarks."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import free_port, wait_until_up  # noqa: E402

# No site rebuilds, no background mail, no rate limit: measure the requests.
QUIET = {
    "PORTAL_SECRET_KEY": "bench-secret-key",
    "PORTAL_SITE_AUTO_REBUILD": "false",
    "PORTAL_MAIL_BACKGROUND_SENDER": "false",
    "PORTAL_REGISTRATION_RATE_LIMIT": "100000 per minute",
    "PORTAL_LOGIN_RATE_LIMIT": "100000 per minute",
    "GUNICORN_LOG_LEVEL": "warning",
}


@contextmanager
def gunicorn(url, workers):
    """Yields the port of a gunicorn (gunicorn.conf.py) serving the portal on ``url``."""
    port = free_port()
    env = {
        **os.environ,
        **QUIET,
        "PORTAL_DATABASE_URL": url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--access-logfile", "/dev/null", "portal:create_app()"],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/portail/sante")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_threads(threads, while_running=None):
    """Starts the threads together, calls ``while_running`` (if any), waits for them
    all and returns the seconds that took: the wall time the throughput is taken over."""
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    if while_running:
        while_running()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started
