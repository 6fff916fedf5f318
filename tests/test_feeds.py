"""iCalendar feeds: valid for two independent parsers, right hours across the
clock change, permanences without holidays and closures, stable UIDs and
SEQUENCE, injection-proof text, and HTTP revalidation (ETag, 304)."""

from datetime import UTC, date, datetime, time, timedelta
from io import StringIO
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import vobject
from dateutil import tz as dateutil_tz

from portal import feeds
from portal.demo import load_demo
from portal.services import schedule
from portal.store.models.events import EventPartner
from portal.store.models.partners import Partner
from portal.store.models.places import Place, Sector
from portal.store.models.schedule import Closure, OccurrenceChange, Permanence
from portal.store.models.vocab import EVENT_KINDS
from tests import factories

PARIS = ZoneInfo("Europe/Paris")
UTC = UTC
FEEDS = "/portail/calendrier"
# Everything a line-based format can be attacked with.
INJECTION = "Café, thé; « 1\\2 »\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:piégé\nX-EVIL:1"


# -- helpers ----------------------------------------------------------------


def paris(day, hour=14, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).astimezone(UTC)


def next_date(month, day=15):
    """The next ``month``/``day`` at least a month from today: always upcoming."""
    soon = date.today() + timedelta(days=31)
    candidate = date(soon.year, month, day)
    return candidate if candidate >= soon else date(soon.year + 1, month, day)


def fetch(client, path, **headers):
    return client.get(FEEDS + path, headers=headers)


