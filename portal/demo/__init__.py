"""The demo dataset: the fictional partner network of a régie de quartiers.

The rows are in ``demo.json`` (only literals, the stored codes in English).
This loader adds what depends on the day of loading: dates of events,
permanences, closures and referrals are computed from ``today``, so the
calendar always has past and upcoming items.

``load_demo()`` is idempotent: each row is looked up by a natural key (slug,
name, title…) and created only when missing, so it can be run again safely.
"""

import datetime as dt
import json
import secrets
from importlib import resources

from portal.demo.dates import DAY_NUMBERS, clock, closure_dates, days_ago, event_day, paris, school_year_start
from portal.store.db import db, utcnow
from portal.store.models import (
    Closure,
    Event,
    EventPartner,
    JobOffer,
    Partner,
    PartnerSector,
    PartnerTheme,
    Permanence,
    Place,
    Referral,
    ReferralTransition,
    Registration,
    Sector,
    Theme,
    Topic,
    User,
    slugify,
)


def dataset():
    return json.loads(resources.files(__name__).joinpath("demo.json").read_text(encoding="utf-8"))


# -- rows ------------------------------------------------------------------------


def get_or_create(model, key, **values):
    """The row matching ``key`` (a dict), created with ``values`` when missing."""
    row, _ = model.get_or_create(**key, defaults=values)
    return row


def partner(name):
    return Partner.get(Partner.slug == slugify(name))


def load_sectors(data):
    return {
        item["name"]: get_or_create(
            Sector, {"slug": slugify(item["name"])}, name=item["name"], areas=item["areas"], position=position
        )
        for position, item in enumerate(data["sectors"], start=1)
    }


def load_places(data, sectors):
    return {
        item["name"]: get_or_create(
            Place,
            {"name": item["name"]},
            address=item["address"],
            sector=sectors.get(item["sector"]),
            accessibility=item["accessibility"],
            **data["city"],
        )
        for item in data["places"]
    }


def create_partner(item, city, now):
    columns = {key: value for key, value in item.items() if key not in ("themes", "sectors")}
    status = columns.setdefault("status", "published")
    return Partner.create(
        **columns,
        **city,
        slug=slugify(item["name"]),
        published_at=now if status == "published" else None,
        # Every demo partner registered and confirmed its email, so the two
        # pending ones show up in the moderation queue.
        consent_at=now,
        confirmed_at=now,
    )


def load_partners(data, sectors):
    now = utcnow()
    for item in data["partners"]:
        row = Partner.get_or_none(Partner.slug == slugify(item["name"])) or create_partner(
            item, data["city"], now
        )
        for slug in item["themes"]:
            get_or_create(PartnerTheme, {"partner": row, "theme": Theme.get(Theme.slug == slug)})
        for name in sectors if item["sectors"] == "all" else item["sectors"]:
            get_or_create(PartnerSector, {"partner": row, "sector": sectors[name]})


def load_permanences(data, sectors, places, today):
    start = school_year_start(today)
    end = dt.date(start.year + 1, 7, 3)
    for item in data["permanences"]:
        get_or_create(
            Permanence,
            {"partner": partner(item["partner"]) if item["partner"] else None, "title": item["title"]},
            sector=sectors[item["sector"]],
            place=places[item["place"]],
            weekdays=item["weekdays"],
            opens_at=clock(item["opens_at"]),
            closes_at=clock(item["closes_at"]),
            recurrence=item["recurrence"],
            every_n_weeks=item.get("every_n_weeks", 1),
            month_week=item.get("month_week"),
            valid_from=start,
            valid_to=end if item["until_end_of_school_year"] else None,
            notes=item["notes"],
        )
    dates = closure_dates(today)
    for item in data["closures"]:
        first, last = dates[item["dates"]]
        get_or_create(
            Closure,
            {"permanence": Permanence.get(Permanence.title == item["permanence"]), "reason": item["reason"]},
            start_date=first,
            end_date=last,
        )


def load_topics(data):
    for item in data["topics"]:
        get_or_create(
            Topic,
            {"title": item["title"]},
            status=item["status"],
            description=item["description"],
            proposed_by=partner(item["proposed_by"]) if item["proposed_by"] else None,
        )


