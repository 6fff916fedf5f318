"""Test data: small, composable builders of records, one per kind.

Each takes keyword overrides for any column and sets only what a record needs
(plus the links it is given), so a test states what matters to it. Call them
inside an app context. Example::

    viguier = sector("Viguier et Saint Jacques", slug="viguier")
    hall = place("Maison de quartier", sector=viguier)
    caf = partner("CAF de l'Aude", slug="caf", sectors=[viguier])
    permanence(viguier, hall, weekdays="MO")
"""

from datetime import date, time, timedelta

from portal.store.db import utcnow
from portal.store.models.accounts import User
from portal.store.models.events import Event, Topic
from portal.store.models.partners import Partner, PartnerSector, PartnerTheme
from portal.store.models.places import Place, Sector, Theme
from portal.store.models.schedule import Permanence

PASSWORD = "mot-de-passe-solide"


def slug_of(name):
    return name.split()[0].lower()


def sector(name="Viguier et Saint Jacques", *, slug=None, **fields):
    return Sector.create(name=name, slug=slug or slug_of(name), **fields)


def place(name="Maison de quartier", *, sector=None, **fields):
    return Place.create(name=name, sector=sector, **fields)


def partner(name="Association test", *, slug=None, status="published", sectors=(), themes=(), **fields):
    """A partner (published unless told), linked to ``sectors`` and ``themes``
    (records or theme slugs)."""
    created = Partner.create(name=name, slug=slug or slug_of(name), status=status, **fields)
    for each in sectors:
        PartnerSector.create(partner=created, sector=each)
    for each in themes:
        theme = Theme.get(Theme.slug == each) if isinstance(each, str) else each
        PartnerTheme.create(partner=created, theme=theme)
    return created


def permanence(sector=None, place=None, **fields):
    """A weekly permanence, Monday morning unless told."""
    values = dict(
        title="Permanence",
        weekdays="MO",
        opens_at=time(9),
        closes_at=time(12),
        valid_from=date(2026, 9, 1),
    )
    return Permanence.create(**{"sector": sector, "place": place, **values, **fields})


def event(place=None, sector=None, start=None, *, hours=3, **fields):
    """A partners' meeting at ``start`` (UTC) lasting ``hours``; no registration
    window unless given (see :func:`meeting`)."""
    values = dict(
        kind="partner_meeting",
        title="Rencontre addictions",
        place=place,
        sector=sector,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
    )
    return Event.create(**{**values, **fields})


def meeting(place=None, sector=None, start=None, *, hours=3, capacity=30, **fields):
    """An :func:`event` open for registration since yesterday until it starts."""
    values = dict(
        capacity=capacity,
        max_seats_per_registration=3,
        registration_opens_at=utcnow() - timedelta(days=1),
        registration_closes_at=start,
    )
    return event(place, sector, start, hours=hours, **{**values, **fields})


def topic(title="Addictions", *, status="accepted", **fields):
    return Topic.create(title=title, status=status, **fields)


def user(role="mediator", email=None, *, team="", partner=None, name="", password=PASSWORD):
    """An account that can log in with ``password``; ``team`` set when given."""
    created = User.register(
        email=email or f"{role}@relais.example", password=password, role=role, partner=partner, name=name
    )
    if team:
        User.update(team=team).where(User.id == created.id).execute()
    return User.get_by_id(created.id)
