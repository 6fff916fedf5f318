"""iCalendar feeds of the agenda and of the permanences (RFC 5545, RFC 7986).

Calendar apps poll these addresses for years, so a feed must be the same
bytes for the same data (UIDs from ids, DTSTAMP from updated_at, nothing
from the clock), cheap to revalidate (ETag and Last-Modified come from one
aggregate query, the body from a per-process cache) and readable by every
client (a yearly VTIMEZONE, EXDATE in the same TZID as DTSTART).

No Flask here: the public address and the time come in as arguments; the
HTTP side (routes, 304, cache headers) is portal/web/calendars.py.
"""

import hashlib
import re
from collections import namedtuple
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress, vDuration, vText
from icalendar import Event as VEvent
from peewee import JOIN, Case, fn, prefetch

from portal import urls
from portal.services import schedule
from portal.store.models.events import Event, EventPartner
from portal.store.models.partners import Partner
from portal.store.models.places import Place, Sector
from portal.store.models.schedule import Closure, OccurrenceChange, Permanence
from portal.store.models.vocab import EVENT_KIND_SLUGS, EVENT_KINDS

PRODID = "-//Relais//Agenda du reseau des partenaires//FR"
PAST = timedelta(days=183)  # events of the past six months stay in the feeds
EXDATE_YEARS = 12  # years before the EXDATE horizon that still get EXDATEs
REFRESH = timedelta(hours=12)  # how often we ask calendar apps to poll
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Scope:
    """What one feed holds: conditions on events and permanences (None: none)."""

    key: tuple  # the feed in the cache, with what its bytes depend on beyond the stamp
    name: str  # the calendar's name in the subscriber's app
    filename: str
    events: tuple | None = None
    permanences: tuple | None = None
    window: bool = True  # only events that ended less than six months ago
    single: bool = False  # a one-event file to import, not a subscription


# -- what each feed holds -----------------------------------------------------


def events_scope():
    return Scope(("all",), "Relais — tous les événements", "evenements.ics", events=())


def kind_scope(kind):
    """``kind`` is a stored code; the file is named after its French slug, as its address."""
    label, slug = EVENT_KINDS[kind], EVENT_KIND_SLUGS[kind]
    return Scope(("kind", kind), f"Relais — {label}", f"evenements-{slug}.ics", events=(Event.kind == kind,))


def sector_scope(sector):
    return Scope(
        ("sector", sector.id, sector.slug, sector.name),
        f"Relais — {sector.name}",
        f"secteur-{sector.slug}.ics",
        events=(Event.sector == sector,),
        permanences=(Permanence.sector == sector,),
    )


def partner_scope(partner):
    takes_part = EventPartner.select(EventPartner.event).where(EventPartner.partner == partner)
    return Scope(
        ("partner", partner.id, partner.slug, partner.name),
        f"Relais — {partner.name}",
        f"partenaire-{partner.slug}.ics",
        events=((Event.organiser == partner) | Event.id.in_(takes_part),),
        permanences=(Permanence.partner == partner,),
    )


def permanences_scope():
    return Scope(("permanences",), "Relais — permanences", "permanences.ics", permanences=())


def single_event_scope(event):
    return Scope(
        ("event", event.id),
        f"Relais — {event.title}",
        f"evenement-{event.id}.ics",
        events=(Event.id == event.id,),
        window=False,
        single=True,
    )


@dataclass(frozen=True)
class Publisher:
    """Who publishes the feeds: the public address (UIDs' host, links) and the
    ORGANIZER of single-event files (relais@example.org, 'Relais')."""

    base_url: str
    organizer_email: str = ""
    organizer_name: str = ""

    @property
    def host(self):
        return urlsplit(self.base_url).hostname or "relais.localhost"


def event_ics(event, publisher, now):
    """The one-event .ics (METHOD:PUBLISH) attached to registration emails:
    same UID and SEQUENCE as in the feeds, so calendar apps update it."""
    return build(single_event_scope(event), None, exdate_horizon(now), publisher)


# -- stamp and cache: what makes a conditional answer cheap ---------------------

Built = namedtuple("Built", "etag last_modified body")


