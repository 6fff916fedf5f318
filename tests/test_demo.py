"""The demo dataset: coherent, French, and loadable twice without duplicates."""

from datetime import date

from portal.demo import load_demo
from portal.store.models import (
    MODELS,
    Closure,
    Event,
    EventPartner,
    Partner,
    Permanence,
    Referral,
    Sector,
    User,
)


def counts():
    return {model.__name__: model.select().count() for model in MODELS}


def test_demo_loads_twice_without_duplicates(any_app):
    accounts = load_demo(today=date(2026, 11, 23))
    first = counts()
    assert load_demo(today=date(2026, 11, 23)) == accounts
    assert counts() == first
    assert load_demo(today=date(2027, 3, 1)) == accounts  # another day, still nothing new
    assert counts() == first


def test_demo_content_matches_the_seeds(any_app):
    accounts = load_demo(today=date(2026, 11, 23))
    assert [sector.name for sector in Sector.select().order_by(Sector.position)] == [
        "La Conte et Joliot Curie",
        "Viguier et Saint Jacques",
        "Ozanam et Albignac",
        "Grazailles et Fleming",
    ]
    assert Partner.published().count() >= 25
    assert len({partner.kind for partner in Partner.select()}) >= 5
    forum = (
        EventPartner.select()
        .join(Partner)
        .where(
            EventPartner.event.in_(
                EventPartner.select(EventPartner.event).join(Partner).where(Partner.kind == "employer")
            )
        )
    )
    assert sum(1 for link in forum if link.partner.kind == "employer") == 11
    assert sum(1 for link in forum if link.partner.kind == "association") == 2
    assert {p.recurrence for p in Permanence.select()} == {"weekly", "monthly"}
    for sector in Sector.select():
        assert sector.permanences.count() >= 2
    for _, email, password in accounts:
        assert User.by_email(email).check_password(password)
    assert {User.by_email(email).role for _, email, _ in accounts} == {"admin", "mediator", "partner"}


def test_demo_dates_follow_the_day_it_is_loaded(any_app):
    """The data file holds days relative to the loading day: the calendar always has a past and a future."""
    today = date(2027, 3, 10)
    load_demo(today=today)
    days = sorted(event.starts_at.date() for event in Event.select())
    assert len([day for day in days if day < today]) == 2 and len([day for day in days if day > today]) == 6
    assert all((7, 14) > (day.month, day.day) > (1, 3) for day in days)  # out of the holidays
    assert {p.valid_from for p in Permanence.select()} == {date(2026, 9, 1)}  # this school year
    assert {p.valid_to for p in Permanence.select()} == {None, date(2027, 7, 3)}
    assert {(c.start_date, c.end_date) for c in Closure.select() if c.reason == "Congés d'été"} == {
        (date(2027, 7, 28), date(2027, 8, 22))
    }
    sent = {r.person_name: r.created_at.date() for r in Referral.select()}
    assert sent["J. P."] == date(2027, 2, 26)  # twelve days ago