def parse(response):
    """The feed, parsed by icalendar and by vobject, after checking its framing."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/calendar" and response.mimetype_params["charset"] == "utf-8"
    data = response.data
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b""), "CRLF line endings only"
    assert all(len(line) <= 75 for line in data.split(b"\r\n")), "lines folded at 75 octets"
    calendar = icalendar.Calendar.from_ical(data)
    assert [(part.name, part.errors) for part in calendar.walk() if part.errors] == []
    checked = vobject.readOne(data.decode("utf-8"), validate=True)
    assert len(getattr(checked, "vevent_list", [])) == len(calendar.events)
    return calendar


def by_uid(calendar):
    return {str(event["UID"]): event for event in calendar.events}


def expand(calendar, start, end):
    return recurring_ical_events.of(calendar).between(start, end)


@pytest.fixture
def network(app):
    """A sector, a place, a published partner and its permanence, in an app context."""
    with app.app_context():
        sector = factories.sector("Viguier et Saint Jacques", slug="viguier")
        place = factories.place(
            "Maison de quartier",
            address="7 place des Tilleuls",
            postcode="11000",
            commune="Carcassonne",
            sector=sector,
            accessibility="De plain-pied.",
        )
        partner = factories.partner("CAF de l'Aude", slug="caf")
        yield SimpleNamespace(sector=sector, place=place, partner=partner)


def make_event(network, **fields):
    values = dict(
        title="Rencontre santé mentale", description="Échanges.", place=network.place, sector=network.sector
    )
    return factories.event(start=paris(next_date(3)), hours=3, **{**values, **fields})


def make_permanence(network, **fields):
    values = dict(
        sector=network.sector,
        place=network.place,
        title="Permanence sociale",
        weekdays="WE",
        opens_at=time(14),
        closes_at=time(16),
        valid_from=date(2026, 9, 2),
    )
    return factories.permanence(**{**values, **fields})


# -- every feed parses --------------------------------------------------------


@pytest.fixture
def demo(app):
    with app.app_context():
        load_demo()
        yield app


def demo_paths():
    return [
        "/evenements.ics",
        "/permanences.ics",
        "/type/forum-emploi.ics",
        "/type/rencontre.ics",
        "/secteur/la-conte-et-joliot-curie.ics",
        "/partenaire/caf-de-l-aude.ics",
        "/partenaire/mission-locale-du-carcassonnais.ics",
    ]


@pytest.mark.parametrize("path", demo_paths())
def test_every_feed_parses_with_two_parsers(demo, client, path):
    calendar = parse(fetch(client, path))
    for name in ("VERSION", "PRODID", "NAME", "X-WR-CALNAME", "X-WR-TIMEZONE", "CALSCALE"):
        assert name in calendar, name
    text = fetch(client, path).get_data(as_text=True)
    assert text.count("\r\nNAME:") == text.count("\r\nX-WR-CALNAME:") == 1
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT12H\r\n" in text
    assert "\r\nX-PUBLISHED-TTL:PT12H\r\n" in text
    assert "METHOD" not in calendar  # a subscription, not a scheduling message
    assert [tz["TZID"] for tz in calendar.timezones] == ["Europe/Paris"]
    assert calendar.events, "the demo has something in every feed"
    for event in calendar.events:
        for name in (
            "UID",
            "DTSTAMP",
            "LAST-MODIFIED",
            "SEQUENCE",
            "SUMMARY",
            "URL",
            "CATEGORIES",
            "DTSTART",
        ):
            assert name in event, name
        assert str(event["UID"]).endswith("@relais.test")
        assert str(event["URL"]).startswith("http://relais.test/")
        start = event["DTSTART"]
        assert start.params.get("TZID") == "Europe/Paris" or start.params.get("VALUE") == "DATE"
    assert len(by_uid(calendar)) == len(calendar.events), "UIDs are unique"


# The addresses of the feeds per kind of event, as subscribers have them.
KIND_SLUGS = ["rencontre", "forum-emploi", "aller-vers", "concertation", "autre"]


def test_demo_feeds_list_every_kind_and_sector(demo, client):
    assert len(KIND_SLUGS) == len(EVENT_KINDS)
    for slug in KIND_SLUGS:
        parse(fetch(client, f"/type/{slug}.ics"))
    assert client.get(FEEDS + "/type/job_fair.ics").status_code == 404  # the stored code is no address
    with demo.app_context():
        slugs = [sector.slug for sector in Sector.select()]
    for slug in slugs:
        assert parse(fetch(client, f"/secteur/{slug}.ics")).events


def test_same_data_gives_the_same_bytes(demo, client):
    first = fetch(client, "/evenements.ics").data
    demo.extensions.pop("relais_feeds")  # as a fresh worker would
    assert fetch(client, "/evenements.ics").data == first


# -- time zones ---------------------------------------------------------------


def test_july_and_january_events_keep_their_offset(network, client):
    july = make_event(
        network, title="Forum d'été", starts_at=paris(next_date(7)), ends_at=paris(next_date(7), 17)
    )
    january = make_event(
        network, title="Vœux", starts_at=paris(next_date(1)), ends_at=paris(next_date(1), 17)
    )
    response = fetch(client, "/evenements.ics")
    events = by_uid(parse(response))
    summer, winter = events[f"event-{july.id}@relais.test"], events[f"event-{january.id}@relais.test"]
    assert summer["DTSTART"].dt.utcoffset() == timedelta(hours=2)
    assert winter["DTSTART"].dt.utcoffset() == timedelta(hours=1)
    assert summer["DTSTART"].dt.hour == winter["DTSTART"].dt.hour == 14
    # vobject reads the hours through our own VTIMEZONE, not through tzdata.
    checked = {str(e.uid.value): e for e in vobject.readOne(response.get_data(as_text=True)).vevent_list}
    assert checked[f"event-{july.id}@relais.test"].dtstart.value.isoformat().endswith("T14:00:00+02:00")
    assert checked[f"event-{january.id}@relais.test"].dtstart.value.isoformat().endswith("T14:00:00+01:00")


def test_vtimezone_rules_match_tzdata_for_forty_years():
    wrapper = icalendar.Calendar()
    wrapper.add_component(feeds.paris_timezone())
    text = wrapper.to_ical().decode()
    assert (
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text and "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in text
    )
    # dateutil reads VTIMEZONE rules but knows no X- property.
    ours = dateutil_tz.tzical(StringIO(text.replace("X-LIC-LOCATION:Europe/Paris\r\n", ""))).get(
        "Europe/Paris"
    )
    for year in range(1997, 2038):
        moments = [datetime(year, month, day, 12, tzinfo=UTC) for month in range(1, 13) for day in (1, 15)]
        for month in (3, 10):  # every hour of the last eight days of the month
            moments += [datetime(year, month, 24, tzinfo=UTC) + timedelta(hours=n) for n in range(8 * 24)]
        for moment in moments:
            assert moment.astimezone(ours).utcoffset() == moment.astimezone(PARIS).utcoffset(), moment


def test_all_day_event_has_dates_and_an_exclusive_end(network, client):
    day = next_date(5, 20)
    event = make_event(
        network, all_day=True, starts_at=paris(day, 0), ends_at=paris(day + timedelta(days=1), 23)
    )
    vevent = by_uid(parse(fetch(client, f"/evenement/{event.id}.ics")))[f"event-{event.id}@relais.test"]
    assert vevent["DTSTART"].params["VALUE"] == "DATE" and vevent["DTSTART"].dt == day
    assert vevent["DTEND"].dt == day + timedelta(days=2)  # a two-day event ends the morning after


# -- permanences ----------------------------------------------------------------


def test_holidays_and_closures_are_excluded(network, client):
    wednesday = make_permanence(network)  # from Wednesday 2 September 2026
    friday = make_permanence(
        network, title="Permanence du vendredi", weekdays="FR", valid_to=date(2027, 1, 31)
    )
    Closure.create(
        permanence=wednesday,
        start_date=date(2026, 12, 21),
        end_date=date(2027, 1, 3),
        reason="Congés d'hiver",
    )
    response = fetch(client, "/permanences.ics")
    assert "EXDATE;TZID=Europe/Paris:" in response.get_data(as_text=True)
    occurrences = expand(parse(response), date(2026, 11, 1), date(2027, 1, 31))
    days = {(str(o["UID"]).split("@")[0], o["DTSTART"].dt.date()) for o in occurrences}
    we, fr = f"permanence-{wednesday.id}", f"permanence-{friday.id}"
    assert (we, date(2026, 11, 18)) in days and (fr, date(2026, 11, 20)) in days
    assert (we, date(2026, 11, 11)) not in days  # Armistice, a Wednesday
    assert (fr, date(2026, 12, 25)) not in days and (fr, date(2027, 1, 1)) not in days  # Fridays
    assert (fr, date(2026, 12, 18)) in days
    assert not {(we, day) for day in (date(2026, 12, 23), date(2026, 12, 30))} & days  # closed
    assert (we, date(2027, 1, 6)) in days


def test_a_weekly_permanence_keeps_its_local_hour_across_the_clock_change(network, client):
    make_permanence(network, weekdays="TU", valid_from=date(2026, 10, 1), valid_to=date(2027, 4, 30))
    occurrences = expand(parse(fetch(client, "/permanences.ics")), date(2026, 10, 13), date(2026, 11, 4))
    starts = {o["DTSTART"].dt.date(): o["DTSTART"].dt for o in occurrences}
    assert sorted(starts) == [date(2026, 10, 13), date(2026, 10, 20), date(2026, 10, 27), date(2026, 11, 3)]
    assert {start.hour for start in starts.values()} == {14}  # last Sunday of October: 25th
    assert starts[date(2026, 10, 20)].astimezone(UTC).hour == 12
    assert starts[date(2026, 10, 27)].astimezone(UTC).hour == 13
    spring = expand(parse(fetch(client, "/permanences.ics")), date(2027, 3, 23), date(2027, 3, 31))
    spring = sorted(o["DTSTART"].dt for o in spring)
    assert [(start.hour, start.astimezone(UTC).hour) for start in spring] == [(14, 13), (14, 12)]


@pytest.mark.parametrize(
    "fields",
    [
        {
            "weekdays": "MO,TH",
            "every_n_weeks": 2,
            "valid_from": date(2026, 9, 2),
            "valid_to": date(2027, 6, 30),
        },
        {"weekdays": "TU", "recurrence": "monthly", "month_week": 2, "valid_to": date(2028, 6, 30)},
        {"weekdays": "FR", "recurrence": "monthly", "month_week": -1, "valid_to": date(2027, 12, 31)},
        {"weekdays": "MO,WE", "valid_from": date(2026, 8, 30), "valid_to": date(2027, 7, 10)},
    ],
)
def test_feed_and_site_agree_on_every_date(network, client, fields):
    permanence = make_permanence(network, **fields)
    Closure.create(permanence=permanence, start_date=date(2027, 2, 8), end_date=date(2027, 2, 19))
    start, end = permanence.valid_from, permanence.valid_to
    site = [day for day, closed in schedule.occurrences(permanence, start, end) if closed is None]
    occurrences = expand(parse(fetch(client, "/permanences.ics")), start, end + timedelta(days=1))
    assert [o["DTSTART"].dt.date() for o in occurrences] == site
    assert {(o["DTSTART"].dt.time(), o["DTEND"].dt.time()) for o in occurrences} == {(time(14), time(16))}
    rule = parse(fetch(client, "/permanences.ics")).events[0]["RRULE"]
    assert rule["UNTIL"][0].tzinfo is not None and rule["UNTIL"][0].utcoffset() == timedelta(0)


def test_alsace_moselle_has_its_own_holidays(network, client):
    metz = Place.create(name="Centre social de Metz", postcode="57000", commune="Metz")
    good_friday = date(2026, 4, 3)
    for place in (network.place, metz):
        make_permanence(
            network, place=place, weekdays="FR", valid_from=date(2026, 3, 1), valid_to=date(2026, 4, 30)
        )
    occurrences = expand(
        parse(fetch(client, "/permanences.ics")), good_friday, good_friday + timedelta(days=1)
    )
    assert [str(o["LOCATION"]).split(",")[0] for o in occurrences] == ["Maison de quartier"]


def test_unpublished_partners_permanences_are_not_published(network, client):
    pending = Partner.create(name="Association en attente", slug="attente", status="pending")
    shown = make_permanence(network, partner=network.partner)
    make_permanence(network, partner=pending, title="Permanence cachée")
    team = make_permanence(network, title="Permanence des médiateurs")
    uids = set(by_uid(parse(fetch(client, "/permanences.ics"))))
    assert uids == {f"permanence-{shown.id}@relais.test", f"permanence-{team.id}@relais.test"}
    assert fetch(client, "/partenaire/attente.ics").status_code == 404
    vevent = by_uid(parse(fetch(client, "/partenaire/caf.ics")))[f"permanence-{shown.id}@relais.test"]
    assert str(vevent["SUMMARY"]) == "Permanence sociale — CAF de l'Aude"
    assert vevent["CATEGORIES"].cats == ["Permanence"]
    assert str(vevent["URL"]) == "http://relais.test/permanences/viguier/"


# -- scopes ----------------------------------------------------------------------


def test_each_feed_holds_its_own_events(network, client):
    other = Sector.create(name="Ozanam", slug="ozanam")
    forum = make_event(network, kind="job_fair", title="Forum emploi", organiser=network.partner)
    cafe = make_event(network, kind="outreach", title="Café", sector=other)
    joined = make_event(network, kind="other", title="Fête de quartier", sector=other)
    EventPartner.create(event=joined, partner=network.partner)
    old = make_event(
        network,
        title="Il y a un an",
        starts_at=paris(date.today() - timedelta(days=400)),
        ends_at=paris(date.today() - timedelta(days=400), 17),
    )
    permanence = make_permanence(network, partner=network.partner)

    def uids(path):
        return {uid.split("@")[0] for uid in by_uid(parse(fetch(client, path)))}

    assert uids("/evenements.ics") == {f"event-{e.id}" for e in (forum, cafe, joined)}  # not a year old
    assert uids("/type/forum-emploi.ics") == {f"event-{forum.id}"}
    assert uids("/secteur/viguier.ics") == {f"event-{forum.id}", f"permanence-{permanence.id}"}
    assert uids("/secteur/ozanam.ics") == {f"event-{cafe.id}", f"event-{joined.id}"}
    assert uids("/partenaire/caf.ics") == {
        f"event-{forum.id}",
        f"event-{joined.id}",
        f"permanence-{permanence.id}",
    }
    assert uids(f"/evenement/{old.id}.ics") == {f"event-{old.id}"}  # a single event has no window
    single = parse(fetch(client, f"/evenement/{forum.id}.ics"))
    assert str(single["METHOD"]) == "PUBLISH" and str(single["NAME"]) == "Relais — Forum emploi"


@pytest.mark.parametrize(
    "path",
    [
        "/type/inconnu.ics",
        "/secteur/inconnu.ics",
        "/partenaire/inconnu.ics",
        "/evenement/999999.ics",
        "/evenement/abc.ics",
    ],
)
def test_unknown_feeds_are_404(network, client, path):
    assert fetch(client, path).status_code == 404


# -- UID and SEQUENCE -----------------------------------------------------------


def reschedule(event, **changes):
    """An edit users must see: the model raises SEQUENCE by itself."""
    for name, value in changes.items():
        setattr(event, name, value)
    event.save()


def test_uid_is_stable_and_sequence_follows_edits_and_cancellation(network, client):
    event = make_event(network)
    uid = f"event-{event.id}@relais.test"
    path = f"/evenement/{event.id}.ics"
    first = by_uid(parse(fetch(client, path)))[uid]
    assert first["SEQUENCE"] == 0 and first["STATUS"] == "CONFIRMED"
    assert first["DTSTAMP"].dt == first["LAST-MODIFIED"].dt == event.updated_at.replace(microsecond=0)

    event.description = "Ordre du jour précisé."  # not a change of date, place or status
    event.save()
    edited = by_uid(parse(fetch(client, path)))[uid]
    assert edited["SEQUENCE"] == 0 and str(edited["DESCRIPTION"]).startswith("Ordre du jour")
    assert edited["LAST-MODIFIED"].dt >= first["LAST-MODIFIED"].dt

    reschedule(event, starts_at=event.starts_at + timedelta(hours=1))
    moved = by_uid(parse(fetch(client, path)))[uid]
    assert moved["SEQUENCE"] == 1 and moved["DTSTART"].dt.hour == 15

    reschedule(event, status="cancelled")
    for feed in (path, "/evenements.ics", "/secteur/viguier.ics"):
        cancelled = by_uid(parse(fetch(client, feed)))[uid]  # still there, under the same UID
        assert cancelled["SEQUENCE"] == 2 and cancelled["STATUS"] == "CANCELLED"
        assert str(cancelled["SUMMARY"]) == "ANNULÉ — Rencontre santé mentale"


def test_permanence_uid_sequence_and_last_modified(network, client):
    permanence = make_permanence(network, partner=network.partner, sequence=3)
    vevent = by_uid(parse(fetch(client, "/permanences.ics")))[f"permanence-{permanence.id}@relais.test"]
    assert vevent["SEQUENCE"] == 3
    newest = max(permanence.updated_at, network.partner.updated_at).replace(microsecond=0)
    assert vevent["LAST-MODIFIED"].dt == vevent["DTSTAMP"].dt == newest


# -- injection -------------------------------------------------------------------

CLEAN_INJECTION = INJECTION.replace("\r\n", "\n")


def inject_event(network, field):
    target = network.place if field.startswith("place.") else None
    if target is not None:
        setattr(target, field.split(".")[1], INJECTION)
        target.save()
        return f"/evenement/{make_event(network).id}.ics"
    return f"/evenement/{make_event(network, **{field: INJECTION}).id}.ics"


def inject_permanence(network, field):
    kind, name = field.split(".")
    if kind == "permanence":
        make_permanence(network, partner=network.partner, **{name: INJECTION})
    else:
        permanence = make_permanence(network, partner=network.partner)
        if kind == "closure":
            Closure.create(
                permanence=permanence,
                start_date=date(2026, 9, 9),
                end_date=date(2026, 9, 9),
                reason=INJECTION,
            )
        else:
            target = {"partner": network.partner, "sector": network.sector}[kind]
            setattr(target, name, INJECTION)
            target.save()
    return "/secteur/viguier.ics"


@pytest.mark.parametrize(
    "field", ["title", "description", "place.name", "place.address", "place.commune", "place.accessibility"]
)
def test_event_text_cannot_inject(network, client, field):
    check_injection(fetch(client, inject_event(network, field)))


@pytest.mark.parametrize(
    "field", ["permanence.title", "permanence.notes", "partner.name", "sector.name", "closure.reason"]
)
def test_permanence_text_cannot_inject(network, client, field):
    check_injection(fetch(client, inject_permanence(network, field)))


def check_injection(response):
    calendar = parse(response)
    lines = response.data.split(b"\r\n")
    assert len(calendar.events) == 1 and lines.count(b"BEGIN:VEVENT") == lines.count(b"END:VEVENT") == 1
    (vevent,) = calendar.events
    assert "X-EVIL" not in vevent and "X-EVIL" not in calendar
    texts = [str(vevent[name]) for name in ("SUMMARY", "DESCRIPTION", "LOCATION") if name in vevent]
    # icalendar 7 does not unescape the calendar's NAME; vobject does.
    texts += [vobject.readOne(response.get_data(as_text=True)).contents["name"][0].value]
    assert any(CLEAN_INJECTION in text for text in texts), texts
    assert str(vevent["SUMMARY"]) != "piégé"


def test_control_characters_are_removed():
    assert feeds.clean("a\x00b\x0bc\x1fd\r\ne\tf") == "abcd\ne\tf"


# -- HTTP ---------------------------------------------------------------------------


def test_headers(network, client):
    make_event(network)
    response = fetch(client, "/evenements.ics")
    assert response.headers["Cache-Control"] in ("public, max-age=900", "max-age=900, public")
    assert response.headers["Content-Disposition"] == 'inline; filename="evenements.ics"'
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/"), "a strong ETag"
    assert response.headers["Last-Modified"]
    assert client.head(FEEDS + "/evenements.ics").headers["ETag"] == etag


def test_304_on_if_none_match_and_if_modified_since(network, client):
    make_event(network)
    first = fetch(client, "/evenements.ics")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    by_tag = fetch(client, "/evenements.ics", **{"If-None-Match": etag})
    assert by_tag.status_code == 304 and by_tag.data == b"" and by_tag.headers["ETag"] == etag
    by_date = fetch(client, "/evenements.ics", **{"If-Modified-Since": modified})
    assert by_date.status_code == 304 and by_date.data == b""
    older = fetch(client, "/evenements.ics", **{"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})
    assert older.status_code == 200
    # A stale tag wins over a recent date: the client's copy is not this one.
    mixed = fetch(client, "/evenements.ics", **{"If-None-Match": '"autre"', "If-Modified-Since": modified})
    assert mixed.status_code == 200


def test_304_does_not_build_the_calendar(network, client, monkeypatch):
    make_event(network)
    etag = fetch(client, "/evenements.ics").headers["ETag"]

    def fail(*args):
        raise AssertionError("built again although nothing changed")

    monkeypatch.setattr(feeds, "build", fail)
    assert fetch(client, "/evenements.ics", **{"If-None-Match": etag}).status_code == 304
    assert fetch(client, "/evenements.ics").status_code == 200  # from this worker's cache


def test_a_checked_stamp_is_trusted_for_a_few_seconds(app, network, client, monkeypatch):
    event = make_event(network)
    app.config["FEEDS_STAMP_SECONDS"] = 60  # production default: feeds.STAMP_SECONDS
    etag = fetch(client, "/evenements.ics").headers["ETag"]
    event.title = "Nouveau titre"
    event.save()

    def no_query(*args):
        raise AssertionError("the stamp was read again")

    monkeypatch.setattr(feeds, "events_stamp", no_query)
    assert fetch(client, "/evenements.ics", **{"If-None-Match": etag}).status_code == 304
    monkeypatch.undo()
    app.config["FEEDS_STAMP_SECONDS"] = 0
    assert "Nouveau titre" in fetch(client, "/evenements.ics", **{"If-None-Match": etag}).get_data(
        as_text=True
    )


def test_an_edit_gives_a_new_etag_and_last_modified_never_goes_back(network, client):
    event = make_event(network)
    first = fetch(client, "/evenements.ics")
    reschedule(event, place=Place.create(name="Gymnase des Platanes"))
    second = fetch(client, "/evenements.ics", **{"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    assert second.last_modified >= first.last_modified
    assert "Gymnase des Platanes" in second.get_data(as_text=True)


def test_last_modified_does_not_go_back_when_an_event_ages_out(network, client, monkeypatch):
    make_event(network, title="À venir")
    ending = make_event(
        network,
        title="Bientôt ancien",
        starts_at=paris(date.today() - timedelta(days=20)),
        ends_at=paris(date.today() - timedelta(days=20), 17),
    )  # updated last
    before = fetch(client, "/evenements.ics")
    monkeypatch.setattr(feeds, "PAST", timedelta(days=10))  # time passes: it leaves the window
    after = fetch(client, "/evenements.ics", **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and f"event-{ending.id}@" not in after.get_data(as_text=True)
    assert after.last_modified >= before.last_modified


def test_permanence_feed_changes_with_a_closure(network, client):
    permanence = make_permanence(network)
    first = fetch(client, "/permanences.ics")
    Closure.create(permanence=permanence, start_date=date(2026, 9, 9), end_date=date(2026, 9, 9))
    second = fetch(client, "/permanences.ics", **{"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    occurrences = expand(parse(second), date(2026, 9, 1), date(2026, 9, 20))
    assert [o["DTSTART"].dt.day for o in occurrences] == [2, 16]


def test_a_changed_occurrence_is_a_recurrence_id_override(network, client):
    permanence = make_permanence(
        network, partner=network.partner
    )  # Wednesdays 14 h–16 h from 2 September 2026
    centre = Place.create(
        name="Centre social Jean Moulin", address="3 rue Lamartine", postcode="11000", commune="Carcassonne"
    )
    OccurrenceChange.create(
        permanence=permanence,
        day=date(2026, 12, 9),
        opens_at=time(9),
        closes_at=time(11),
        place=centre,
        note="Travaux à la Maison de quartier.",
    )
    OccurrenceChange.create(
        permanence=permanence, day=date(2026, 12, 2), opens_at=time(15), closes_at=time(17)
    )
    # Closed days stay closed: a closure, a public holiday, a day it never happens.
    Closure.create(permanence=permanence, start_date=date(2026, 12, 16), end_date=date(2026, 12, 16))
    for day in (date(2026, 12, 16), date(2026, 11, 11), date(2026, 12, 10)):
        OccurrenceChange.create(permanence=permanence, day=day, opens_at=time(9), closes_at=time(10))
    permanence = Permanence.get_by_id(permanence.id)
    assert permanence.sequence == 6  # every change and the closure raised it
    response = fetch(client, "/permanences.ics")
    text = response.get_data(as_text=True)
    assert "RECURRENCE-ID;TZID=Europe/Paris:20261209T140000" in text
    assert "DTSTART;TZID=Europe/Paris:20261209T090000" in text
    calendar = parse(response)
    uid = f"permanence-{permanence.id}@relais.test"
    assert [str(vevent["UID"]) for vevent in calendar.events] == [uid] * 3
    master, *overrides = calendar.events
    assert "RECURRENCE-ID" not in master
    assert [vevent["RECURRENCE-ID"].dt for vevent in overrides] == [
        datetime(2026, 12, 2, 14, tzinfo=PARIS),
        datetime(2026, 12, 9, 14, tzinfo=PARIS),
    ]
    moved = overrides[1]
    assert moved["SEQUENCE"] == master["SEQUENCE"] == 6
    assert str(moved["SUMMARY"]) == str(master["SUMMARY"]) == "Permanence sociale — CAF de l'Aude"
    assert str(moved["LOCATION"]) == "Centre social Jean Moulin, 3 rue Lamartine, 11000 Carcassonne"
    assert str(overrides[0]["LOCATION"]) == str(master["LOCATION"])  # no new place: the usual one
    assert "Exceptionnellement ce jour-là : 9 h–11 h à Centre social Jean Moulin." in str(
        moved["DESCRIPTION"]
    )
    assert "Travaux à la Maison de quartier." in str(moved["DESCRIPTION"])
    occurrences = expand(calendar, date(2026, 11, 1), date(2027, 1, 1))
    hours = {o["DTSTART"].dt.date(): (o["DTSTART"].dt.time(), o["DTEND"].dt.time()) for o in occurrences}
    assert len(hours) == len(occurrences)
    assert hours.pop(date(2026, 12, 9)) == (time(9), time(11))
    assert hours.pop(date(2026, 12, 2)) == (time(15), time(17))
    assert (
        date(2026, 12, 16) not in hours
        and date(2026, 11, 11) not in hours
        and date(2026, 12, 10) not in hours
    )
    assert sorted(hours) == [
        date(2026, 11, 4),
        date(2026, 11, 18),
        date(2026, 11, 25),
        date(2026, 12, 23),
        date(2026, 12, 30),
    ]
    assert set(hours.values()) == {(time(14), time(16))}
    OccurrenceChange.get(OccurrenceChange.day == date(2026, 12, 9)).delete_instance()
    again = expand(parse(fetch(client, "/permanences.ics")), date(2026, 12, 9), date(2026, 12, 10))
    assert [(o["DTSTART"].dt.hour, o["DTEND"].dt.hour) for o in again] == [(14, 16)]
    assert Permanence.get_by_id(permanence.id).sequence == 7


def test_the_sector_page_shows_exceptional_hours(network):
    from portal.site.sitegen import SiteData

    permanence = make_permanence(network)
    centre = Place.create(name="Centre social", address="3 rue Lamartine", commune="Carcassonne")
    OccurrenceChange.create(
        permanence=permanence,
        day=date(2026, 12, 9),
        opens_at=time(9),
        closes_at=time(11),
        place=centre,
        note="Travaux",
    )
    OccurrenceChange.create(permanence=permanence, day=date(2027, 3, 3), opens_at=time(9), closes_at=time(11))
    OccurrenceChange.create(permanence=permanence, day=date(2027, 5, 5), opens_at=time(9), closes_at=time(11))
    Closure.create(permanence=permanence, start_date=date(2026, 12, 16), end_date=date(2026, 12, 16))
    OccurrenceChange.create(
        permanence=permanence, day=date(2026, 12, 16), opens_at=time(9), closes_at=time(11)
    )
    data = SiteData.load(date(2026, 12, 1))
    [page] = [p for p in data.pages("https://relais.test") if p.path == "permanences/viguier/"]
    text = " ".join(page.body().split())
    assert (
        "Horaires exceptionnels : mercredi 9 décembre 2026, 9 h–11 h (Centre social, 3 rue Lamartine, "
        "Carcassonne) — Travaux ; mercredi 3 mars 2027, 9 h–11 h." in text
    )
    assert "16 décembre 2026, 9 h" not in text and "mai 2027" not in text  # closed; beyond 120 days
    # (March 2027 is within the 120 days of the listed dates: issue 14, item 18.)


def test_feeds_on_sqlite_and_postgresql(any_app):
    sector = Sector.create(name="Viguier", slug="viguier")
    place = Place.create(name="Maison de quartier", postcode="11000", sector=sector)
    partner = Partner.create(name="CAF", slug="caf", status="published")
    network = SimpleNamespace(sector=sector, place=place, partner=partner)
    event = make_event(network, organiser=partner)
    make_permanence(network, partner=partner)
    make_permanence(network, partner=Partner.create(name="En attente", slug="attente"))
    client = any_app.test_client()
    paths = [
        "/evenements.ics",
        "/type/rencontre.ics",
        "/secteur/viguier.ics",
        "/partenaire/caf.ics",
        "/permanences.ics",
        f"/evenement/{event.id}.ics",
    ]
    # The pending partner's permanence is in no feed.
    counts = {"/secteur/viguier.ics": 2, "/partenaire/caf.ics": 2}
    tags = {}
    for path in paths:
        response = fetch(client, path)
        assert len(parse(response).events) == counts.get(path, 1), path
        tags[path] = response.headers["ETag"]
        assert fetch(client, path, **{"If-None-Match": tags[path]}).status_code == 304
    reschedule(event, status="cancelled")
    for path in paths:
        changed = fetch(client, path, **{"If-None-Match": tags[path]})
        assert changed.status_code == (304 if path == "/permanences.ics" else 200)


# -- the page that lists the feeds ------------------------------------------------


def test_the_page_lists_every_feed_twice(demo, client):
    response = client.get(FEEDS + "/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    with demo.app_context():
        paths = ["calendrier/evenements.ics", "calendrier/permanences.ics"]
        paths += [f"calendrier/type/{slug}.ics" for slug in KIND_SLUGS]
        paths += [f"calendrier/secteur/{sector.slug}.ics" for sector in Sector.select()]
        paths += [f"calendrier/partenaire/{partner.slug}.ics" for partner in Partner.published()]
    for path in paths:
        assert f'href="webcal://relais.test/portail/{path}"' in html, path
        assert f'href="http://relais.test/portail/{path}"' in html, path
    assert "les-fils-d-ariane" not in html  # waiting for moderation: no feed
    for words in (
        "Comment s'abonner",
        "Google Agenda",
        "iPhone",
        "Thunderbird",
        "Outlook",
        "Ajouter à mon agenda",
    ):
        assert words in html, words
    assert "<script" not in html and "style=" not in html  # the portal's CSP forbids inline code


@pytest.mark.browser
def test_add_an_event_to_my_calendar_in_the_browser(live_server, page):
    from tests.a11y import violations

    page.goto(live_server["url"] + "/portail/calendrier/")
    assert page.locator("h1").inner_text() == "Suivre l'agenda dans votre calendrier"
    assert violations(page) == []
    link = page.get_by_role("link", name="Ajouter à mon agenda").first
    href = link.get_attribute("href")
    assert href.endswith(".ics") and "/portail/calendrier/evenement/" in href
    path = href.split("/portail/", 1)[1]
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.startswith("evenement-")
    with open(download.path(), "rb") as handle:
        data = handle.read()
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and b"BEGIN:VEVENT" in data
    answer = page.request.get(live_server["url"] + "/portail/" + path)
    assert answer.status == 200 and answer.headers["content-type"] == "text/calendar; charset=utf-8"
    icalendar.Calendar.from_ical(answer.body())


# -- calendar details found by an outside test (issue 14) -------------------------


def test_a_single_event_file_names_its_organizer(app, network, client):
    """METHOD:PUBLISH asks for an ORGANIZER in each VEVENT (RFC 5546, 3.2.1):
    the team's address, by default the sender of the portal's emails."""
    event = make_event(network)
    single = parse(fetch(client, f"/evenement/{event.id}.ics"))
    [vevent] = single.events
    assert str(single["METHOD"]) == "PUBLISH"
    assert str(vevent["ORGANIZER"]) == "mailto:ne-pas-repondre@relais.localhost"
    assert vevent["ORGANIZER"].params["CN"] == "Relais"
    # Subscriptions are no scheduling message: no ORGANIZER there.
    assert "ORGANIZER" not in fetch(client, "/evenements.ics").get_data(as_text=True)
    app.config["ORGANIZER_EMAIL"] = "mediation@bailleur.example"
    app.extensions.pop("relais_feeds")
    [vevent] = parse(fetch(client, f"/evenement/{event.id}.ics")).events
    assert str(vevent["ORGANIZER"]) == "mailto:mediation@bailleur.example"
    assert "CN" not in vevent["ORGANIZER"].params


@pytest.mark.parametrize("path", ["/type/aller-vers.ics", "/secteur/viguier.ics", "/permanences.ics"])
def test_a_feed_without_events_has_a_last_modified(network, client, path):
    first = fetch(client, path)
    assert parse(first).events == []
    assert first.last_modified is not None
    again = fetch(client, path, **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert again.status_code == 304


def test_the_development_server_sends_one_date_header(app, network, tmp_path):
    """make_conditional() adds a Date and Werkzeug's server adds its own: on the
    feeds, and on the static site's files served by `relais run`."""
    import http.client
    import threading

    from werkzeug.serving import make_server

    make_event(network)
    (tmp_path / "index.html").write_text("<!doctype html><title>Relais</title>", encoding="utf-8")
    app.config["SITE_DIR"] = str(tmp_path)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        for path in (FEEDS + "/evenements.ics", FEEDS + "/permanences.ics", "/", "/index.html"):
            connection.request("GET", path)
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200
            assert len(answer.msg.get_all("Date")) == 1, path
        connection.close()
    finally:
        server.shutdown()
        thread.join()


