"""iCalendar feeds of the agenda and of the permanences (RFC 5545, RFC 7986).

Calendar apps poll these addresses for years, so an answer must be the same
bytes for the same data (UIDs from ids, DTSTAMP from updated_at, nothing
from the clock), cheap to revalidate (ETag and Last-Modified come from one
aggregate query, the body from a per-process cache) and readable by every
client (a yearly VTIMEZONE, EXDATE in the same TZID as DTSTART).
"""

import hashlib
import re
import threading
import time as monotonic_clock
from collections import OrderedDict, namedtuple
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, render_template, request
from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard, vDuration, vText
from icalendar import Event as VEvent
from peewee import JOIN, Case, fn, prefetch

from portal import urls
from portal.services import schedule
from portal.store.db import utcnow
from portal.store.models import (
    EVENT_KIND_BY_SLUG,
    EVENT_KINDS,
    Closure,
    Event,
    EventPartner,
    OccurrenceChange,
    Partner,
    Permanence,
    Place,
    Sector,
)

bp = Blueprint("feeds", __name__, url_prefix="/portail/calendrier")

PRODID = "-//Relais//Agenda du reseau des partenaires//FR"
PAST = timedelta(days=183)  # events of the past six months stay in the feeds
REFRESH = timedelta(hours=12)  # how often we ask calendar apps to poll
MAX_AGE = 15 * 60  # HTTP cache lifetime of an answer, in seconds
# A built feed is rebuilt at least this often even when its stamp is unchanged:
# places and closures have no timestamp, so their edits are not in the stamp.
CACHE_TTL = 15 * 60
CACHE_SCOPES = 256
STAMP_SECONDS = 2  # a checked stamp is trusted this long (config: FEEDS_STAMP_SECONDS)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


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


# -- routes -----------------------------------------------------------------


@bp.get("/evenements.ics")
def all_events():
    return serve(Scope(("all",), "Relais — tous les événements", "evenements.ics", events=()))


@bp.get("/type/<kind>.ics")
def kind_events(kind):
    """``kind`` as addresses write it: its French slug (EVENT_KIND_SLUGS)."""
    code = EVENT_KIND_BY_SLUG.get(kind) or abort(404)
    label = EVENT_KINDS[code]
    return serve(
        Scope(("kind", code), f"Relais — {label}", f"evenements-{kind}.ics", events=(Event.kind == code,))
    )


@bp.get("/secteur/<slug>.ics")
def sector_feed(slug):
    sector = Sector.get_or_none(Sector.slug == slug) or abort(404)
    return serve(
        Scope(
            ("sector", sector.id, sector.slug, sector.name),
            f"Relais — {sector.name}",
            f"secteur-{sector.slug}.ics",
            events=(Event.sector == sector,),
            permanences=(Permanence.sector == sector,),
        )
    )


@bp.get("/partenaire/<slug>.ics")
def partner_feed(slug):
    partner = Partner.published().where(Partner.slug == slug).get_or_none() or abort(404)
    takes_part = EventPartner.select(EventPartner.event).where(EventPartner.partner == partner)
    return serve(
        Scope(
            ("partner", partner.id, partner.slug, partner.name),
            f"Relais — {partner.name}",
            f"partenaire-{partner.slug}.ics",
            events=((Event.organiser == partner) | Event.id.in_(takes_part),),
            permanences=(Permanence.partner == partner,),
        )
    )


@bp.get("/permanences.ics")
def all_permanences():
    return serve(Scope(("permanences",), "Relais — permanences", "permanences.ics", permanences=()))


@bp.get("/evenement/<int:event_id>.ics")
def one_event(event_id):
    event = Event.get_or_none(Event.id == event_id) or abort(404)
    return serve(single_event_scope(event))


def single_event_scope(event):
    return Scope(
        ("event", event.id),
        f"Relais — {event.title}",
        f"evenement-{event.id}.ics",
        events=(Event.id == event.id,),
        window=False,
        single=True,
    )


def event_ics(event):
    """The one-event .ics (METHOD:PUBLISH) attached to registration emails:
    same UID and SEQUENCE as in the feeds, so calendar apps update it."""
    return build(single_event_scope(event), EPOCH, exdate_horizon())


# -- HTTP: stamp, cache, conditional answer ----------------------------------

Built = namedtuple("Built", "etag last_modified body")


def serve(scope):
    """The feed's bytes, or 304 when the client's copy is current.

    The stamp is one or two aggregate queries, reused for a few seconds so
    that a burst of polls costs no query at all; the body is built only when
    this process has not built it for that stamp yet.
    """
    cache = feed_cache()
    built = cache.recent(scope.key, stamp_seconds())
    if built is None:
        cutoff = utcnow() - PAST if scope.window else EPOCH
        horizon = exdate_horizon()
        stamp = (horizon, *events_stamp(scope, cutoff), *permanences_stamp(scope))
        built = cache.get(scope.key, stamp)
        if built is None:
            body = build(scope, cutoff, horizon)
            built = Built(hashlib.sha256(body).hexdigest()[:40], last_modified(stamp), body)
            cache.put(scope.key, stamp, built)
    return respond(built, scope.filename)


