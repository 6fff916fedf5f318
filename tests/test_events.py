"""The team's event pages (create, edit, duplicate, cancel, participating partners
and their job offers) and the topics partners propose for meetings."""

import re
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest

from portal.mail import sender as mail
from portal.services import registrations
from portal.services.schedule import PARIS
from portal.store.db import utcnow
from portal.store.models import (
    Event,
    EventPartner,
    JobOffer,
    Outbox,
    Partner,
    Place,
    Registration,
    Topic,
)
from portal.web.helpers import settings
from tests import factories
from tests.a11y import violations
from tests.conftest import csrf_token

BASE = "/portail/evenements"
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'
UTC = UTC
NEXT_YEAR = date.today().year + 1
EVENT = {
    "kind": "partner_meeting",
    "title": "Rencontre addictions",
    "topic_id": "",
    "description": "Avec le CSAPA.",
    "place_id": "PLACE",
    "sector_id": "",
    "start_date": f"{NEXT_YEAR}-01-15",
    "start_time": "14:00",
    "end_date": "",
    "end_time": "17:00",
    "capacity": "30",
    "max_seats_per_registration": "3",
    "opens_date": "",
    "opens_time": "",
    "closes_date": "",
    "closes_time": "",
    "audience": "partners",
}


def paris(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).astimezone(UTC)


@pytest.fixture(autouse=True)
def app_context(request):
    """Models and emails used straight from the tests need the app (not the browser test)."""
    if "app" not in request.fixturenames:
        yield
        return
    with request.getfixturevalue("app").app_context():
        yield


@pytest.fixture
def rebuilds(monkeypatch):
    """Records the rebuilds asked for, instead of building the site in the background."""
    asked = []
    monkeypatch.setattr("portal.web.helpers.request_rebuild", lambda app: asked.append(True))
    return asked


def register(event_id, organisation, name, email, seats):
    applicant = registrations.Applicant(organisation, name, email, seats)
    return registrations.register(settings(), event_id, applicant, utcnow())


@pytest.fixture
def world(app):
    """A sector with a place, a published and a pending partner, an accepted topic (ids)."""
    with app.app_context():
        sector = factories.sector("Ozanam et Albignac", slug="ozanam")
        place = factories.place(
            "Centre social Ozanam", address="2 place Ozanam", commune="Carcassonne", sector=sector
        )
        other = factories.place("Gymnase des Platanes", commune="Carcassonne")
        builder = factories.partner("Occitan Construction", slug="occitan", kind="employer")
        pending = factories.partner("Association en attente", slug="attente", status="pending")
        topic = factories.topic("Addictions")
        return {
            "sector": sector.id,
            "place": place.id,
            "other_place": other.id,
            "builder": builder.id,
            "pending": pending.id,
            "topic": topic.id,
        }


@pytest.fixture
def staff(client, make_user, login, rebuilds, world):
    make_user("mediator")
    login("mediator@relais.example", "mot-de-passe-solide")
    return client


@pytest.fixture
def mailer(app, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    return smtp_server


def post(client, url, data, form_url=None):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, form_url or url)})


def event_data(world, **changes):
    return {**EVENT, "place_id": str(world["place"]), **changes}


def make_event(world, start=None, **fields):
    start = start or paris(date(NEXT_YEAR, 1, 15), 14)
    return factories.meeting(world["place"], world["sector"], start, **fields)


def form_of(event):
    """What the edit form sends back unchanged, read from the event as the page shows it."""
    start, end = event.starts_at.astimezone(PARIS), event.ends_at.astimezone(PARIS)
    opens, closes = (
        event.registration_opens_at.astimezone(PARIS),
        event.registration_closes_at.astimezone(PARIS),
    )
    return {
        **EVENT,
        "title": event.title,
        "description": event.description,
        "place_id": str(event.place_id),
        "sector_id": str(event.sector_id),
        "start_date": start.date().isoformat(),
        "start_time": f"{start:%H:%M}",
        "end_time": f"{end:%H:%M}",
        "capacity": str(event.capacity),
        "max_seats_per_registration": "3",
        "opens_date": opens.date().isoformat(),
        "opens_time": f"{opens:%H:%M}",
        "closes_date": closes.date().isoformat(),
        "closes_time": f"{closes:%H:%M}",
    }


def registered(app, event, *emails):
    """Registrants of ``event``, their confirmation emails sent and forgotten."""
    for email in emails:
        register(event.id, "Asso", email.split("@")[0], email, 1)
    mail.send_pending()


def ics_of(message):
    attachment = next(message.iter_attachments())
    return icalendar.Calendar.from_ical(attachment.get_content()).walk("VEVENT")[0]


# -- who may enter ------------------------------------------------------------------------


