"""Permanence dates and their French wording."""

from datetime import date, time, timedelta

import pytest

from portal.services import schedule
from portal.store.models import Closure, OccurrenceChange, Place
from tests import factories


@pytest.fixture
def make_permanence(app):
    with app.app_context():
        sector = factories.sector("Viguier et Saint Jacques", slug="viguier")
        place = factories.place("Local Viguier", postcode="11000", sector=sector)

    def make(**fields):
        defaults = dict(sector=sector, place=place, weekdays="TU", opens_at=time(14), closes_at=time(16, 30))
        return factories.permanence(**{**defaults, **fields})

    with app.app_context():
        yield make


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"recurrence": "monthly", "month_week": 2}, "le 2e mardi du mois, 14 h–16 h 30"),
        (
            {"recurrence": "monthly", "month_week": 1, "weekdays": "FR"},
            "le 1er vendredi du mois, 14 h–16 h 30",
        ),
        (
            {"recurrence": "monthly", "month_week": -1, "weekdays": "FR"},
            "le dernier vendredi du mois, 14 h–16 h 30",
        ),
        (
            {"weekdays": "MO,TH", "opens_at": time(9), "closes_at": time(12)},
            "chaque lundi et jeudi, 9 h–12 h",
        ),
        ({"every_n_weeks": 2}, "un mardi sur deux, 14 h–16 h 30"),
    ],
)
def test_describe_in_words(make_permanence, fields, words):
    assert schedule.describe(make_permanence(**fields)) == words


def test_monthly_dates(make_permanence):
    permanence = make_permanence(recurrence="monthly", month_week=2)
    days = [day for day, _ in schedule.occurrences(permanence, date(2026, 9, 1), date(2026, 12, 31))]
    assert days == [date(2026, 9, 8), date(2026, 10, 13), date(2026, 11, 10), date(2026, 12, 8)]


def test_holidays_and_closures_are_closed(make_permanence):
    permanence = make_permanence(weekdays="WE")
    Closure.create(
        permanence=permanence,
        start_date=date(2026, 12, 21),
        end_date=date(2027, 1, 3),
        reason="Congés d'hiver",
    )
    closed = dict(schedule.occurrences(permanence, date(2026, 11, 1), date(2027, 1, 15)))
    assert closed[date(2026, 11, 11)] == "Armistice"  # a Wednesday
    assert closed[date(2026, 12, 23)] == closed[date(2026, 12, 30)] == "Congés d'hiver"
    assert closed[date(2026, 11, 18)] is None
    assert schedule.next_dates(permanence, today=date(2026, 11, 9), count=3) == [
        date(2026, 11, 18),
        date(2026, 11, 25),
        date(2026, 12, 2),
    ]


def test_valid_to_ends_the_series(make_permanence):
    permanence = make_permanence(weekdays="TU", valid_to=date(2026, 9, 15))
    assert [d for d, _ in schedule.occurrences(permanence, date(2026, 9, 1), date(2026, 12, 1))] == [
        date(2026, 9, 1),
        date(2026, 9, 8),
        date(2026, 9, 15),
    ]


def test_alsace_moselle_has_two_more_holidays():
    metropole = schedule.public_holidays(date(2026, 1, 1), date(2026, 12, 31), "11000")
    moselle = schedule.public_holidays(date(2026, 1, 1), date(2026, 12, 31), "57000")
    assert set(moselle) - set(metropole) == {date(2026, 4, 3), date(2026, 12, 26)}


def test_long_date():
    assert schedule.long_date(date(2026, 12, 1)) == "mardi 1er décembre 2026"


def test_every_listed_date_shows_its_real_hours_and_place(make_permanence):
    """The next dates, the closures and the changed hours look as far ahead:
    a date listed in four months is not shown at its usual hours when it moved."""
    permanence = make_permanence(recurrence="monthly", month_week=2)  # 2nd Tuesday, 14 h–16 h 30
    centre = Place.create(
        name="Centre social", address="3 rue Lamartine", postcode="11000", commune="Carcassonne"
    )
    OccurrenceChange.create(
        permanence=permanence, day=date(2026, 12, 8), opens_at=time(9), closes_at=time(11), place=centre
    )
    Closure.create(permanence=permanence, start_date=date(2026, 11, 10), end_date=date(2026, 11, 10))
    coming = schedule.upcoming(permanence, date(2026, 9, 1))
    assert [(o.day, o.opens_at, o.closes_at, o.place.name) for o in coming.next] == [
        (date(2026, 9, 8), time(14), time(16, 30), "Local Viguier"),
        (date(2026, 10, 13), time(14), time(16, 30), "Local Viguier"),
        (date(2026, 12, 8), time(9), time(11), "Centre social"),
    ]
    assert [o.when for o in coming.next][2] == (
        "mardi 8 décembre 2026, exceptionnellement 9 h–11 h "
        "(Centre social, 3 rue Lamartine, 11000 Carcassonne)"
    )
    assert coming.closed == [(date(2026, 11, 10), "Fermeture exceptionnelle")]
    assert [change.day for change in coming.changed] == [date(2026, 12, 8)]
    # Beyond the one horizon (120 days), nothing: neither dates nor changes.
    assert max(o.day for o in coming.next) <= date(2026, 9, 1) + timedelta(days=schedule.HORIZON_DAYS)


@pytest.mark.parametrize(
    "fields",
    [
        {"weekdays": "MO,TH", "every_n_weeks": 3, "valid_from": date(2019, 5, 8)},
        {"weekdays": "WE,SU", "every_n_weeks": 2, "valid_from": date(2021, 2, 25)},
        {"weekdays": "TU", "recurrence": "monthly", "month_week": -1, "valid_from": date(2020, 7, 31)},
    ],
)
def test_dates_from_a_later_day_are_those_of_the_whole_series(make_permanence, fields):
    """occurrences() starts the rule near the asked start: same dates as from the first day."""
    permanence = make_permanence(**fields)
    whole = [d.date() for d in schedule.rule(permanence, until=date(2027, 1, 1))]
    for since in (date(2024, 3, 6), date(2025, 11, 30), date(2026, 1, 1)):
        part = [day for day, _ in schedule.occurrences(permanence, since, date(2027, 1, 1))]
        assert part == [day for day in whole if day >= since]