def event_values(item, places, today):
    """The columns of an event, with its dates computed from ``today``."""
    day = event_day(today, item["days_from_today"], DAY_NUMBERS[item["moved_to"]])
    place = places[item["place"]]
    values = {
        "topic": Topic.get(Topic.title == item["topic"]) if item["topic"] else None,
        "description": item["description"],
        "place": place,
        "sector": place.sector,
        "organiser": partner(item["organiser"]),
        "starts_at": paris(day, item["starts_at"]),
        "ends_at": paris(day, item["ends_at"]),
        "audience": item["audience"],
        "capacity": item["capacity"],
    }
    if item["registration_days_before"]:
        window = item["registration_days_before"]
        values["registration_opens_at"] = paris(days_ago(day, window["opens"]), "09:00")
        values["registration_closes_at"] = paris(days_ago(day, window["closes"]), "18:00")
    return values


def load_events(data, places, today):
    for item in data["events"]:
        key = {"title": item["title"], "kind": item["kind"]}
        if Event.get_or_none(**key) is None:
            Event.create(**key, **event_values(item, places, today))
    forum = Event.get(Event.title == data["forum"]["event"])
    for item in data["forum"]["participants"]:
        key = {"event": forum, "partner": partner(item["partner"])}
        participation = get_or_create(EventPartner, key, contribution=item["contribution"])
        for offer in item["offers"]:
            get_or_create(
                JobOffer,
                {"participation": participation, "title": offer["title"]},
                contract=offer["contract"],
                without_diploma=offer["without_diploma"],
            )
    meeting = Event.get(Event.title == data["registrations"]["event"])
    for item in data["registrations"]["people"]:
        if Registration.get_or_none(event=meeting, contact_email=item["contact_email"]) is None:
            Registration.create(
                event=meeting, **item, status="confirmed", cancel_token=secrets.token_urlsafe(32)
            )


def load_accounts(data):
    """Create the demo accounts that do not exist yet; returns (label, email, password)."""
    accounts = []
    for item in data["accounts"]:
        user = item["user"]
        if User.by_email(user["email"]) is None:
            User.register(**user, partner=partner(item["partner"]) if item["partner"] else None)
        accounts.append((item["label"], user["email"], user["password"]))
    return accounts


def load_referrals(data, today):
    """A few referrals at every stage, so the dashboard and statistics have
    something to show. Created directly (no email is queued)."""
    for item in data["referrals"]:
        sender = User.by_email(item["sender"])
        owner = partner(item["partner"])
        if Referral.get_or_none(person_name=item["person"], partner=owner) is not None:
            continue
        steps = item["steps"]
        sent_at = paris(days_ago(today, steps[0]["days_ago"]), "10:00")
        first_appointment = item.get("first_appointment_days_ago")
        referral = Referral.create(
            sender=sender,
            partner=owner,
            theme=Theme.get(Theme.slug == item["theme"]),
            sector=Sector.get(Sector.name == item["sector"]),
            person_name=item["person"],
            person_phone=item["person_phone"],
            need=item["need"],
            urgency=item["urgency"],
            consent_at=sent_at,
            consent_method=item["consent_method"],
            status=steps[-1]["status"],
            token_nonce=secrets.token_hex(8),
            created_at=sent_at,
            updated_at=sent_at,
            status_changed_at=paris(days_ago(today, steps[-1]["days_ago"]), "10:00"),
            decline_reason=item.get("decline_reason"),
            outcome=item.get("outcome"),
            first_appointment=days_ago(today, first_appointment) if first_appointment is not None else None,
        )
        before = None
        for step in steps:
            actor = sender if step["status"] == "sent" else None
            ReferralTransition.create(
                referral=referral,
                actor=actor,
                from_status=before,
                to_status=step["status"],
                actor_label=str(sender) if actor else f"{owner.name} (lien envoyé à {owner.contact_email})",
                created_at=paris(days_ago(today, step["days_ago"]), "10:00" if actor else "15:00"),
            )
            before = step["status"]


def load_demo(today=None):
    """Load the demo dataset (idempotent); returns the demo accounts."""
    today = today or dt.date.today()
    data = dataset()
    with db.atomic():
        sectors = load_sectors(data)
        places = load_places(data, sectors)
        load_partners(data, sectors)
        load_permanences(data, sectors, places, today)
        load_topics(data)
        load_events(data, places, today)
        accounts = load_accounts(data)
        load_referrals(data, today)
        return accounts
