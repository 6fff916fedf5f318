"""Fifty people race for the last ten seats, through a real server.

gunicorn runs the portal with several worker processes; 50 clients each load
the registration form (session cookie + CSRF token), wait at a barrier, then
post at the same instant. Run on SQLite and on PostgreSQL; the database is
counted afterwards. Expected: 10 confirmed, 40 on the waiting list, 0 errors.

    .venv/bin/python bench/registration_race.py [--workers 4] [--clients 50] [--seats 10]
"""

import argparse
import http.client
import re
import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serving import gunicorn, run_threads  # noqa: E402

from tests.servers import throwaway_postgres  # noqa: E402


def prepare(url, seats):
    """A fresh schema and one open meeting with ``seats`` seats."""
    from portal import create_app
    from portal.store.db import db, utcnow
    from portal.store.migrations import upgrade
    from portal.store.models import Event

    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context():
        if url.startswith("postgresql"):
            db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()
        start = utcnow() + timedelta(days=7)
        event = Event.create(
            kind="partner_meeting",
            title="Rencontre santé mentale",
            capacity=seats,
            max_seats_per_registration=1,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            registration_opens_at=utcnow() - timedelta(days=1),
            registration_closes_at=start,
        )
        db.close()
        return event.id


def count(url, event_id):
    from portal import create_app
    from portal.store.db import db
    from portal.store.models import Registration

    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context():
        rows = Registration.select().where(Registration.event == event_id)
        result = {
            status: rows.where(Registration.status == status).count()
            for status in ("confirmed", "waitlisted")
        }
        result["seats"] = Registration.seats_taken(event_id)
        db.close()
        return result


def client(port, event_id, number, barrier, outcomes):
    """One person: load the form, wait for the others, submit."""
    path = f"/portail/rencontres/{event_id}/inscription"
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", path)
        response = connection.getresponse()
        page = response.read().decode()
        cookie = response.getheader("Set-Cookie").split(";")[0]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
        body = (
            f"csrf_token={token}&organisation=Association+{number}&contact_name=Personne+{number}"
            f"&contact_email=p{number}%40race.example&seats=1&message="
        )
        barrier.wait(timeout=60)
        connection.request(
            "POST",
            path,
            body=body,
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        answer = connection.getresponse()
        text = answer.read().decode()
        if answer.status != 200:
            outcomes.append(f"HTTP {answer.status}")
        elif "vous êtes inscrit" in text:
            outcomes.append("confirmed")
        elif "liste d'attente" in text:
            outcomes.append("waitlisted")
        else:
            outcomes.append("unexpected page")
    except Exception as error:  # noqa: BLE001 - every failure is reported as an error
        outcomes.append(type(error).__name__)


def race(url, workers, clients, seats):
    event_id = prepare(url, seats)
    outcomes = []
    with gunicorn(url, workers) as port:
        barrier = threading.Barrier(clients)
        threads = [
            threading.Thread(target=client, args=(port, event_id, n, barrier, outcomes))
            for n in range(clients)
        ]
        elapsed = run_threads(threads)
    stored = count(url, event_id)
    errors = [o for o in outcomes if o not in ("confirmed", "waitlisted")]
    return {
        "answered confirmed": outcomes.count("confirmed"),
        "answered waitlisted": outcomes.count("waitlisted"),
        "errors": len(errors),
        "stored confirmed": stored["confirmed"],
        "stored waitlisted": stored["waitlisted"],
        "seats taken": stored["seats"],
        "time (s)": round(elapsed, 2),
        "error kinds": sorted(set(errors)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seats", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results = {"SQLite": race(f"sqlite:///{folder}/race.db", args.workers, args.clients, args.seats)}
    with throwaway_postgres() as url:
        results["PostgreSQL"] = race(url, args.workers, args.clients, args.seats)
    print(f"{args.clients} clients, {args.seats} seats, gunicorn with {args.workers} workers")
    for engine, result in results.items():
        print(f"  {engine:<10} " + ", ".join(f"{key}: {value}" for key, value in result.items()))
    ok = all(
        r["stored confirmed"] == args.seats and r["errors"] == 0 and r["seats taken"] == args.seats
        for r in results.values()
    )
    print("OK: no seat oversold, no error." if ok else "PROBLEM: see the figures above.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
