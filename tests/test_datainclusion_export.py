"""The directory as data·inclusion v1: every record validates, permanences are
services whose OSM hours open exactly when the calendar feed says."""

import csv
import io
import json
import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import opening_hours
import pytest
import recurring_ical_events
from data_inclusion.schema import v1

from portal.demo import load_demo
from portal.services.datainclusion.export import default_source
from portal.store.models.partners import Partner, PartnerSector, PartnerTheme
from portal.store.models.places import Place, Sector, Theme
from portal.store.models.schedule import Closure, OccurrenceChange, Permanence
from portal.store.models.vocab import PARTNER_TYPES

PARIS = ZoneInfo("Europe/Paris")
WEEKS = 10


@pytest.fixture
def demo(app):
    with app.app_context():
        load_demo()


def download(client):
    structures = client.get("/portail/export/structures.json").get_json()
    services = client.get("/portail/export/services.json").get_json()
    return structures, services


def assert_all_valid(structures, services):
    """Every record validates against the official models; nothing is ""; ids are unique
    and every service points to an exported structure."""
    for record in structures:
        v1.Structure.model_validate(record)
    for record in services:
        v1.Service.model_validate(record)
    for record in structures + services:
        assert all(value not in ("", None, []) for value in record.values()), record
    ids = [r["id"] for r in structures] + [r["id"] for r in services]
    assert len(ids) == len(set(ids))
    structure_ids = {r["id"] for r in structures}
    assert {r["structure_id"] for r in services} <= structure_ids
    for record in services:
        if "horaires_accueil" in record:
            hours = record["horaires_accueil"]
            assert opening_hours.validate(hours), hours
            assert opening_hours.OpeningHours(hours, country="FR").warnings == [], hours


def test_demo_export_is_entirely_valid(client, demo, app):
    structures, services = download(client)
    assert_all_valid(structures, services)
    with app.app_context():
        assert len(structures) == Partner.published().count() + 1  # + the team's own structure
        permanences = Permanence.select().where(~Permanence.draft).count()
    assert sum("--permanence-" in r["id"] for r in services) == permanences
    assert all(r["source"] == "relais-test" and r["id"].startswith("relais-test--") for r in structures)
    regie = next(r for r in structures if r["nom"] == "Régie de quartiers du Carcassonnais")
    assert regie["lien_source"] == "http://relais.test/partenaires/regie-de-quartiers-du-carcassonnais/"
    assert regie["telephone"].startswith("+33") and regie["date_maj"] <= date.today().isoformat()
    for record in services:
        assert all("--" in code for code in record.get("thematiques", []))  # never a bare category
    # Every demo permanence is in Carcassonne: its commune's code, not its postcode.
    assert {r["code_insee"] for r in services if "--permanence-" in r["id"]} == {"11069"}


def test_relais_only_data_stays_out(client, demo, app):
    with app.app_context():
        Partner.update(contact_name="Mme Privée", contact_email="prive@example.org").execute()
        hidden = Partner.create(name="Structure en attente", slug="en-attente", status="pending")
    structures, services = download(client)
    body = json.dumps([structures, services], ensure_ascii=False)
    for private in ("Mme Privée", "prive@example.org", "Structure en attente"):
        assert private not in body
    keys = {key for record in structures + services for key in record}
    assert keys <= set(v1.Structure.model_fields) | set(v1.Service.model_fields)
    extension = client.get("/portail/export/relais-extension.json").get_json()
    assert f"relais-test--partenaire-{hidden.id}" not in extension
    kinds = {entry["type"] for entry in extension.values()}
    assert kinds <= set(PARTNER_TYPES) and all(isinstance(e["secteurs"], list) for e in extension.values())


def test_a_partners_themes_without_permanence_become_a_service(client, app):
    with app.app_context():
        partner = Partner.create(name="Épicerie solidaire", slug="epicerie", status="published")
        for slug in ("equipement-et-alimentation", "equipement-et-alimentation--alimentation"):
            PartnerTheme.create(partner=partner, theme=Theme.get(Theme.slug == slug))
        Partner.create(name="Sans thème", slug="sans-theme", status="published")
    structures, services = download(client)
    assert_all_valid(structures, services)
    assert len(structures) == 2
    (service,) = services
    assert service["structure_id"] == f"relais-test--partenaire-{partner.id}"
    assert service["thematiques"] == ["equipement-et-alimentation--alimentation"]
    assert service["description"] == "Accompagnement proposé par Épicerie solidaire."