def current(cache, scope, now, publisher, stamp_seconds):
    """The feed as built for the current data: (ETag, Last-Modified, bytes).
    ``cache`` keeps built feeds (recent(), get(), put(): web/calendars.FeedCache).

    The stamp is one or two aggregate queries, reused for ``stamp_seconds``
    so that a burst of polls costs no query at all; the body is built only
    when this process has not built it for that stamp yet.
    """
    built = cache.recent(scope.key, stamp_seconds)
    if built is None:
        cutoff = now - PAST if scope.window else None  # None: whenever it was
        horizon = exdate_horizon(now)
        stamp = (horizon, *events_stamp(scope, cutoff), *permanences_stamp(scope))
        built = cache.get(scope.key, stamp)
        if built is None:
            body = build(scope, cutoff, horizon, publisher)
            built = Built(hashlib.sha256(body).hexdigest()[:40], last_modified(stamp), body)
            cache.put(scope.key, stamp, built)
    return built


def events_stamp(scope, cutoff):
    """(latest update, how many in the window) of the scope's events.

    The latest update is taken over all of the scope's events, in the window
    or not, so that Last-Modified does not go back when an event ages out.
    """
    if scope.events is None:
        return ()
    in_window = fn.SUM(Case(None, [(Event.ends_at >= cutoff, 1)], 0)) if cutoff else fn.COUNT(Event.id)
    query = Event.select(fn.MAX(Event.updated_at), in_window)
    return narrowed(query, scope.events).tuples().get()


def permanences_stamp(scope):
    """Latest updates of permanences and partners, count of the visible ones,
    count and last id of their closures (which have no timestamp)."""
    if scope.permanences is None:
        return ()
    visible = Case(None, [(visible_permanence(), Permanence.id)], None)
    query = (
        Permanence.select(
            fn.MAX(Permanence.updated_at),
            fn.MAX(Partner.updated_at),
            fn.COUNT(fn.DISTINCT(visible)),
            fn.COUNT(Closure.id),
            fn.MAX(Closure.id),
        )
        .join(Partner, JOIN.LEFT_OUTER)
        .switch(Permanence)
        .join(Closure, JOIN.LEFT_OUTER)
    )
    return narrowed(query, scope.permanences).tuples().get()


def last_modified(stamp):
    """The latest update time in the stamp, to the second (HTTP's precision).

    A feed with nothing in it has no update time: it says the first day of
    its EXDATE horizon's year instead, the last time its bytes could change
    by themselves, so that clients can still revalidate it by date.
    """
    moments = [value for value in stamp if isinstance(value, datetime)]
    if moments:
        return max(moments).replace(microsecond=0)
    horizon = stamp[0]
    return datetime(horizon.year - 2, 1, 1, tzinfo=UTC)


# -- queries ----------------------------------------------------------------


def narrowed(query, conditions):
    return query.where(*conditions) if conditions else query


def visible_permanence():
    """The team's own permanences and those of published partners (drafts of an import aside)."""
    return ~Permanence.draft & (Permanence.partner.is_null() | (Partner.status == "published"))


def scope_events(scope, cutoff):
    query = Event.select(Event, Place).join(Place, JOIN.LEFT_OUTER).order_by(Event.starts_at, Event.id)
    if cutoff:
        query = query.where(Event.ends_at >= cutoff)
    return narrowed(query, scope.events)


def scope_permanences(scope):
    query = (
        Permanence.select(Permanence, Place, Sector, Partner)
        .join(Place)
        .switch(Permanence)
        .join(Sector)
        .switch(Permanence)
        .join(Partner, JOIN.LEFT_OUTER)
        .where(visible_permanence())
        .order_by(Permanence.id)
    )
    # Closures and changed occurrences in two more queries, not two per permanence.
    changes = (
        OccurrenceChange.select(OccurrenceChange, Place)
        .join(Place, JOIN.LEFT_OUTER)
        .order_by(OccurrenceChange.day)
    )
    return prefetch(
        narrowed(query, scope.permanences), Closure.select().order_by(Closure.start_date), changes
    )


def exdate_horizon(now):
    """Last day permanences get EXDATEs for: 2 to 3 years ahead.

    It moves once a year only, so the bytes do not change every day.
    """
    return date(schedule.local(now).year + 2, 12, 31)