def stamp_seconds():
    """How long a checked stamp is trusted. Answers say max-age=900 anyway,
    so a few seconds more changes nothing for subscribers; tests see every edit."""
    default = 0 if current_app.testing else STAMP_SECONDS
    return current_app.config.get("FEEDS_STAMP_SECONDS", default)


def respond(built, filename):
    response = current_app.response_class(built.body, mimetype="text/calendar")
    response.set_etag(built.etag)  # strong: same bytes, same tag
    if built.last_modified:
        response.last_modified = built.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    # inline: a browser hands the file to the calendar app instead of saving it.
    response.headers["Content-Disposition"] = f'inline; filename="{UNSAFE_IN_FILENAME.sub("-", filename)}"'
    # If-None-Match wins over If-Modified-Since (RFC 9110), as Werkzeug does.
    return response.make_conditional(request)


def events_stamp(scope, cutoff):
    """(latest update, how many in the window) of the scope's events.

    The latest update is taken over all of the scope's events, in the window
    or not, so that Last-Modified does not go back when an event ages out.
    """
    if scope.events is None:
        return ()
    in_window = Case(None, [(Event.ends_at >= cutoff, 1)], 0)
    query = Event.select(fn.MAX(Event.updated_at), fn.SUM(in_window))
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
    """The latest update time in the stamp, to the second (HTTP's precision)."""
    moments = [value for value in stamp if isinstance(value, datetime)]
    return max(moments).replace(microsecond=0) if moments else None


class FeedCache:
    """Built feeds of this process: {scope key: [stamp, built at, checked at, Built]}.

    Only an optimisation: every worker builds the same bytes from the same
    data, so nothing here must be shared between processes.
    """

    def __init__(self, size=CACHE_SCOPES, ttl=CACHE_TTL):
        self.size, self.ttl = size, ttl
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def recent(self, key, seconds):
        """The built feed, if its stamp was checked less than ``seconds`` ago."""
        now = monotonic_clock.monotonic()
        with self.lock:
            found = self.entries.get(key)
            if found is None or now - found[2] >= seconds or now - found[1] > self.ttl:
                return None
            return found[3]

    def get(self, key, stamp):
        """The built feed for ``stamp``, now known to be current."""
        now = monotonic_clock.monotonic()
        with self.lock:
            found = self.entries.get(key)
            if found is None or found[0] != stamp or now - found[1] > self.ttl:
                return None
            found[2] = now
            self.entries.move_to_end(key)
            return found[3]

    def put(self, key, stamp, built):
        now = monotonic_clock.monotonic()
        with self.lock:
            self.entries[key] = [stamp, now, now, built]
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def feed_cache():
    # One cache per app: two apps (tests, two databases) never share bytes.
    return current_app.extensions.setdefault("relais_feeds", FeedCache())


# -- queries ----------------------------------------------------------------


def base_url():
    return current_app.config["BASE_URL"].rstrip("/")


def narrowed(query, conditions):
    return query.where(*conditions) if conditions else query


def visible_permanence():
    """The team's own permanences and those of published partners (drafts of an import aside)."""
    return ~Permanence.draft & (Permanence.partner.is_null() | (Partner.status == "published"))


def scope_events(scope, cutoff):
    query = (
        Event.select(Event, Place)
        .join(Place, JOIN.LEFT_OUTER)
        .where(Event.ends_at >= cutoff)
        .order_by(Event.starts_at, Event.id)
    )
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


def exdate_horizon(today=None):
    """Last day open-ended permanences get EXDATEs for: 2 to 3 years ahead.

    It moves once a year only, so the bytes do not change every day.
    """
    today = today or datetime.now(schedule.PARIS).date()
    return date(today.year + 2, 12, 31)


# -- building the calendar ----------------------------------------------------


def build(scope, cutoff, horizon):
    host = urlsplit(base_url()).hostname or "relais.localhost"
    components = []
    if scope.events is not None:
        components += [event_component(event, host) for event in scope_events(scope, cutoff)]
    if scope.permanences is not None:
        for permanence in scope_permanences(scope):
            components += permanence_components(permanence, host, horizon)
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
        component.add("location", clean(location(place)))
    component.add("url", url)
    component.add("categories", [category])


def location(place):
    town = f"{place.postcode} {place.commune}".strip()
    return ", ".join(part for part in (place.name, place.address, town) if part)


def paragraphs(*parts):
    return "\n\n".join(clean(part) for part in parts if part and clean(part))


def event_component(event, host):
    vevent = VEvent()
    cancelled = event.status == "cancelled"
    common(
        vevent,
        f"event-{event.id}@{host}",
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
        urls.public_url(base_url(), "event", event),
        EVENT_KINDS[event.kind],
    )
    if event.all_day:  # VALUE=DATE, and DTEND is the day after the last one
        vevent.add("dtstart", schedule.local(event.starts_at).date())
        vevent.add("dtend", schedule.local(event.ends_at).date() + timedelta(days=1))
    else:
        vevent.add("dtstart", schedule.local(event.starts_at))
        vevent.add("dtend", schedule.local(event.ends_at))
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return vevent


