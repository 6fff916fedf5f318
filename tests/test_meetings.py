"""Registration to meetings: seats, waiting list, cancellation, emails with .ics, reminders."""

import csv
import io
import re
import threading
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from portal.mail import sender as mail
from portal.services import registrations
from portal.store.db import db, utcnow
from portal.store.models import Event, Place, Registration, Sector
from portal.web.helpers import settings
from tests import factories
from tests.conftest import csrf_token


def register(event_id, organisation, name, email, seats):
    """The service, as the registration page calls it (inside the app)."""
    applicant = registrations.Applicant(organisation, name, email, seats)
    return registrations.register(settings(), event_id, applicant, utcnow())


def cancel_registration(registration_id):
    return registrations.cancel(settings(), registration_id, utcnow())


def notify_registrants(event):
    return registrations.notify_registrants(settings(), event, utcnow())


def send_reminders(now=None):
    return registrations.send_reminders(settings(), now or utcnow())


def make_event(capacity=10, **fields):
    sector = Sector.get_or_none(Sector.slug == "ozanam") or factories.sector(
        "Ozanam et Albignac", slug="ozanam"
    )
    place = Place.get_or_none() or factories.place(
        "Maison de quartier Ozanam",
        address="2 place Ozanam",
        postcode="11000",
        commune="Carcassonne",
        sector=sector,
    )
    start = utcnow().replace(microsecond=0) + timedelta(days=10)
    return factories.meeting(place, sector, start, hours=2, capacity=capacity, **fields)


@pytest.fixture
def event(app, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    with app.app_context():
        yield make_event()


def post_registration(client, event_id, **fields):
    url = f"/portail/rencontres/{event_id}/inscription"
    data = {
        "organisation": "Association Horizon",
        "contact_name": "Karim Exemple",
        "contact_email": "karim@horizon.example",
        "seats": "1",
        "message": "",
        **fields,
        "csrf_token": csrf_token(client, "/portail/connexion"),
    }
    return client.post(url, data=data)


def test_register_confirmed_with_ics_and_cancel_link(app, client, event, smtp_server):
    response = post_registration(client, event.id, seats="2")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "vous êtes inscrit" in page
    mail.send_pending()
    message = smtp_server.messages[-1]
    assert message["Subject"] == "Inscription confirmée — Rencontre addictions"
    attachment = next(message.iter_attachments())
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    assert calendar["METHOD"] == "PUBLISH"
    vevent = calendar.walk("VEVENT")[0]
    assert str(vevent["UID"]) == f"event-{event.id}@relais.test" and vevent["SEQUENCE"] == 0
    assert "/portail/rencontres/annulation/" in message.get_body(("plain",)).get_content()


def test_capacity_then_waiting_list_with_rank(app, client, event):
    event.capacity = 3
    event.save()
    for n, seats in enumerate([2, 1, 1, 2]):
        register(event.id, "Asso", f"Personne {n}", f"p{n}@asso.example", seats)
    statuses = [(r.contact_name, r.status) for r in Registration.select().order_by(Registration.id)]
    assert statuses == [
        ("Personne 0", "confirmed"),
        ("Personne 1", "confirmed"),
        ("Personne 2", "waitlisted"),
        ("Personne 3", "waitlisted"),
    ]
    assert [r.rank() for r in Registration.waiting_list(event)] == [1, 2]
    response = post_registration(client, event.id, contact_email="late@asso.example")
    assert "n° 3" in response.get_data(as_text=True)


def test_cancel_promotes_the_waiting_list_in_order(app, event, smtp_server):
    event.capacity = 2
    event.save()
    first = register(event.id, "A", "Alice", "alice@a.example", 2)
    big = register(event.id, "B", "Bruno", "bruno@b.example", 2)
    small = register(event.id, "C", "Chloé", "chloe@c.example", 1)
    mail.send_pending()
    _, promoted = cancel_registration(first.id)
    assert [r.contact_name for r in promoted] == ["Bruno"]  # first in line, and he fits
    assert Registration.get_by_id(small.id).status == "waitlisted"
    mail.send_pending()
    assert smtp_server.messages[-1]["To"] == "bruno@b.example"
    assert "Une place s'est libérée" in smtp_server.messages[-1]["Subject"]
    _, promoted = cancel_registration(big.id)
    assert [r.contact_name for r in promoted] == ["Chloé"]


def test_same_email_cannot_register_twice(app, client, event):
    assert post_registration(client, event.id).status_code == 200
    response = post_registration(client, event.id, contact_email="KARIM@horizon.example")
    assert response.status_code == 409 and "déjà inscrite" in response.get_data(as_text=True)
    assert Registration.select().count() == 1
    cancel_registration(Registration.get().id)
    assert post_registration(client, event.id).status_code == 200  # once cancelled, again possible


def test_the_database_refuses_a_second_active_registration(app, event):
    register(event.id, "A", "Alice", "alice@a.example", 1)
    from peewee import IntegrityError

    with pytest.raises(IntegrityError), db.atomic():
        Registration.create(
            event=event,
            organisation="A",
            contact_name="Alice",
            contact_email="alice@a.example",
            seats=1,
            status="confirmed",
            cancel_token="x",
        )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"status": "cancelled"}, "annulé"),
        ({"registration_closes_at": datetime(2020, 1, 1, tzinfo=UTC)}, "closes"),
        ({"registration_opens_at": datetime(2099, 1, 1, tzinfo=UTC)}, "ouvriront le"),
    ],
)
def test_registration_closed(app, client, event, change, message):
    Event.update(**change).where(Event.id == event.id).execute()
    assert message in client.get(f"/portail/rencontres/{event.id}/inscription").get_data(as_text=True)
    response = post_registration(client, event.id)
    assert response.status_code == 409 and message in response.get_data(as_text=True)
    assert Registration.select().count() == 0


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"seats": "0"}, "entre 1 et 3"),
        ({"seats": "4"}, "entre 1 et 3"),
        ({"seats": "deux"}, "nombre entier"),
        ({"contact_email": "pas-un-email"}, "pas valide"),
        ({"organisation": ""}, "obligatoire"),
        ({"message": "x" * 1001}, "1 000 caractères"),
    ],
)
def test_bad_input(app, client, event, fields, message):
    response = post_registration(client, event.id, **fields)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert Registration.select().count() == 0


