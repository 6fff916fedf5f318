"""Benchmark of the iCalendar feeds under a real WSGI server (gunicorn).

Builds a temporary SQLite database with 1,000 events and 200 permanences,
starts gunicorn on 127.0.0.1 serving the portal and, in the same processes,
a static copy of the very same feed bytes (werkzeug's SharedDataMiddleware:
a file read from disk, with its own ETag and 304 answers). Then measures
requests per second, with a small threaded keep-alive client:

    200      GET of the feed (the body comes from the worker's cache)
    304      GET with If-None-Match (the subscriber's copy is current)
    static   the same bytes as a file: plain GET, and GET with If-None-Match

Loopback only; every measurement is bounded in requests and in seconds.
Run from the project root:  .venv/bin/python bench/feeds.py
Needs the "bench" extra:    .venv/bin/pip install -e '.[bench]'
"""

import http.client
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serving import run_threads  # noqa: E402

from tests.servers import free_port  # noqa: E402

EVENTS, PERMANENCES = 1000, 200
WORKERS, THREADS = 2, 4  # gunicorn: 2 processes (2 cores here), 4 threads each
CLIENTS = 4  # client threads, one keep-alive connection each
MAX_REQUESTS = {"200": 1000, "304": 3000}
MAX_SECONDS = 2  # per measurement; ROUNDS × 2 feeds × 2 cases × 3 kinds of them
ROUNDS = 5
FEEDS = {"evenements.ics": "1 000 événements", "permanences.ics": "200 permanences"}
PARIS = ZoneInfo("Europe/Paris")


# -- the WSGI app gunicorn loads (in each worker) ----------------------------


def wsgi():
    """The portal, plus the feed bytes as static files in two ways:

    /copie-flask/<file>  a Flask route (send_from_directory): the same stack
                         as the feeds, so the ratio measures the feed's own cost;
    /copie/<file>        werkzeug's SharedDataMiddleware in front of Flask:
                         a bare static file server, for reference.
    """
    from flask import send_from_directory
    from werkzeug.middleware.shared_data import SharedDataMiddleware

    from portal import create_app

    app = create_app()
    folder = os.environ["BENCH_STATIC_DIR"]
    app.add_url_rule(
        "/copie-flask/<name>", "bench_static", lambda name: send_from_directory(folder, name, max_age=900)
    )
    app.wsgi_app = SharedDataMiddleware(app.wsgi_app, {"/copie": folder})
    return app


# -- data ----------------------------------------------------------------------


def fill(rng):
    """1,000 events over the feed's window and 200 permanences, some closed."""
    from portal.store.models import EVENT_KINDS, WEEKDAYS, Closure, Event, Partner, Permanence, Place, Sector

    sectors = [Sector.create(name=f"Secteur {n}", slug=f"secteur-{n}", position=n) for n in range(4)]
    places = [
        Place.create(
            name=f"Maison de quartier n° {n}",
            address=f"{n} rue des Tilleuls",
            postcode="11000",
            commune="Carcassonne",
            sector=sectors[n % 4],
            accessibility="De plain-pied, boucle magnétique à l'accueil.",
        )
        for n in range(20)
    ]
    partners = [
        Partner.create(name=f"Association n° {n}", slug=f"association-{n}", status="published")
        for n in range(50)
    ]
    text = (
        "Échanges entre partenaires, présentation des dispositifs, questions des habitants ; "
        "café offert.\nInscription conseillée, places limitées. "
    ) * 3
    today = date.today()
    for n in range(EVENTS):
        start = datetime.combine(
            today + timedelta(days=rng.randint(-180, 360)), clock(rng.choice([9, 14, 18])), tzinfo=PARIS
        ).astimezone(UTC)
        Event.create(
            kind=rng.choice(list(EVENT_KINDS)),
            title=f"Rencontre n° {n}, quartier {n % 4}",
            description=text,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            all_day=n % 25 == 0,
            place=rng.choice(places),
            sector=rng.choice(sectors),
            organiser=rng.choice(partners),
            status="cancelled" if n % 30 == 0 else "scheduled",
        )
    for n in range(PERMANENCES):
        monthly = n % 3 == 0
        permanence = Permanence.create(
            partner=rng.choice(partners + [None]),
            sector=rng.choice(sectors),
            place=rng.choice(places),
            title=f"Permanence n° {n}",
            weekdays=",".join(rng.sample(list(WEEKDAYS)[:5], 1 + n % 2)),
            opens_at=clock(9),
            closes_at=clock(12),
            recurrence="monthly" if monthly else "weekly",
            month_week=rng.choice([1, 2, 3, -1]) if monthly else None,
            every_n_weeks=1 + n % 2,
            valid_from=date(today.year, 1, 5),
            valid_to=date(today.year + 1, 7, 3) if n % 4 == 0 else None,
            notes="Sans rendez-vous.",
        )
        if n % 4 == 1:
            Closure.create(
                permanence=permanence,
                start_date=date(today.year, 8, 1),
                end_date=date(today.year, 8, 31),
                reason="Congés d'été",
            )


