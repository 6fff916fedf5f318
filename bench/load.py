"""A mixed day of work against a real gunicorn, on SQLite and on PostgreSQL.

50 clients at once for a bounded time, on 127.0.0.1 only:
- calendar apps polling the events feed, half of them with an ETag (304);
- associations registering for a meeting (form, then post);
- mediators approving partner registrations in the moderation queue;
- partners accepting the referrals addressed to them.
Reports p50/p95 latency, throughput and errors per kind, then counts the rows:
every write that was answered as done must be in the database (0 lost writes).

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/load.py [--seconds 20] [--clients 50] [--workers 4]
"""

import argparse
import http.client
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serving import gunicorn, run_threads  # noqa: E402

from tests.servers import throwaway_postgres  # noqa: E402

MIX = {"feed": 0.3, "feed-304": 0.2, "registration": 0.2, "moderation": 0.1, "referral": 0.2}
PASSWORD = "bench-password-1234"


# -- data -----------------------------------------------------------------------


def prepare(url, pending, referrals):
    """Demo data, one big meeting, ``pending`` registrations to moderate and
    ``referrals`` sent to the demo partner account's structure."""
    from portal import create_app
    from portal.demo import load_demo
    from portal.store.db import db, utcnow
    from portal.store.migrations import upgrade
    from portal.store.models import Event, Partner, Referral, Theme, User

    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context():
        if url.startswith("postgresql"):
            db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()
        Theme.load_vocabulary()
        load_demo()
        mediator = User.get(User.role == "mediator")
        partner_user = User.get(User.role == "partner")
        for user in (mediator, partner_user):
            user.set_password(PASSWORD)
            user.save()
        start = utcnow() + timedelta(days=5)
        event = Event.create(
            kind="job_fair",
            title="Forum de charge",
            capacity=None,
            starts_at=start,
            ends_at=start + timedelta(hours=4),
            registration_opens_at=utcnow() - timedelta(days=1),
            registration_closes_at=start,
            max_seats_per_registration=2,
        )
        for n in range(pending):
            Partner.create(
                name=f"Structure en attente {n}",
                slug=f"attente-{n}",
                status="pending",
                confirmed_at=utcnow(),
                consent_at=utcnow(),
                contact_email=f"c{n}@attente.example",
            )
        for n in range(referrals):
            Referral.create(
                sender=mediator,
                partner=partner_user.partner,
                person_name=f"P. {n}",
                person_phone="06 39 98 00 00",
                need="Aide pour un dossier.",
                consent_at=utcnow(),
                consent_method="oral_face",
                status="sent",
            )
        ids = {
            "event": event.id,
            "mediator": mediator.email,
            "partner": partner_user.email,
            "partner_id": partner_user.partner_id,
        }
        db.close()
        return ids


def count(url):
    from portal import create_app
    from portal.store.db import db
    from portal.store.models import Partner, Referral, Registration

    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context():
        result = {
            "registration": Registration.select().count(),
            "moderation": Partner.select()
            .where(Partner.slug.startswith("attente-") & (Partner.status == "published"))
            .count(),
            "referral": Referral.select().where(Referral.status == "accepted").count(),
        }
        db.close()
        return result


# -- a browser-like client ------------------------------------------------------------