def test_the_source_comes_from_the_setting_or_the_base_url(app):
    assert default_source("https://mediation.example.org") == "relais-mediation-example-org"
    assert default_source("https://relais.regie.fr/") == "relais-regie-fr"
    assert default_source("http://127.0.0.1:8000") == "relais"
    assert default_source("https://x.org", "Régie Carcassonne") == "regie-carcassonne"
    from tests.conftest import make_app

    other = make_app(app.config["DATABASE_URL"], DATA_SOURCE="regie-carcassonne")
    with other.app_context():
        Partner.create(name="Point justice", slug="point-justice", status="published")
    (record,) = other.test_client().get("/portail/export/structures.json").get_json()
    assert record["source"] == "regie-carcassonne" and record["id"].startswith("regie-carcassonne--")


def test_old_addresses_redirect(client):
    for old, new in (("partenaires.json", "structures.json"), ("partenaires.csv", "structures.csv")):
        response = client.get(f"/portail/export/{old}")
        assert response.status_code == 301 and response.location.endswith(f"/portail/export/{new}")


def test_csv_is_excel_friendly_and_formula_safe(client, app):
    with app.app_context():
        partner = Partner.create(
            name='=HYPERLINK("http://x")',
            slug="evil",
            status="published",
            commune="@SUM(1)",
            summary="+cmd|' /C calc'!A0",
        )
        PartnerTheme.create(partner=partner, theme=Theme.get(Theme.slug == "famille--soutien-aidants"))
    for name in ("structures", "services"):
        response = client.get(f"/portail/export/{name}.csv")
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        body = response.get_data(as_text=True)
        assert body.startswith("\ufeffsource;")
        rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
        for row in rows[1:]:
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@")), cell
        assert "'=HYPERLINK" in body