def test_unknown_event_is_404(client):
    assert client.get("/portail/rencontres/999/inscription").status_code == 404


def test_cancel_link_is_single_use(app, client, event, smtp_server):
    post_registration(client, event.id)
    mail.send_pending()
    path = re.search(
        r"http://relais\.test(/portail/rencontres/annulation/\S+)",
        smtp_server.messages[-1].get_body(("plain",)).get_content(),
    )[1]
    assert "Oui, j'annule" in client.get(path).get_data(as_text=True)
    assert Registration.get().status == "confirmed"  # opening the link alone changes nothing
    token = csrf_token(client, path)
    assert "est annulée" in client.post(path, data={"csrf_token": token}).get_data(as_text=True)
    again = client.post(path, data={"csrf_token": token}).get_data(as_text=True)
    assert "déjà annulée" in again
    assert client.get("/portail/rencontres/annulation/inconnu").status_code == 404


def test_edits_and_cancellation_email_registrants_with_a_higher_sequence(app, event, smtp_server):
    register(event.id, "A", "Alice", "alice@a.example", 1)
    mail.send_pending()
    event.starts_at, event.ends_at = event.starts_at + timedelta(hours=1), event.ends_at + timedelta(hours=1)
    event.save()
    notify_registrants(event)
    event.status = "cancelled"
    event.save()
    notify_registrants(event)
    mail.send_pending()
    changed, cancelled = smtp_server.messages[-2:]
    sequences = []
    for message in (changed, cancelled):
        vevent = icalendar.Calendar.from_ical(next(message.iter_attachments()).get_content()).walk("VEVENT")[
            0
        ]
        assert str(vevent["UID"]) == f"event-{event.id}@relais.test"
        sequences.append((vevent["SEQUENCE"], str(vevent["STATUS"])))
    assert sequences == [(1, "CONFIRMED"), (2, "CANCELLED")]
    assert changed["Subject"].startswith("Changement") and cancelled["Subject"].startswith("Annulé")


def test_reminders_are_sent_once_the_day_before(app, event, smtp_server):
    register(event.id, "A", "Alice", "alice@a.example", 1)
    mail.send_pending()
    assert send_reminders() == 0  # ten days ahead: too early
    day_before = event.starts_at - timedelta(hours=20)
    assert send_reminders(now=day_before) == 1
    assert send_reminders(now=day_before) == 0
    mail.send_pending()
    assert smtp_server.messages[-1]["Subject"].startswith("Rappel")


def test_send_reminders_command(app, runner, event):
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "0 rappel(s)" in result.output


def test_html_in_fields_stays_text(app, client, event, smtp_server, make_user, login):
    evil = '<script>alert("x")</script>'
    post_registration(client, event.id, organisation=evil, contact_name=evil, message=evil)
    mail.send_pending()
    assert "<script>" not in smtp_server.messages[-1].get_body(("html",)).get_content()
    make_user("mediator")
    login("mediator@relais.example", "mot-de-passe-solide")
    for path in ("participants", "emargement"):
        page = client.get(f"/portail/rencontres/{event.id}/{path}").get_data(as_text=True)
        assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_staff_pages_need_the_staff_role(app, client, event, make_user, login):
    for path in ("participants", "participants.csv", "emargement"):
        assert client.get(f"/portail/rencontres/{event.id}/{path}").status_code == 302
    make_user("partner")
    login("partner@relais.example", "mot-de-passe-solide")
    assert client.get(f"/portail/rencontres/{event.id}/participants").status_code == 403