EXTREMES = [
    # (first day, last day, all day): what a form once accepted, or a hand edit stores
    (date(9999, 12, 31), date(9999, 12, 31), True),
    (date(9999, 12, 30), date(9999, 12, 31), False),
    (date(1, 1, 1), date(1, 1, 2), True),
    (date(1900, 1, 1), date(1900, 1, 1), False),
]


@pytest.mark.parametrize("first, last, all_day", EXTREMES)
def test_an_extreme_stored_date_breaks_no_feed(network, client, first, last, all_day):
    """The event is written straight to the database, as a hand edit or an old
    form would have; every feed that may hold it still answers and parses."""
    event = make_event(
        network,
        kind="job_fair",
        organiser=network.partner,
        all_day=all_day,
        starts_at=datetime.combine(first, time(0 if all_day else 23, 30), tzinfo=UTC),
        ends_at=datetime.combine(last, time(23, 59 if all_day else 45), tzinfo=UTC),
    )
    make_event(network, title="Un événement ordinaire")
    upcoming = first.year == 9999  # the others are too old for the subscriptions
    for path in (
        "/evenements.ics",
        "/type/forum-emploi.ics",
        "/secteur/viguier.ics",
        "/partenaire/caf.ics",
        f"/evenement/{event.id}.ics",
    ):
        uids = by_uid(parse(fetch(client, path)))
        assert (f"event-{event.id}@relais.test" in uids) == (upcoming or path.startswith("/evenement/")), path
    single = parse(fetch(client, f"/evenement/{event.id}.ics")).events[0]
    assert single["DTSTART"].dt.year == first.year
    page = client.get(FEEDS + "/")
    assert page.status_code == 200


def test_an_extreme_permanence_breaks_no_feed(network, client):
    for valid_from, valid_to in ((date(1, 1, 1), None), (date(2026, 9, 2), date(9999, 12, 31))):
        make_permanence(network, valid_from=valid_from, valid_to=valid_to)
    calendar = parse(fetch(client, "/permanences.ics"))
    assert len(calendar.events) == 2
    assert parse(fetch(client, "/secteur/viguier.ics")).events