def test_relais_export_writes_both_files(runner, demo, tmp_path):
    result = runner.invoke(args=["export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    structures = json.loads((tmp_path / "out" / "structures.json").read_text(encoding="utf-8"))
    services = json.loads((tmp_path / "out" / "services.json").read_text(encoding="utf-8"))
    assert_all_valid(structures, services)
    assert f"{len(structures)} structure(s) et {len(services)} service(s)" in result.output


def test_drafts_are_not_exported(client, demo, app):
    with app.app_context():
        permanence = Permanence.select().first()
        Permanence.update(draft=True).where(Permanence.id == permanence.id).execute()
    _, services = download(client)
    assert f"relais-test--permanence-{permanence.id}" not in {r["id"] for r in services}


# -- opening hours against the calendar feed --------------------------------------


def feed_openings(body, start, end):
    """{permanence id: {(date, opens, closes)}} as a calendar app expands the feed."""
    calendar = icalendar.Calendar.from_ical(body)
    result = {}
    for event in recurring_ical_events.of(calendar).between(start, end):
        uid = str(event["UID"])
        number = int(uid.split("@")[0].removeprefix("permanence-"))
        begin, finish = event["DTSTART"].dt.astimezone(PARIS), event["DTEND"].dt.astimezone(PARIS)
        result.setdefault(number, set()).add((begin.date(), begin.time(), finish.time()))
    return result


def osm_openings(hours, start, end):
    parsed = opening_hours.OpeningHours(hours, country="FR")
    return {
        (begin.date(), begin.time(), finish.time())
        for begin, finish, state, _ in parsed.intervals(start, end)
        if state == opening_hours.State.OPEN
    }


def test_opening_hours_open_exactly_when_the_feed_says(client, demo, app):
    today = datetime.now(PARIS).date()
    with app.app_context():
        permanences = list(Permanence.select())
        # Make sure a closure and a changed occurrence fall within the weeks compared.
        first = permanences[0]
        Closure.create(
            permanence=first, start_date=today + timedelta(days=7), end_date=today + timedelta(days=20)
        )
        for permanence in permanences[1:3]:
            from portal.services import schedule

            days = schedule.next_dates(permanence, today + timedelta(days=1), count=2)
            if days:
                OccurrenceChange.create(
                    permanence=permanence, day=days[-1], opens_at=time(7, 30), closes_at=time(8, 15)
                )
    _, services = download(client)
    start = datetime.combine(today + timedelta(days=1), time())
    end = start + timedelta(weeks=WEEKS)
    feed = feed_openings(
        client.get("/portail/calendrier/permanences.ics").data,
        start.replace(tzinfo=PARIS),
        end.replace(tzinfo=PARIS),
    )
    compared = 0
    for record in services:
        if "--permanence-" not in record["id"]:
            continue
        number = int(record["id"].rsplit("-", 1)[1])
        assert osm_openings(record["horaires_accueil"], start, end) == feed.get(number, set()), record["nom"]
        compared += len(feed.get(number, ()))
    assert compared > 20  # the comparison saw real occurrences, changed hours among them
    assert any(opens == time(7, 30) for openings in feed.values() for _, opens, _ in openings)


# -- a large generated directory ------------------------------------------------------


def generated_directory(count, seed=13):
    """``count`` published partners with varied, sometimes awkward, public fields,
    a third of them with permanences of every kind, closures and changes."""
    rng = random.Random(seed)
    sectors = [Sector.create(name=f"Secteur {n}", slug=f"secteur-{n}", position=n) for n in range(4)]
    places = [
        Place.create(
            name=f"Lieu {n}",
            address=f"{n} rue de la Paix",
            postcode=rng.choice(["11000", "67000", "97400", "20090", ""]),
            commune="Ville",
            sector=rng.choice(sectors),
        )
        for n in range(10)
    ]
    themes = list(Theme.select())
    names = [
        "É",
        "Asso « les amis »",
        "x" * 200,
        "=1+1",
        "Maison des solidarités",
        "Ab",
        "  Espaces  multiples ",
    ]
    sirets = [None, "35600000000048", "35600000012346", "41297350500271"]
    for n in range(count):
        partner = Partner.create(
            name=f"{rng.choice(names)} {n}"[:200],
            slug=f"p-{n}",
            status="published",
            kind=rng.choice(list(PARTNER_TYPES)),
            siret=rng.choice(sirets),
            address=rng.choice(["", "1 rue Haute"]),
            postcode=rng.choice(["", "11000", "01000"]),
            commune=rng.choice(["", "Carcassonne", "Saint-Étienne"]),
            phone=rng.choice(["", "04 65 71 22 33"]),
            email=rng.choice(["", "contact@example.org"]),
            website=rng.choice(["", "https://example.org", "http://exa mple.org"]),
            summary=rng.choice(["", "ok", "Accès au droit gratuit."]),
            description=rng.choice(["", "abc", "Une description. " * 50, "y" * 12_000]),
        )
        for theme in rng.sample(themes, rng.randint(0, 4)):
            PartnerTheme.create(partner=partner, theme=theme)
        PartnerSector.create(partner=partner, sector=rng.choice(sectors))
        if n % 3 == 0:
            monthly = rng.random() < 0.3
            permanence = Permanence.create(
                partner=partner,
                sector=rng.choice(sectors),
                place=rng.choice(places),
                title=rng.choice(["Permanence", "P", "z" * 160]),
                weekdays=",".join(rng.sample(["MO", "TU", "WE", "TH", "FR", "SA"], rng.randint(1, 2))),
                opens_at=time(rng.randint(8, 12)),
                closes_at=time(rng.randint(13, 18), rng.choice([0, 30])),
                recurrence="monthly" if monthly else "weekly",
                every_n_weeks=1 if monthly else rng.randint(1, 4),
                month_week=rng.choice([1, 2, 3, 4, -1]) if monthly else None,
                valid_from=date(2025, 1, 1) + timedelta(days=rng.randint(0, 900)),
                valid_to=rng.choice([None, date(2028, 6, 30)]),
            )
            if rng.random() < 0.5:
                day = date.today() + timedelta(days=rng.randint(0, 200))
                Closure.create(
                    permanence=permanence, start_date=day, end_date=day + timedelta(days=rng.randint(0, 15))
                )


def test_a_thousand_partners_export_entirely_valid(client, app):
    with app.app_context():
        generated_directory(1000)
    structures, services = download(client)
    assert len(structures) == 1000
    assert_all_valid(structures, services)
    assert sum("--permanence-" in r["id"] for r in services) == 334


def test_any_stored_closure_date_exports(app, client):
    """A closure stored up to the last day of year 9999 (by a script, an old
    version) neither breaks the export nor its opening hours."""
    from datetime import date

    from portal.store.models import Closure, Permanence

    with app.app_context():
        load_demo()
        permanence = Permanence.select().first()
        Closure.create(permanence=permanence, start_date=date(2099, 1, 1), end_date=date(9999, 12, 31))
        Closure.create(permanence=permanence, start_date=date(9999, 12, 30), end_date=date(9999, 12, 31))
    for url in ("/portail/export/services.json", "/portail/export/services.csv"):
        assert client.get(url).status_code == 200, url
