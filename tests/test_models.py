"""The database itself enforces the rules, on SQLite and on PostgreSQL."""

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from peewee import IntegrityError

from portal.store.db import db
from portal.store.models import Event, Partner, Permanence, Place, Sector, Theme, User, slugify


def test_duplicate_slug_is_refused(any_app):
    Sector.create(name="Viguier et Saint Jacques", slug="viguier")
    with pytest.raises(IntegrityError), db.atomic():
        Sector.create(name="Viguier (bis)", slug="viguier")
    assert Sector.select().count() == 1


@pytest.mark.parametrize(
    "model, fields",
    [
        (Partner, {"name": "X", "slug": "x", "status": "publie"}),
        (Partner, {"name": "X", "slug": "x", "kind": "secte"}),
        (Partner, {"name": "X", "slug": "x", "siret": "123"}),
        (Event, {"kind": "fete", "title": "X"}),
        (Event, {"kind": "partner_meeting", "title": "X", "status": "reporte"}),
    ],
)
def test_values_outside_the_vocabulary_are_refused(any_app, model, fields):
    if model is Event:
        start = datetime(2026, 12, 1, 13, tzinfo=UTC)
        fields = {"starts_at": start, "ends_at": start + timedelta(hours=2), **fields}
    with pytest.raises(IntegrityError), db.atomic():
        model.create(**fields)


def test_event_cannot_end_before_it_starts(any_app):
    start = datetime(2026, 12, 1, 13, tzinfo=UTC)
    with pytest.raises(IntegrityError), db.atomic():
        Event.create(kind="partner_meeting", title="X", starts_at=start, ends_at=start - timedelta(hours=1))


def test_partner_account_needs_a_partner(any_app):
    with pytest.raises(IntegrityError), db.atomic():
        User.register(email="p@relais.example", password="x" * 12, role="partner")
    with pytest.raises(IntegrityError), db.atomic():
        User.register(email="p@relais.example", password="x" * 12, role="superuser")


def test_permanence_rules(any_app):
    sector = Sector.create(name="Ozanam et Albignac", slug="ozanam")
    place = Place.create(name="Maison de quartier", sector=sector)
    base = dict(sector=sector, place=place, title="Permanence", weekdays="TU", valid_from=date(2026, 9, 1))
    with pytest.raises(IntegrityError), db.atomic():  # closes before it opens
        Permanence.create(**base, opens_at=time(16), closes_at=time(14))
    with pytest.raises(IntegrityError), db.atomic():  # monthly without "which week"
        Permanence.create(**base, opens_at=time(14), closes_at=time(16), recurrence="monthly")
    permanence = Permanence.create(
        **base, opens_at=time(14), closes_at=time(16, 30), recurrence="monthly", month_week=-1
    )
    assert Permanence.get_by_id(permanence.id).closes_at == time(16, 30)


def test_deleting_a_place_in_use_is_refused(any_app):
    sector = Sector.create(name="Grazailles et Fleming", slug="grazailles")
    place = Place.create(name="Local Fleming", sector=sector)
    Permanence.create(
        sector=sector,
        place=place,
        title="P",
        weekdays="MO",
        opens_at=time(9),
        closes_at=time(11),
        valid_from=date(2026, 1, 5),
    )
    with pytest.raises(IntegrityError), db.atomic():
        place.delete_instance()


def test_timestamps_are_timezone_aware(any_app):
    paris = timezone(timedelta(hours=2))
    start = datetime(2026, 7, 2, 14, 0, tzinfo=paris)
    event = Event.create(kind="outreach", title="Café", starts_at=start, ends_at=start + timedelta(hours=2))
    stored = Event.get_by_id(event.id)
    assert stored.starts_at == start
    assert stored.starts_at.tzinfo is not None
    assert stored.starts_at.utcoffset() == timedelta(0)
    assert stored.created_at.tzinfo is not None


def test_naive_datetimes_are_refused(any_app):
    with pytest.raises(ValueError, match="naive"):
        Event.create(kind="other", title="X", starts_at=datetime(2026, 1, 1), ends_at=datetime(2026, 1, 1))


def test_themes_come_from_data_inclusion(any_app):
    mental_health = Theme.get(Theme.slug == "sante--sante-mentale")
    assert mental_health.parent.slug == "sante"
    assert mental_health.label == "Santé mentale"
    top_level = Theme.select().where(Theme.parent.is_null()).count()
    assert top_level == 16
    for slug in [
        "sante--addictions",
        "logement-hebergement--reduire-les-impayes-de-loyer",
        "trouver-un-emploi",
        "difficultes-administratives-ou-juridiques",
        "numerique",
        "famille",
        "mobilite",
    ]:
        assert Theme.get_or_none(Theme.slug == slug), slug
    assert Theme.load_vocabulary() == Theme.select().count()  # reloading adds nothing


def test_slugify():
    assert slugify("Maison des Solidarités — Viguier") == "maison-des-solidarites-viguier"
    assert slugify("<script>") == "script"
    assert slugify("!!!") == "sans-nom"


def test_sequence_goes_up_when_subscribers_must_see_it(any_app):
    start = datetime(2026, 12, 1, 13, tzinfo=UTC)
    event = Event.create(
        kind="partner_meeting", title="Rencontre", starts_at=start, ends_at=start + timedelta(hours=2)
    )
    event.title = "Rencontre santé mentale"  # wording only
    event.save()
    assert Event.get_by_id(event.id).sequence == 0
    event.starts_at, event.ends_at = start + timedelta(days=1), start + timedelta(days=1, hours=2)
    event.save()
    event.status = "cancelled"
    event.save()
    assert Event.get_by_id(event.id).sequence == 2


def test_a_closure_touches_its_permanence(any_app):
    from portal.store.models import Closure

    sector = Sector.create(name="La Conte et Joliot Curie", slug="la-conte")
    place = Place.create(name="Local", sector=sector)
    permanence = Permanence.create(
        sector=sector,
        place=place,
        title="P",
        weekdays="MO",
        opens_at=time(9),
        closes_at=time(11),
        valid_from=date(2026, 1, 5),
    )
    closure = Closure.create(
        permanence=permanence, start_date=date(2026, 12, 28), end_date=date(2026, 12, 31)
    )
    assert Permanence.get_by_id(permanence.id).sequence == 1
    closure.delete_instance()
    assert Permanence.get_by_id(permanence.id).sequence == 2