class Client:
    """One keep-alive connection with its own cookie, like one browser."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        cookie = response.getheader("Set-Cookie")
        if cookie and cookie.startswith("session="):
            self.cookie = cookie.split(";")[0]
        return response, text

    def token(self, path):
        _, page = self.request("GET", path)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]

    def login(self, email):
        token = self.token("/portail/connexion")
        self.request("POST", "/portail/connexion", f"csrf_token={token}&email={email}&password={PASSWORD}")


# -- one kind of work each ---------------------------------------------------------


def feed(client, state):
    response, _ = client.request("GET", "/portail/calendrier/evenements.ics")
    return response.status == 200


def feed_304(client, state):
    if "etag" not in state:
        response, _ = client.request("GET", "/portail/calendrier/evenements.ics")
        state["etag"] = response.getheader("ETag")
    response, _ = client.request(
        "GET", "/portail/calendrier/evenements.ics", headers={"If-None-Match": state["etag"]}
    )
    return response.status == 304


def registration(client, state):
    path = f"/portail/rencontres/{state['ids']['event']}/inscription"
    token = client.token(path)
    n = next(state["counter"])
    body = (
        f"csrf_token={token}&organisation=Asso+{n}&contact_name=Personne+{n}"
        f"&contact_email=p{n}%40charge.example&seats=1&message="
    )
    response, page = client.request("POST", path, body)
    return response.status == 200 and "vous êtes inscrit" in page


def moderation(client, state):
    if not client.cookie:
        client.login(state["ids"]["mediator"])
    # Oldest first, as the queue page lists them (it shows the first 20 only).
    partner_id = state["pending"].pop(0) if state["pending"] else None
    if partner_id is None:
        return None  # nothing left: not counted
    # The approve form carries the version the mediator saw (a change in between is refused).
    _, page = client.request("GET", "/portail/moderation/")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    form = re.search(rf'action="/portail/moderation/{partner_id}/approuver">(.*?)</form>', page, re.S)[1]
    version = re.search(r'name="version" value="([^"]+)"', form)[1]
    response, _ = client.request(
        "POST", f"/portail/moderation/{partner_id}/approuver", f"csrf_token={token}&version={version}"
    )
    return response.status == 302


def referral(client, state):
    if not client.cookie:
        client.login(state["ids"]["partner"])
    referral_id = state["referrals"].pop() if state["referrals"] else None
    if referral_id is None:
        return None
    token = client.token(f"/portail/orientations/{referral_id}")
    response, _ = client.request(
        "POST", f"/portail/orientations/{referral_id}/accepter", f"csrf_token={token}&accepted-comment="
    )
    return response.status == 302


WORK = {
    "feed": feed,
    "feed-304": feed_304,
    "registration": registration,
    "moderation": moderation,
    "referral": referral,
}


# -- the run ------------------------------------------------------------------------


def worker(port, kind, state, stop, results, think):
    client = Client(port)
    while not stop.wait(think):  # a person reads the page before the next click
        started = time.perf_counter()
        try:
            ok = WORK[kind](client, state)
        except Exception as error:  # noqa: BLE001 - any failure is an error of this kind
            ok = False
            state.setdefault("errors", []).append(f"{kind}: {type(error).__name__} {error}"[:200])
            client = Client(port)
        if ok is None:
            time.sleep(0.05)
            continue
        results[kind].append((time.perf_counter() - started, ok))


def run(url, clients, workers, seconds, think):
    import itertools

    ids = prepare(url, pending=400, referrals=800)
    from portal import create_app
    from portal.store.db import db
    from portal.store.models import Partner, Referral

    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context():
        waiting = Partner.select().where(Partner.slug.startswith("attente-"))
        pending = [p.id for p in waiting.order_by(Partner.updated_at, Partner.id)]
        referrals = [
            r.id
            for r in Referral.select().where(
                (Referral.partner == ids["partner_id"]) & (Referral.status == "sent")
            )
        ]
        db.close()
    state = {"ids": ids, "pending": pending, "referrals": referrals, "counter": itertools.count()}
    before = count(url)
    results, stop = defaultdict(list), threading.Event()
    kinds = [kind for kind, share in MIX.items() for _ in range(round(share * clients))]
    with gunicorn(url, workers) as port:
        threads = [
            threading.Thread(
                target=worker,
                args=(port, kind, dict(state) if kind == "feed-304" else state, stop, results, think),
            )
            for kind in kinds
        ]

        def stop_after_the_time():
            time.sleep(seconds)
            stop.set()

        elapsed = run_threads(threads, stop_after_the_time)
    after = count(url)
    return report(results, elapsed, before, after)


def report(results, elapsed, before, after):
    lines, all_times, errors = [], [], 0
    for kind, samples in sorted(results.items()):
        times = sorted(t for t, _ in samples)
        failed = sum(1 for _, ok in samples if not ok)
        errors += failed
        all_times += times
        lines.append(
            f"    {kind:<13} {len(samples):>6} req  p50 {percentile(times, 50):6.0f} ms  "
            f"p95 {percentile(times, 95):6.0f} ms  errors {failed}"
        )
    done = {
        kind: sum(1 for _, ok in results[kind] if ok) for kind in ("registration", "moderation", "referral")
    }
    lost = {kind: done[kind] - (after[kind] - before[kind]) for kind in done}
    all_times.sort()
    summary = (
        f"    all           {len(all_times):>6} req  p50 {percentile(all_times, 50):6.0f} ms  "
        f"p95 {percentile(all_times, 95):6.0f} ms  errors {errors}  "
        f"throughput {len(all_times) / elapsed:.0f} req/s  lost writes {sum(lost.values())} {lost}"
    )
    return lines + [summary], errors == 0 and not any(lost.values())


def percentile(times, p):
    if not times:
        return 0.0
    return 1000 * (statistics.quantiles(times, n=100)[p - 1] if len(times) > 1 else times[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds each client waits between two requests (0: as fast as it can)",
    )
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        lines, passed = run(
            f"sqlite:///{folder}/load.db", args.clients, args.workers, args.seconds, args.think
        )
        print(
            f"SQLite — {args.clients} clients (think {args.think} s), {args.seconds:.0f} s, gunicorn {args.workers} workers",
            *lines,
            sep="\n",
        )
        ok &= passed
    with throwaway_postgres() as url:
        lines, passed = run(url, args.clients, args.workers, args.seconds, args.think)
        print(
            f"PostgreSQL — {args.clients} clients (think {args.think} s), {args.seconds:.0f} s, gunicorn {args.workers} workers",
            *lines,
            sep="\n",
        )
        ok &= passed
    print("OK: no error, no lost write." if ok else "PROBLEM: see the figures above.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