def staff_pages(event_id):
    return [
        BASE + "/",
        BASE + "/nouveau",
        f"{BASE}/{event_id}",
        f"{BASE}/{event_id}/copie",
        "/portail/themes/",
    ]


def test_anonymous_visitors_are_sent_to_login(app, client, world):
    with app.app_context():
        event = make_event(world)
    for page in staff_pages(event.id):
        response = client.get(page)
        assert response.status_code == 302 and "/portail/connexion" in response.headers["Location"], page


def test_partner_accounts_are_refused_staff_pages(app, client, make_user, login, world):
    with app.app_context():
        event = make_event(world)
    make_user("partner", email="asso@example.org")
    login("asso@example.org", "mot-de-passe-solide")
    for page in staff_pages(event.id):
        assert client.get(page).status_code == 403, page
    token = csrf_token(client, "/portail/themes/proposer")
    for url in (f"{BASE}/{event.id}/annulation", f"{BASE}/{event.id}/partenaires", BASE + "/nouveau"):
        assert client.post(url, data={"csrf_token": token, "confirmation": "oui"}).status_code == 403, url
    assert Event.get_by_id(event.id).status == "scheduled"


# -- create ---------------------------------------------------------------------------------


@pytest.mark.parametrize("month, utc_hour", [(1, 13), (7, 12)])  # Paris is UTC+1 in winter, UTC+2 in summer
def test_create_converts_paris_time_to_utc(app, staff, world, rebuilds, month, utc_hour):
    day = f"{NEXT_YEAR}-{month:02d}-15"
    response = post(
        staff,
        BASE + "/nouveau",
        event_data(world, start_date=day, end_time="16:30", topic_id=str(world["topic"])),
    )
    event = Event.get()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}/{event.id}")
    assert event.starts_at == datetime(NEXT_YEAR, month, 15, utc_hour, tzinfo=UTC)
    assert event.ends_at == datetime(NEXT_YEAR, month, 15, utc_hour + 2, 30, tzinfo=UTC)
    assert (event.status, event.sequence, event.audience) == ("scheduled", 0, "partners")
    assert event.topic_id == world["topic"]
    assert event.sector_id == world["sector"]  # taken from the place
    assert rebuilds
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="14:00"' in page and 'value="16:30"' in page and "est enregistré" in page


def test_all_day_event_and_registration_window(app, staff, world):
    response = post(
        staff,
        BASE + "/nouveau",
        event_data(
            world,
            all_day="y",
            start_time="",
            end_time="",
            end_date=f"{NEXT_YEAR}-07-16",
            start_date=f"{NEXT_YEAR}-07-15",
            opens_date=f"{NEXT_YEAR}-06-01",
            closes_date=f"{NEXT_YEAR}-07-10",
            closes_time="18:00",
            capacity="",
        ),
    )
    assert response.status_code == 302
    event = Event.get()
    assert event.all_day and event.capacity is None
    assert event.starts_at == paris(date(NEXT_YEAR, 7, 15), 0)
    assert event.ends_at == paris(date(NEXT_YEAR, 7, 16), 23, 59)
    assert event.registration_opens_at == datetime(NEXT_YEAR, 5, 31, 22, tzinfo=UTC)  # midnight in Paris
    assert event.registration_closes_at == datetime(NEXT_YEAR, 7, 10, 16, tzinfo=UTC)