# -- building the calendar ----------------------------------------------------


def build(scope, cutoff, horizon, publisher):
    components = []
    if scope.events is not None:
        components += [
            event_component(event, publisher, scope.single) for event in scope_events(scope, cutoff)
        ]
    if scope.permanences is not None:
        for permanence in scope_permanences(scope):
            components += permanence_components(permanence, publisher, horizon)
    return calendar(scope, components).to_ical()


def calendar(scope, components):
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if scope.single:
        cal.add("method", "PUBLISH")  # Outlook adds a lone event only with it
    cal.add("name", vText(clean(scope.name)))
    cal.add("x-wr-calname", vText(clean(scope.name)))
    cal.add("x-wr-timezone", "Europe/Paris")
    cal.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    cal.add_component(paris_timezone())
    for component in components:
        cal.add_component(component)
    return cal


def paris_timezone():
    """Europe/Paris in the yearly RRULE form every client understands.

    EU rule since 1996: summer time from the last Sunday of March at 02:00
    to the last Sunday of October at 03:00 (tests check it against tzdata).
    """
    timezone_ = Timezone()
    timezone_.add("tzid", "Europe/Paris")
    timezone_.add("x-lic-location", "Europe/Paris")
    for part, name, before, after, start in (
        (TimezoneDaylight(), "CEST", 1, 2, datetime(1996, 3, 31, 2)),
        (TimezoneStandard(), "CET", 2, 1, datetime(1996, 10, 27, 3)),
    ):
        part.add("tzname", name)
        part.add("tzoffsetfrom", timedelta(hours=before))
        part.add("tzoffsetto", timedelta(hours=after))
        part.add("dtstart", start)
        part.add("rrule", {"freq": "YEARLY", "bymonth": start.month, "byday": "-1SU"})
        timezone_.add_component(part)
    return timezone_


def clean(text):
    """User text as one iCalendar TEXT value: newlines kept (icalendar escapes
    them), control characters that RFC 5545 forbids removed."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL_CHARS.sub("", text).strip()


def common(component, uid, updated_at, sequence, summary, description, place, url, category):
    """Properties every component of ours has, in one place."""
    component.add("uid", uid)
    component.add("dtstamp", updated_at)
    component.add("last-modified", updated_at)
    component.add("sequence", sequence)
    component.add("summary", clean(summary))
    if description:
        component.add("description", clean(description))
    if place is not None:
        component.add("location", clean(place.one_line))
    component.add("url", url)
    component.add("categories", [category])


def link(kind, item, publisher):
    return urls.public_url(publisher.base_url, kind, item)


def paragraphs(*parts):
    return "\n\n".join(clean(part) for part in parts if part and clean(part))


def event_component(event, publisher, single=False):
    vevent = VEvent()
    cancelled = event.status == "cancelled"
    common(
        vevent,
        f"event-{event.id}@{publisher.host}",
        event.updated_at,
        event.sequence,
        ("ANNULÉ — " if cancelled else "") + event.title,
        paragraphs(
            "Cet événement est annulé." if cancelled else "",
            event.description,
            "Réservé aux partenaires du réseau." if event.audience == "partners" else "",
            f"Accessibilité : {event.place.accessibility}"
            if event.place and event.place.accessibility
            else "",
        ),
        event.place,
        link("event", event, publisher),
        EVENT_KINDS[event.kind],
    )
    if event.all_day:  # VALUE=DATE, and DTEND is the day after the last one
        first, last = schedule.local(event.starts_at).date(), schedule.local(event.ends_at).date()
        vevent.add("dtstart", first)
        if last < date.max:  # else no day after: without DTEND it lasts one day (RFC 5545, 3.6.1)
            vevent.add("dtend", last + timedelta(days=1))
    else:
        vevent.add("dtstart", schedule.local(event.starts_at))
        vevent.add("dtend", schedule.local(event.ends_at))
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if single and publisher.organizer_email:
        vevent.add("organizer", organizer(publisher))
    return vevent


def organizer(publisher):
    """METHOD:PUBLISH needs an ORGANIZER (RFC 5546, 3.2.1): the team's address."""
    address = vCalAddress(f"mailto:{publisher.organizer_email}")
    if publisher.organizer_name:
        address.params["CN"] = vText(clean(publisher.organizer_name))
    return address