def permanence_components(permanence, host, horizon):
    """[VEVENT] of a permanence: one recurring event and its changed
    occurrences (RECURRENCE-ID overrides), or none if it never happens."""
    # DTSTART must be a real occurrence: valid_from may be any day of the week.
    midnight = datetime.combine(permanence.valid_from, datetime.min.time())
    first = schedule.rule(permanence).after(midnight, inc=True)
    if first is None:
        return []
    vevent = VEvent()
    partner = permanence.partner if permanence.partner_id else None
    # The partner's name is in the summary: its edits are edits of this component.
    updated_at = max(permanence.updated_at, partner.updated_at) if partner else permanence.updated_at
    summary = permanence.title + (f" — {partner.name}" if partner else "")
    common(
        vevent,
        f"permanence-{permanence.id}@{host}",
        updated_at,
        permanence.sequence,
        summary,
        permanence_description(permanence),
        permanence.place,
        urls.public_url(base_url(), "permanences", permanence.sector),
        "Permanence",
    )
    vevent.add("dtstart", paris_at(first.date(), permanence.opens_at))
    vevent.add("dtend", paris_at(first.date(), permanence.closes_at))
    vevent.add("rrule", recurrence(permanence))
    last = permanence.valid_to or horizon
    closed = [day for day, reason in schedule.occurrences(permanence, first.date(), last) if reason]
    if closed:
        vevent.add("exdate", [paris_at(day, permanence.opens_at) for day in closed])
    changed = schedule.changed_days(permanence, first.date(), last)  # a closed day stays closed
    return [vevent] + [
        changed_component(permanence, change, host, updated_at, summary) for change in changed.values()
    ]


def changed_component(permanence, change, host, updated_at, summary):
    """The VEVENT of one occurrence at other hours or in another place: same
    UID, RECURRENCE-ID = the usual start of that day (RFC 5545, 3.8.4.4)."""
    vevent = VEvent()
    place = change.place if change.place_id else permanence.place
    where = f" à {place.name}" if change.place_id and change.place_id != permanence.place_id else ""
    hours = f"{schedule.hour(change.opens_at)}–{schedule.hour(change.closes_at)}"
    common(
        vevent,
        f"permanence-{permanence.id}@{host}",
        updated_at,
        permanence.sequence,
        summary,
        paragraphs(
            f"Exceptionnellement ce jour-là : {hours}{where}.",
            change.note,
            permanence_description(permanence),
        ),
        place,
        urls.public_url(base_url(), "permanences", permanence.sector),
        "Permanence",
    )
    vevent.add("recurrence-id", paris_at(change.day, permanence.opens_at))
    vevent.add("dtstart", paris_at(change.day, change.opens_at))
    vevent.add("dtend", paris_at(change.day, change.closes_at))
    return vevent


def paris_at(day, moment):
    return datetime.combine(day, moment, tzinfo=schedule.PARIS)


def recurrence(permanence):
    """The RRULE of a permanence, the same rule as schedule.rule()."""
    days = permanence.weekday_codes
    if permanence.recurrence == "monthly":
        rule = {"freq": "MONTHLY", "byday": [f"{permanence.month_week}{day}" for day in days]}
    else:
        rule = {"freq": "WEEKLY", "interval": permanence.every_n_weeks, "byday": days, "wkst": "MO"}
    if permanence.valid_to:
        # With a TZID on DTSTART, UNTIL must be in UTC (RFC 5545, 3.3.10).
        rule["until"] = paris_at(permanence.valid_to, permanence.opens_at).astimezone(UTC)
    return rule


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


# -- the page that lists the feeds --------------------------------------------


def feed(title, scope, item=None):
    https, webcal = urls.feed_urls(base_url(), scope, item)
    return {"title": title, "https": https, "webcal": webcal}


@bp.get("/")
def index():
    sectors = Sector.select().order_by(Sector.position, Sector.name)
    partners = Partner.published().order_by(Partner.name)
    groups = [
        (
            "Tout l'agenda",
            [feed("Tous les événements", "all"), feed("Toutes les permanences", "permanences")],
        ),
        (
            "Par quartier : événements et permanences",
            [feed(sector.name, "sector", sector) for sector in sectors],
        ),
        ("Par type d'événement", [feed(label, "kind", kind) for kind, label in EVENT_KINDS.items()]),
    ]
    partner_feeds = [feed(partner.name, "partner", partner) for partner in partners]
    upcoming = [
        {"event": event, "when": when(event), "ics": urls.feed_urls(base_url(), "event", event)[0]}
        for event in Event.upcoming().limit(12)
    ]
    return render_template("feeds.html", groups=groups, partner_feeds=partner_feeds, upcoming=upcoming)


def when(event):
    """'mardi 1er décembre 2026, 14 h', in Paris time."""
    start = schedule.local(event.starts_at)
    day = schedule.long_date(start.date())
    return day if event.all_day else f"{day}, {schedule.hour(start.time())}"