def last_sunday_of_march(year):
    day = date(year, 3, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"title": ""}, "Ce champ est obligatoire."),
        ({"end_time": "13:00"}, "La fin doit être après le début."),
        ({"end_date": f"{NEXT_YEAR}-01-14"}, "La fin doit être après le début."),
        ({"start_time": ""}, "Indiquez l'heure, ou cochez « Toute la journée »."),
        ({"start_time": "14h70"}, "Indiquez une heure, par exemple 14:30."),
        ({"start_date": "31/02/2030"}, "Indiquez une date, par exemple 15/09/2026."),
        # Years no event is meant for, which would break the feeds (issue 14, item 5).
        ({"start_date": "9999-12-31"}, "Choisissez une date entre le 01/01/2000 et le 31/12/2099."),
        ({"start_date": "0001-01-01"}, "Choisissez une date entre le 01/01/2000 et le 31/12/2099."),
        ({"start_date": "01/01/1900"}, "Choisissez une date entre le 01/01/2000 et le 31/12/2099."),
        ({"end_date": "2100-01-01"}, "Choisissez une date entre le 01/01/2000 et le 31/12/2099."),
        ({"closes_date": "9999-12-31"}, "Choisissez une date entre le 01/01/2000 et le 31/12/2099."),
        ({"opens_date": "1999-12-31"}, "Choisissez une date entre le 01/01/2000 et le 31/12/2099."),
        ({"topic_id": "99999999999999999999"}, "Ce choix n'existe pas."),
        ({"capacity": "-1"}, "Indiquez un nombre de places positif"),
        ({"capacity": "trente"}, "Indiquez un nombre entier, en chiffres."),
        ({"max_seats_per_registration": "0"}, "Indiquez un nombre entre 1 et 100."),
        ({"kind": "fete"}, "Ce choix n'existe pas."),
        ({"place_id": "999"}, "Ce choix n'existe pas."),
        (
            {
                "opens_date": f"{NEXT_YEAR}-01-10",
                "closes_date": f"{NEXT_YEAR}-01-01",
            },
            "La clôture des inscriptions doit être après leur ouverture.",
        ),
        ({"closes_time": "18:00"}, "Indiquez aussi la date."),
        (
            {"start_date": last_sunday_of_march(NEXT_YEAR).isoformat(), "start_time": "02:30"},
            "Cette heure n'existe pas ce jour-là",
        ),
    ],
)
def test_create_refuses_invalid_input_in_french_and_keeps_it(app, staff, world, changes, message):
    data = event_data(world, description="Texte gardé tel quel", **changes)
    response = post(staff, BASE + "/nouveau", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message.replace("'", "&#39;") in page and "Rien n'est enregistré" in page
    assert "Texte gardé tel quel" in page
    assert Event.select().count() == 0


def test_missing_csrf_token_is_refused(app, staff, world):
    event = make_event(world)
    response = staff.post(BASE + "/nouveau", data=event_data(world))
    assert response.status_code == 400 and "Le formulaire a expiré" in response.get_data(as_text=True)
    response = staff.post(f"{BASE}/{event.id}/annulation", data={"confirmation": "oui"})
    assert response.status_code == 400
    assert Event.select().count() == 1 and Event.get().status == "scheduled"


# -- list ---------------------------------------------------------------------------------


def test_list_shows_upcoming_first_then_past_with_participants_links(app, staff, world):
    soon = make_event(world, title="Bientôt", start=utcnow().replace(microsecond=0) + timedelta(days=3))
    later = make_event(world, title="Plus tard", start=utcnow().replace(microsecond=0) + timedelta(days=30))
    past = make_event(world, title="Déjà passé", start=utcnow().replace(microsecond=0) - timedelta(days=30))
    register(soon.id, "Asso", "Alice", "alice@asso.example", 2)
    page = staff.get(BASE + "/").get_data(as_text=True)
    assert page.index("Bientôt") < page.index("Plus tard") < page.index("Déjà passé")
    assert page.index("À venir") < page.index("Plus tard") and page.index("Passés") < page.index("Déjà passé")
    for event in (soon, later, past):
        assert f'href="/portail/rencontres/{event.id}/participants"' in page
        assert f'href="{BASE}/{event.id}"' in page
    assert "2 places confirmées sur 30" in page


# -- edit: who must know --------------------------------------------------------------------


def test_moving_an_event_emails_registrants_an_ics_with_a_higher_sequence(app, staff, world, mailer):
    event = make_event(world)
    registered(app, event, "alice@asso.example", "bruno@asso.example")
    before = len(mailer.messages)
    data = form_of(event)
    response = post(staff, f"{BASE}/{event.id}", {**data, "start_time": "15:00", "end_time": "18:00"})
    assert response.status_code == 302
    assert "2 inscriptions prévenues par e-mail" in staff.get(response.headers["Location"]).get_data(
        as_text=True
    )
    stored = Event.get_by_id(event.id)
    assert stored.sequence == 1 and stored.starts_at == datetime(NEXT_YEAR, 1, 15, 14, tzinfo=UTC)
    mail.send_pending()
    sent = mailer.messages[before:]
    assert sorted(m["To"] for m in sent) == ["alice@asso.example", "bruno@asso.example"]
    assert all(m["Subject"] == "Changement — Rencontre addictions" for m in sent)
    vevent = ics_of(sent[0])
    assert vevent["SEQUENCE"] == 1 and str(vevent["UID"]) == f"event-{event.id}@relais.test"
    assert vevent.decoded("DTSTART") == datetime(NEXT_YEAR, 1, 15, 15, tzinfo=PARIS)


def test_moving_to_another_place_notifies_too(app, staff, world, mailer):
    event = make_event(world)
    registered(app, event, "alice@asso.example")
    post(
        staff,
        f"{BASE}/{event.id}",
        {**form_of(event), "place_id": str(world["other_place"]), "sector_id": ""},
    )
    assert Event.get_by_id(event.id).sequence == 1
    assert Outbox.select().where(Outbox.subject.startswith("Changement")).count() == 1


def test_a_wording_only_edit_sends_nothing(app, staff, world, mailer, rebuilds):
    # Seconds in the stored time: the form cannot show them, and must not count them as a change.
    event = make_event(world, start=paris(date(NEXT_YEAR, 1, 15), 14).replace(second=27))
    registered(app, event, "alice@asso.example")
    queued = Outbox.select().count()
    response = post(
        staff,
        f"{BASE}/{event.id}",
        {**form_of(event), "title": "Rencontre addictions et jeux", "description": "Programme complété."},
    )
    assert response.status_code == 302
    stored = Event.get_by_id(event.id)
    assert (stored.title, stored.sequence, stored.starts_at) == (
        "Rencontre addictions et jeux",
        0,
        event.starts_at,
    )
    assert Outbox.select().count() == queued and rebuilds


def test_more_seats_go_to_the_waiting_list(app, staff, world, mailer):
    event = make_event(world, capacity=1)
    registered(app, event, "alice@asso.example", "bruno@asso.example")
    assert Registration.get(Registration.contact_email == "bruno@asso.example").status == "waitlisted"
    response = post(staff, f"{BASE}/{event.id}", {**form_of(event), "capacity": "2"})
    assert "Place(s) attribuée(s) à : bruno" in staff.get(response.headers["Location"]).get_data(as_text=True)
    assert Registration.get(Registration.contact_email == "bruno@asso.example").status == "confirmed"
    assert Event.get_by_id(event.id).sequence == 0  # a capacity is not a date: no change email
    assert Outbox.select().where(Outbox.subject.startswith("Une place s'est libérée")).count() == 1


def test_edit_refuses_invalid_input(app, staff, world):
    event = make_event(world)
    response = post(
        staff, f"{BASE}/{event.id}", {**form_of(event), "end_time": "10:00", "title": "Nouveau titre"}
    )
    assert response.status_code == 400 and "La fin doit être après le début." in response.get_data(
        as_text=True
    )
    assert 'value="Nouveau titre"' in response.get_data(as_text=True)
    assert Event.get_by_id(event.id).title == "Rencontre addictions"


# -- cancel -------------------------------------------------------------------------------


def test_cancel_emails_a_cancelled_ics_and_closes_registration(app, staff, client, world, mailer, rebuilds):
    event = make_event(world)
    registered(app, event, "alice@asso.example")
    before = len(mailer.messages)
    response = post(staff, f"{BASE}/{event.id}/annulation", {}, form_url=f"{BASE}/{event.id}")
    assert "Cochez la case de confirmation" in staff.get(response.headers["Location"]).get_data(as_text=True)
    assert Event.get_by_id(event.id).status == "scheduled"

    response = post(
        staff, f"{BASE}/{event.id}/annulation", {"confirmation": "oui"}, form_url=f"{BASE}/{event.id}"
    )
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "est annulé. 1 inscription prévenue par e-mail." in page and "Annuler l&#39;événement" not in page
    stored = Event.get_by_id(event.id)
    assert (stored.status, stored.sequence) == ("cancelled", 1) and rebuilds
    mail.send_pending()
    message = mailer.messages[before]
    assert message["To"] == "alice@asso.example" and message["Subject"] == "Annulé — Rencontre addictions"
    vevent = ics_of(message)
    assert vevent["STATUS"] == "CANCELLED" and vevent["SEQUENCE"] == 1
    assert str(vevent["UID"]) == f"event-{event.id}@relais.test"

    registration = post(
        staff,
        f"/portail/rencontres/{event.id}/inscription",
        {
            "organisation": "Asso",
            "contact_name": "Chloé",
            "contact_email": "chloe@asso.example",
            "seats": "1",
        },
    )
    assert registration.status_code == 409 and "annulé" in registration.get_data(as_text=True)
    assert "Annulé" in staff.get(BASE + "/").get_data(as_text=True)
    # Cancelling twice tells nobody twice.
    post(staff, f"{BASE}/{event.id}/annulation", {"confirmation": "oui"}, form_url=f"{BASE}/{event.id}")
    assert Outbox.select().where(Outbox.subject.startswith("Annulé")).count() == 1


# -- duplicate ------------------------------------------------------------------------------


def test_duplicate_copies_the_fields_with_new_dates_and_nobody_registered(app, staff, world):
    organiser = Partner.get_by_id(world["builder"])
    source = make_event(
        world, organiser=organiser, topic=world["topic"], description="Avec le CSAPA.", audience="partners"
    )
    register(source.id, "Asso", "Alice", "alice@asso.example", 1)
    EventPartner.create(event=source, partner=organiser, contribution="Essai de nacelle")
    Event.update(status="cancelled", sequence=4).where(Event.id == source.id).execute()

    page = staff.get(f"{BASE}/{source.id}/copie").get_data(as_text=True)
    assert "Copie de « Rencontre addictions »" in page and 'value="Rencontre addictions"' in page
    assert re.search(r'<input[^>]* id="start_date"[^>]* value="">', page) and 'value="14:00"' in page
    data = {
        **form_of(source),
        "start_date": f"{NEXT_YEAR}-02-12",
        "opens_date": "",
        "opens_time": "",
        "closes_date": f"{NEXT_YEAR}-02-10",
        "topic_id": str(world["topic"]),
        "audience": "partners",
    }
    response = post(staff, f"{BASE}/{source.id}/copie", data)
    assert response.status_code == 302
    copy = Event.select().where(Event.id != source.id).get()
    assert response.headers["Location"].endswith(f"{BASE}/{copy.id}")
    assert (
        copy.title,
        copy.kind,
        copy.description,
        copy.topic_id,
        copy.place_id,
        copy.capacity,
        copy.audience,
    ) == (
        source.title,
        source.kind,
        source.description,
        source.topic_id,
        source.place_id,
        source.capacity,
        "partners",
    )
    assert (copy.status, copy.sequence, copy.organiser_id) == ("scheduled", 0, organiser.id)
    assert copy.starts_at == paris(date(NEXT_YEAR, 2, 12), 14)
    assert Registration.select().where(Registration.event == copy).count() == 0
    assert EventPartner.select().where(EventPartner.event == copy).count() == 0


# -- participating partners and job offers -------------------------------------------------------


def test_participations_and_job_offers(app, staff, world, rebuilds):
    event = make_event(world, kind="job_fair", title="Forum emploi")
    edit = f"{BASE}/{event.id}"
    response = post(
        staff,
        edit + "/partenaires",
        {"partner_id": str(world["builder"]), "contribution": "Essai de nacelle de chantier"},
        form_url=edit,
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(edit + "#partenaires")
    participation = EventPartner.get()
    assert (participation.partner_id, participation.contribution) == (
        world["builder"],
        "Essai de nacelle de chantier",
    )
    # The same partner twice, or a partner not published: refused.
    for partner in ("builder", "pending"):
        response = post(staff, edit + "/partenaires", {"partner_id": str(world[partner])}, form_url=edit)
        assert response.status_code == 400 and "Ce choix n&#39;existe pas" in response.get_data(as_text=True)
    assert EventPartner.select().count() == 1

    offers = f"{edit}/partenaires/{participation.id}/offres"
    prefix = f"offre-{participation.id}-"
    token = csrf_token(staff, edit)
    for title, contract, without_diploma in (("Manœuvre BTP", "Intérim", "y"), ("Maçon qualifié", "CDI", "")):
        data = {prefix + "csrf_token": token, prefix + "title": title, prefix + "contract": contract}
        if without_diploma:
            data[prefix + "without_diploma"] = without_diploma
        assert staff.post(offers, data=data).status_code == 302
    stored = [(o.title, o.contract, o.without_diploma) for o in JobOffer.select().order_by(JobOffer.id)]
    assert stored == [("Manœuvre BTP", "Intérim", True), ("Maçon qualifié", "CDI", False)]
    page = staff.get(edit).get_data(as_text=True)
    assert "Essai de nacelle de chantier" in page and "Manœuvre BTP" in page

    bad = staff.post(
        offers, data={prefix + "csrf_token": token, prefix + "title": "", prefix + "contract": "Bénévolat"}
    )
    page = bad.get_data(as_text=True)
    assert (
        bad.status_code == 400 and "Ce champ est obligatoire." in page and "Ce choix n&#39;existe pas" in page
    )
    assert f'id="{prefix}title"' in page and JobOffer.select().count() == 2

    first = JobOffer.select().order_by(JobOffer.id).first()
    assert post(staff, f"{offers[:-7]}/offres/{first.id}/suppression", {}, form_url=edit).status_code == 302
    assert [o.title for o in JobOffer.select()] == ["Maçon qualifié"]
    assert (
        post(staff, f"{edit}/partenaires/{participation.id}/suppression", {}, form_url=edit).status_code
        == 302
    )
    assert EventPartner.select().count() == 0 and JobOffer.select().count() == 0
    assert len(rebuilds) >= 5


def test_ids_of_another_event_or_unknown_ids_are_404(app, staff, world):
    forum = make_event(world, kind="job_fair", title="Forum emploi")
    other = make_event(world, title="Autre")
    participation = EventPartner.create(event=forum, partner=world["builder"])
    offer = JobOffer.create(participation=participation, title="Manœuvre BTP")
    token = csrf_token(staff, BASE + "/nouveau")
    prefix = f"offre-{participation.id}-"
    wrong = f"{BASE}/{other.id}/partenaires/{participation.id}"
    for url, data in (
        (wrong + "/suppression", {}),
        (wrong + "/offres", {prefix + "title": "X", prefix + "contract": "CDI"}),
        (wrong + f"/offres/{offer.id}/suppression", {}),
        (f"{BASE}/{forum.id}/partenaires/{participation.id}/offres/99999/suppression", {}),
        (f"{BASE}/99999/annulation", {"confirmation": "oui"}),
        (f"{BASE}/99999/partenaires", {"partner_id": str(world["builder"])}),
        (f"{BASE}/99999", event_data(world)),
    ):
        assert staff.post(url, data={"csrf_token": token, **data}).status_code == 404, url
    for url in (f"{BASE}/99999", f"{BASE}/99999/copie"):
        assert staff.get(url).status_code == 404
    assert EventPartner.select().count() == 1 and JobOffer.select().count() == 1


def test_text_typed_by_users_is_escaped_on_every_page(app, staff, world):
    response = post(staff, BASE + "/nouveau", event_data(world, title=EVIL, description=EVIL))
    event = Event.get()
    edit = response.headers["Location"]
    post(
        staff,
        edit + "/partenaires",
        {"partner_id": str(world["builder"]), "contribution": EVIL},
        form_url=edit,
    )
    participation = EventPartner.get()
    prefix = f"offre-{participation.id}-"
    staff.post(
        f"{edit}/partenaires/{participation.id}/offres",
        data={
            prefix + "csrf_token": csrf_token(staff, edit),
            prefix + "title": EVIL,
            prefix + "contract": "CDI",
        },
    )
    assert JobOffer.get().title == EVIL
    topic = Topic.create(title=EVIL, description=EVIL, proposed_by=world["builder"])
    for page in (
        BASE + "/",
        edit,
        f"{BASE}/{event.id}/copie",
        "/portail/themes/",
        f"/portail/rencontres/{event.id}/participants",
    ):
        html = staff.get(page).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, page
        assert "&lt;script&gt;" in html, page
    post(
        staff,
        f"/portail/themes/{topic.id}/refuser",
        {f"refus-{topic.id}-reason": EVIL},
        form_url="/portail/themes/",
    )
    html = staff.get("/portail/themes/").get_data(as_text=True)
    assert "<script>alert" not in html and html.count("&lt;script&gt;") >= 2


# -- topics ---------------------------------------------------------------------------------


def open_space(app, client, partner_id):
    """The partner's emailed self-service link, opened in this browser."""
    from portal.services.partners import self_service_link
    from portal.web.helpers import settings

    with app.app_context():
        path = self_service_link(Partner.get_by_id(partner_id), settings()).removeprefix("http://relais.test")
    return client.get(path)


def propose(client, title="Précarité énergétique", description="Les factures de chauffage explosent."):
    return post(client, "/portail/themes/proposer", {"title": title, "description": description})


def test_a_partner_proposes_a_topic_through_its_self_service_link(app, client, world, make_user):
    make_user("mediator")
    assert open_space(app, client, world["builder"]).status_code == 302
    assert "Proposer un thème de rencontre" in client.get("/portail/partenaires/ma-structure").get_data(
        as_text=True
    )
    response = propose(client)
    assert response.status_code == 302
    topic = Topic.get(Topic.title == "Précarité énergétique")
    assert (topic.status, topic.proposed_by_id, topic.description) == (
        "proposed",
        world["builder"],
        "Les factures de chauffage explosent.",
    )
    page = client.get("/portail/themes/proposer").get_data(as_text=True)
    assert "Merci !" in page and "Précarité énergétique" in page and "Proposé" in page
    staff_mail = Outbox.get(Outbox.to_addr == "mediator@relais.example")
    assert "Précarité énergétique" in staff_mail.subject and "/portail/themes/" in staff_mail.body_text


def test_a_partner_account_proposes_a_topic(app, client, world, make_user, login):
    make_user("partner", email="asso@example.org", partner=Partner.get_by_id(world["builder"]))
    login("asso@example.org", "mot-de-passe-solide")
    assert "Proposer un thème de rencontre" in client.get("/portail/").get_data(as_text=True)
    response = propose(client, title="", description="x" * 2001)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in page and "2 000 caractères au maximum." in page
    assert Topic.select().where(Topic.status == "proposed").count() == 0
    assert propose(client).status_code == 302
    assert Topic.get(Topic.status == "proposed").proposed_by_id == world["builder"]


def test_anonymous_visitors_cannot_propose_a_topic(app, client, world):
    response = client.get("/portail/themes/proposer")
    assert response.status_code == 302 and response.headers["Location"].endswith("/portail/partenaires/lien")
    assert "Pour proposer un thème de rencontre" in client.get("/portail/partenaires/lien").get_data(
        as_text=True
    )
    response = client.post(
        "/portail/themes/proposer",
        data={"csrf_token": csrf_token(client, "/portail/connexion"), "title": "Spam", "description": "Spam"},
    )
    assert response.status_code == 302 and Topic.select().where(Topic.title == "Spam").count() == 0


def test_staff_accept_decline_and_merge_proposals(app, staff, world, rebuilds):
    partner = world["builder"]
    first, second, third = (
        Topic.create(title=title, description="…", proposed_by=partner)
        for title in ("Santé mentale", "Jeux d'argent", "Addictions des jeunes")
    )
    page = staff.get("/portail/themes/").get_data(as_text=True)
    assert "Santé mentale" in page and "Occitan Construction" in page

    assert (
        post(staff, f"/portail/themes/{first.id}/retenir", {}, form_url="/portail/themes/").status_code == 302
    )
    assert Topic.get_by_id(first.id).status == "accepted" and rebuilds

    response = post(
        staff,
        f"/portail/themes/{second.id}/refuser",
        {f"refus-{second.id}-reason": "Déjà traité l'an dernier."},
        form_url="/portail/themes/",
    )
    assert response.status_code == 302
    assert Topic.get_by_id(second.id).status == "declined"
    assert "Déjà traité l&#39;an dernier." in staff.get("/portail/themes/").get_data(as_text=True)

    field = f"regroupement-{third.id}-merged_into_id"
    forged = post(
        staff, f"/portail/themes/{third.id}/regrouper", {field: str(second.id)}, form_url="/portail/themes/"
    )
    assert forged.status_code == 400 and "Ce choix n&#39;existe pas" in forged.get_data(as_text=True)
    response = post(
        staff,
        f"/portail/themes/{third.id}/regrouper",
        {field: str(world["topic"])},
        form_url="/portail/themes/",
    )
    assert response.status_code == 302
    merged = Topic.get_by_id(third.id)
    assert (merged.status, merged.merged_into_id) == ("merged", world["topic"])

    # Decided once: a second decision (another tab, a colleague) is refused.
    again = post(staff, f"/portail/themes/{third.id}/retenir", {}, form_url="/portail/themes/")
    assert again.status_code == 409 and Topic.get_by_id(third.id).status == "merged"
    assert post(staff, "/portail/themes/99999/retenir", {}, form_url="/portail/themes/").status_code == 404
    # Accepted topics can be chosen for an event; declined and merged ones cannot.
    form = staff.get(BASE + "/nouveau").get_data(as_text=True)
    assert "Santé mentale" in form and "Jeux d&#39;argent" not in form and "Addictions des jeunes" not in form


def test_a_decline_reason_is_kept_apart_from_what_the_partner_wrote(app, staff, world):
    topic = Topic.create(
        title="Jeux d'argent", description="Ce que le partenaire a écrit.", proposed_by=world["builder"]
    )
    post(
        staff,
        f"/portail/themes/{topic.id}/refuser",
        {f"refus-{topic.id}-reason": "Déjà traité l'an dernier."},
        form_url="/portail/themes/",
    )
    declined = Topic.get_by_id(topic.id)
    assert declined.status == "declined"
    assert (declined.description, declined.decline_reason) == (
        "Ce que le partenaire a écrit.",
        "Déjà traité l'an dernier.",
    )


def test_a_topic_moves_only_as_the_lifecycle_allows(app, world):
    from portal.services import topics
    from portal.services.errors import NotFound, Refused

    declined = Topic.create(title="Refusé", status="declined")
    for move in (topics.accept, topics.decline, lambda s, i: topics.merge(s, i, world["topic"])):
        with pytest.raises(Refused, match="déjà été traité"):
            move(settings(), declined.id)
    with pytest.raises(Refused, match="pas possible"):
        topics.move(settings(), world["topic"], "proposed")
    with pytest.raises(NotFound):
        topics.accept(settings(), 10**20)
    assert topics.TRANSITIONS["accepted"] == {"held"} and Topic.get_by_id(declined.id).status == "declined"


def test_a_topic_is_held_once_its_meeting_took_place_and_attendance_is_recorded(app, staff, world):
    past = make_event(
        world, start=utcnow() - timedelta(days=2), title="Rencontre passée", topic=world["topic"]
    )
    future = make_event(world, title="Rencontre à venir", topic=world["topic"])
    url = f"/portail/rencontres/{future.id}/participants"
    post(staff, f"/portail/rencontres/{future.id}/presences", {}, form_url=url)
    assert Topic.get_by_id(world["topic"]).status == "accepted"  # not yet taken place
    url = f"/portail/rencontres/{past.id}/participants"
    response = post(staff, f"/portail/rencontres/{past.id}/presences", {}, form_url=url)
    assert response.status_code == 302
    assert Topic.get_by_id(world["topic"]).status == "held"
    assert "est marqué comme traité" in staff.get(url).get_data(as_text=True)
    # Still listed for the team (and on the site), no longer offered to merge into.
    page = staff.get("/portail/themes/").get_data(as_text=True)
    assert "Addictions (Traité)" in page
    # Recording attendance again changes nothing more.
    assert post(staff, f"/portail/rencontres/{past.id}/presences", {}, form_url=url).status_code == 302
    assert Topic.get_by_id(world["topic"]).status == "held"


def test_partners_cannot_decide_on_topics(app, client, world, make_user, login):
    topic = Topic.create(title="Santé mentale", proposed_by=world["builder"])
    make_user("partner", email="asso@example.org", partner=Partner.get_by_id(world["builder"]))
    login("asso@example.org", "mot-de-passe-solide")
    token = csrf_token(client, "/portail/themes/proposer")
    for action in ("retenir", "refuser", "regrouper"):
        assert (
            client.post(f"/portail/themes/{topic.id}/{action}", data={"csrf_token": token}).status_code == 403
        )
    assert Topic.get_by_id(topic.id).status == "proposed"


def test_staff_dashboard_links_to_events_and_topics(app, staff):
    page = staff.get("/portail/").get_data(as_text=True)
    assert f'href="{BASE}/">Gérer les événements et rencontres' in page
    assert 'href="/portail/themes/">Thèmes proposés par les partenaires' in page


# -- both engines ----------------------------------------------------------------------------


def test_locked_writes_on_sqlite_and_postgres(any_app, rebuilds):
    """Create, move, cancel, participations and topic decisions take row locks (FOR UPDATE on PostgreSQL)."""
    from portal.store.models import User

    place = Place.create(name="Centre social Ozanam")
    partner = Partner.create(name="Occitan Construction", slug="occitan", status="published")
    accepted = Topic.create(title="Addictions", status="accepted")
    proposal = Topic.create(title="Jeux d'argent", proposed_by=partner)
    User.register("mediatrice@relais.example", "mot-de-passe-solide", "mediator")
    client = any_app.test_client()
    client.post(
        "/portail/connexion",
        data={
            "csrf_token": csrf_token(client, "/portail/connexion"),
            "email": "mediatrice@relais.example",
            "password": "mot-de-passe-solide",
        },
    )
    data = {**EVENT, "place_id": str(place.id), "topic_id": str(accepted.id)}
    assert post(client, BASE + "/nouveau", data).status_code == 302
    event = Event.get()
    edit = f"{BASE}/{event.id}"
    assert post(client, edit, {**data, "start_time": "15:00"}).status_code == 302
    assert (
        post(client, edit + "/partenaires", {"partner_id": str(partner.id)}, form_url=edit).status_code == 302
    )
    assert post(client, edit + "/annulation", {"confirmation": "oui"}, form_url=edit).status_code == 302
    assert (Event.get_by_id(event.id).sequence, Event.get_by_id(event.id).status) == (2, "cancelled")
    merge = {f"regroupement-{proposal.id}-merged_into_id": str(accepted.id)}
    response = post(client, f"/portail/themes/{proposal.id}/regrouper", merge, form_url="/portail/themes/")
    assert response.status_code == 302
    assert Topic.get_by_id(proposal.id).merged_into_id == accepted.id
    assert client.get(BASE + "/").status_code == 200 and EventPartner.select().count() == 1


# -- in a real browser ---------------------------------------------------------------------


@pytest.mark.browser
def test_event_pages_are_accessible(live_server, page):
    email, password = live_server["accounts"]["Médiatrice"]
    page.goto(live_server["url"] + "/portail/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Gérer les événements et rencontres").click()
    assert page.locator("h1").inner_text() == "Événements et rencontres"
    assert violations(page) == []
    page.get_by_role("link", name="Forum emploi des quartiers", exact=True).click()
    page.wait_for_selector("#partenaires")
    assert page.locator("#title").input_value() == "Forum emploi des quartiers"
    assert violations(page) == []
    # The error state must be accessible too.
    page.locator("#end_time").fill("08:00")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    page.wait_for_selector("[role=alert]")
    assert "La fin doit être après le début." in page.locator("[role=alert]").inner_text()
    assert violations(page) == []
    # The topics the team decides on (the demo has a proposal waiting).
    page.goto(live_server["url"] + "/portail/themes/")
    assert page.locator("h1").inner_text() == "Thèmes de rencontre"
    page.locator("details summary").first.click()
    assert violations(page) == []