def test_attendance_csv_and_mediator_cancel(app, client, event, make_user, login):
    event.capacity = 1
    event.save()
    first = register(event.id, "=SOMME(A1)", "Alice", "alice@a.example", 1)
    waiting = register(event.id, "+Asso", "Bruno", "bruno@b.example", 1)
    make_user("mediator")
    login("mediator@relais.example", "mot-de-passe-solide")
    url = f"/portail/rencontres/{event.id}/participants"
    token = csrf_token(client, url)
    client.post(
        f"/portail/rencontres/{event.id}/presences", data={"csrf_token": token, "present": [str(first.id)]}
    )
    assert Registration.get_by_id(first.id).attended is True
    rows = list(
        csv.reader(
            io.StringIO(client.get(url + ".csv").get_data(as_text=True).lstrip("\ufeff")), delimiter=";"
        )
    )
    assert rows[1][0] == "'=SOMME(A1)" and rows[1][6] == "oui"
    assert rows[2][0] == "'+Asso" and rows[2][5] == "1"
    response = client.post(f"{url}/{first.id}/annuler", data={"csrf_token": token})
    assert response.status_code == 302
    assert Registration.get_by_id(waiting.id).status == "confirmed"
    assert client.post(f"{url}/{first.id + 100}/annuler", data={"csrf_token": token}).status_code == 404


def race(app, event_id, people):
    """``people`` threads register at once, each with its own connection."""
    barrier, outcomes = threading.Barrier(people), []

    def one(n):
        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(register(event_id, "Asso", f"P{n}", f"p{n}@race.example", 1).status)
            except Exception as error:  # noqa: BLE001 - counted as an error below
                outcomes.append(type(error).__name__)
            finally:
                db.close()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_fifty_people_for_ten_seats_never_oversell(any_app):
    event = make_event(capacity=10)
    db.close()
    outcomes = race(any_app, event.id, 50)
    assert sorted(set(outcomes)) == ["confirmed", "waitlisted"]
    assert outcomes.count("confirmed") == 10 and outcomes.count("waitlisted") == 40
    assert Registration.seats_taken(event) == 10


# -- hardening (issue 14) --------------------------------------------------------------


def test_cancelling_a_participant_with_a_huge_id_is_a_404(app, client, event, make_user, login):
    make_user("mediator")
    login("mediator@relais.example", "mot-de-passe-solide")
    url = f"/portail/rencontres/{event.id}/participants"
    token = csrf_token(client, url)
    response = client.post(f"{url}/99999999999999999999/annuler", data={"csrf_token": token})
    assert response.status_code == 404


def test_participant_lists_are_never_cached(app, client, event, make_user, login):
    register(event.id, "Asso", "Alice", "alice@a.example", 1)
    make_user("mediator")
    login("mediator@relais.example", "mot-de-passe-solide")
    for path in ("participants", "participants.csv", "emargement"):
        response = client.get(f"/portail/rencontres/{event.id}/{path}")
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    csv_answer = client.get(f"/portail/rencontres/{event.id}/participants.csv")
    assert csv_answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_answer.headers["Content-Disposition"] == f'attachment; filename="participants-{event.id}.csv"'


def test_the_cancellation_link_never_leaves_in_a_referer(app, client, event):
    registration = register(event.id, "Asso", "Alice", "alice@a.example", 1)
    path = f"/portail/rencontres/annulation/{registration.cancel_token}"
    token = csrf_token(client, path)
    answers = [
        client.get(path),
        client.post(path, data={"csrf_token": token}),
        client.get("/portail/rencontres/annulation/inconnu"),
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 404]
    for answer in answers:
        assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert Registration.get_by_id(registration.id).status == "cancelled"


def test_the_site_and_the_registration_page_share_one_rule(app, event):
    """sitegen asks the service: same seats left, same open/closed answer."""
    from portal.site.sitegen import PageHelpers, SiteData

    event.capacity = 2
    event.save()
    register(event.id, "A", "Alice", "alice@a.example", 2)
    data = SiteData.__new__(SiteData)
    data.now, data.seats_taken = utcnow(), registrations.confirmed_seats_by_event()
    helpers = PageHelpers(data, "http://relais.test")
    assert data.seats_left(event) == registrations.seats_left(event) == 0
    for change in (
        {},
        {"status": "cancelled"},
        {"registration_opens_at": None, "registration_closes_at": None},
    ):
        for name, value in change.items():
            setattr(event, name, value)
        expected = registrations.closed_reason(event, data.now) is None
        assert helpers.registration_open(event) is expected


def test_the_services_do_not_import_the_web_framework():
    import ast
    from pathlib import Path

    from tests.conftest import ROOT

    for name in ("registrations", "events", "topics"):
        tree = ast.parse(Path(ROOT / "portal" / "services" / f"{name}.py").read_text(encoding="utf-8"))
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not imported & {"flask", "werkzeug", "wtforms", "flask_login"}, name