def prepare(workdir):
    """The database, and the static copy of each feed's bytes."""
    os.environ.update(
        {
            "PORTAL_DATABASE_URL": f"sqlite:///{workdir / 'relais.db'}",
            "PORTAL_SECRET_KEY": secrets.token_hex(16),
            "PORTAL_BASE_URL": "https://relais.example",
            "PORTAL_SERVE_SITE": "false",
            "BENCH_STATIC_DIR": str(workdir / "copie"),
        }
    )
    from portal import create_app
    from portal.store.db import db
    from portal.store.migrations import upgrade

    app = create_app()
    with app.app_context(), db.atomic():
        upgrade()
        fill(random.Random(42))
    (workdir / "copie").mkdir()
    client = app.test_client()
    for name in FEEDS:
        started = time.perf_counter()
        body = client.get(f"/portail/calendrier/{name}").data
        print(f"{name}: {len(body) / 1024:.0f} Kio, construit en {time.perf_counter() - started:.2f} s")
        (workdir / "copie" / name).write_bytes(body)
    db.close()


# -- server ----------------------------------------------------------------------


def start_gunicorn(port):
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--pythonpath",
        str(ROOT / "bench"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--worker-class",
        "gthread",
        "--threads",
        str(THREADS),
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
        # gunicorn also reads gunicorn.conf.py from the working directory: keep its
        # production settings out of the measure (workers recycled every ~2,000
        # requests would rebuild their feed cache mid-round; an access log line each).
        "--max-requests",
        "0",
        "--access-logfile",
        "/dev/null",
        "feeds:wsgi()",
    ]
    server = subprocess.Popen(command, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn n'a pas démarré")


# -- client ------------------------------------------------------------------------


def get(connection, path, headers):
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    return response.status, response.getheader("ETag"), body


def measure(port, path, headers, expected, max_requests):
    """Requests per second of CLIENTS keep-alive connections, bounded in count and time."""
    done, failures, lock = [0], [], threading.Lock()
    deadline = time.monotonic() + MAX_SECONDS

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < deadline:
            with lock:
                if done[0] >= max_requests:
                    break
                done[0] += 1
            status, _, _ = get(connection, path, headers)
            if status != expected:
                failures.append(status)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    elapsed = run_threads(threads)
    if failures:
        raise RuntimeError(f"{path}: réponses inattendues {sorted(set(failures))}")
    return done[0] / elapsed


def bench_feed(port, name):
    """{(kind, case): [requests/s of each round]} for one feed and its static copies.

    Client and server share the machine's cores (and the machine may be busy),
    so the three kinds are measured one after the other within each round,
    ROUNDS times: ratios are taken within a round, then their median is kept.
    """
    paths = {
        "feed": f"/portail/calendrier/{name}",
        "static": f"/copie-flask/{name}",
        "bare": f"/copie/{name}",
    }
    tags = {}
    for kind, path in paths.items():
        for _ in range(8 * WORKERS):  # new connections, to reach and warm every worker
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            status, tags[kind], _ = get(connection, path, {})
            connection.close()
            assert status == 200, (path, status)
    samples = {}
    for _ in range(ROUNDS):
        for case in ("200", "304"):
            for kind, path in paths.items():
                headers = {"If-None-Match": tags[kind]} if case == "304" else {}
                rate = measure(port, path, headers, int(case), MAX_REQUESTS[case])
                samples.setdefault((kind, case), []).append(rate)
    return samples


def report(name, samples):
    """Median rates, and the median of the ratios measured in the same round."""
    print(f"\n{name} ({FEEDS[name]})")
    print(
        f"  {'':4} {'flux':>8} {'statique':>9} {'rapport':>8} {'objectif':>12}   {'fichier nu':>10} {'rapport':>8}"
    )
    for case, target in (("200", 0.5), ("304", 0.9)):
        feed, static, bare = (samples[(kind, case)] for kind in ("feed", "static", "bare"))
        ratio = statistics.median(f / s for f, s in zip(feed, static, strict=True))
        bare_ratio = statistics.median(f / b for f, b in zip(feed, bare, strict=True))
        verdict = "atteint" if ratio >= target else "MANQUÉ"
        print(
            f"  {case:4} {statistics.median(feed):6.0f}/s {statistics.median(static):7.0f}/s {ratio:8.2f}"
            f" {'≥ ' + str(target):>5} {verdict:<7}  {statistics.median(bare):8.0f}/s {bare_ratio:8.2f}"
        )


def main():
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as tmp:
        workdir = Path(tmp)
        prepare(workdir)
        port = free_port()
        server = start_gunicorn(port)
        try:
            print(
                f"gunicorn : {WORKERS} processus × {THREADS} fils, client : {CLIENTS} connexions keep-alive, "
                f"médiane de {ROUNDS} mesures d'au plus {MAX_SECONDS} s"
            )
            for name in FEEDS:
                report(name, bench_feed(port, name))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