def permanence_components(permanence, publisher, horizon):
    """[VEVENT] of a permanence: one recurring event and its changed
    occurrences (RECURRENCE-ID overrides), or none if it never happens."""
    # DTSTART must be a real occurrence: valid_from may be any day of the week.
    midnight = datetime.combine(permanence.valid_from, datetime.min.time())
    first = schedule.rule(permanence).after(midnight, inc=True)
    if first is None:
        return []
    partner = permanence.partner if permanence.partner_id else None
    # The partner's name is in the summary: its edits are edits of this component.
    updated_at = max(permanence.updated_at, partner.updated_at) if partner else permanence.updated_at
    summary = permanence.title + (f" — {partner.name}" if partner else "")
    vevent = permanence_vevent(
        permanence, publisher, updated_at, summary, permanence_description(permanence), permanence.place
    )
    vevent.add("dtstart", paris_at(first.date(), permanence.opens_at))
    vevent.add("dtend", paris_at(first.date(), permanence.closes_at))
    vevent.add("rrule", schedule.ical_rrule(permanence))
    # EXDATEs and overrides within about ten years before the horizon and not
    # after it: a mistyped year (1, 9999) must not list millennia of holidays.
    since = max(first.date(), date(horizon.year - EXDATE_YEARS, 1, 1))
    last = min(permanence.valid_to or horizon, horizon)
    closed = [day for day, reason in schedule.occurrences(permanence, since, last) if reason]
    if closed:
        vevent.add("exdate", [paris_at(day, permanence.opens_at) for day in closed])
    changed = schedule.changed_days(permanence, since, last)  # a closed day stays closed
    return [vevent] + [
        changed_component(permanence, change, publisher, updated_at, summary) for change in changed.values()
    ]


def changed_component(permanence, change, publisher, updated_at, summary):
    """The VEVENT of one occurrence at other hours or in another place: same
    UID, RECURRENCE-ID = the usual start of that day (RFC 5545, 3.8.4.4)."""
    place = change.place if change.place_id else permanence.place
    where = f" à {place.name}" if change.place_id and change.place_id != permanence.place_id else ""
    hours = f"{schedule.hour(change.opens_at)}–{schedule.hour(change.closes_at)}"
    description = paragraphs(
        f"Exceptionnellement ce jour-là : {hours}{where}.", change.note, permanence_description(permanence)
    )
    vevent = permanence_vevent(permanence, publisher, updated_at, summary, description, place)
    vevent.add("recurrence-id", paris_at(change.day, permanence.opens_at))
    vevent.add("dtstart", paris_at(change.day, change.opens_at))
    vevent.add("dtend", paris_at(change.day, change.closes_at))
    return vevent


def permanence_vevent(permanence, publisher, updated_at, summary, description, place):
    """A VEVENT of a permanence with the properties the recurring one and its
    changed days share (one UID: a changed day overrides one occurrence)."""
    vevent = VEvent()
    common(
        vevent,
        f"permanence-{permanence.id}@{publisher.host}",
        updated_at,
        permanence.sequence,
        summary,
        description,
        place,
        link("permanences", permanence.sector, publisher),
        "Permanence",
    )
    return vevent


def paris_at(day, moment):
    return datetime.combine(day, moment, tzinfo=schedule.PARIS)


def permanence_description(permanence):
    closures = [
        f"Fermée {period(closure)}" + (f" ({closure.reason})" if closure.reason else "") + "."
        for closure in permanence.closures
    ]
    return paragraphs(
        schedule.describe(permanence).capitalize() + ".",
        permanence.notes,
        f"Accessibilité : {permanence.place.accessibility}" if permanence.place.accessibility else "",
        "Pas de permanence les jours fériés.",
        "\n".join(closures),
    )


def period(closure):
    if closure.start_date == closure.end_date:
        return f"le {schedule.long_date(closure.start_date)}"
    return f"du {schedule.long_date(closure.start_date)} au {schedule.long_date(closure.end_date)}"
