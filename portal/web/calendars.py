"""The iCalendar feeds over HTTP: one route per feed, conditional answers
(ETag, Last-Modified, 304), cache headers, and the page that lists them.

What a feed holds and its bytes are portal/feeds.py; this module only finds
the feed's subject, asks for the current build and answers.
"""

import re
import threading
import time as monotonic_clock
from collections import OrderedDict

from flask import Blueprint, abort, current_app, render_template, request

from portal import feeds
from portal.services import schedule
from portal.store.db import utcnow
from portal.store.models import EVENT_KIND_BY_SLUG, EVENT_KINDS, Event, Partner, Sector
from portal.web.helpers import settings

# The endpoint names (feeds.all_events…) are those of the URL map in SECURITY.md.
bp = Blueprint("feeds", __name__, url_prefix="/portail/calendrier")

MAX_AGE = 15 * 60  # HTTP cache lifetime of an answer, in seconds
STAMP_SECONDS = 2  # a checked stamp is trusted this long (config: FEEDS_STAMP_SECONDS)
UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]")
# A built feed is rebuilt at least this often even when its stamp is unchanged:
# places and closures have no timestamp, so their edits are not in the stamp.
CACHE_TTL = 15 * 60
CACHE_SCOPES = 256


@bp.get("/evenements.ics")
def all_events():
    return serve(feeds.events_scope())


@bp.get("/type/<kind>.ics")
def kind_events(kind):
    """``kind`` as addresses write it: its French slug (EVENT_KIND_SLUGS)."""
    code = EVENT_KIND_BY_SLUG.get(kind) or abort(404)
    return serve(feeds.kind_scope(code))


@bp.get("/secteur/<slug>.ics")
def sector_feed(slug):
    sector = Sector.get_or_none(Sector.slug == slug) or abort(404)
    return serve(feeds.sector_scope(sector))


@bp.get("/partenaire/<slug>.ics")
def partner_feed(slug):
    partner = Partner.published().where(Partner.slug == slug).get_or_none() or abort(404)
    return serve(feeds.partner_scope(partner))


@bp.get("/permanences.ics")
def all_permanences():
    return serve(feeds.permanences_scope())


@bp.get("/evenement/<int:event_id>.ics")
def one_event(event_id):
    event = Event.get_or_none(Event.id == event_id) or abort(404)
    return serve(feeds.single_event_scope(event))


def publisher():
    return settings().publisher


def serve(scope):
    """The feed's bytes, or 304 when the client's copy is current."""
    built = feeds.current(feed_cache(), scope, utcnow(), publisher(), stamp_seconds())
    return respond(built, scope.filename)


def feed_cache():
    # One cache per app: two apps (tests, two databases) never share bytes.
    return current_app.extensions.setdefault("relais_feeds", FeedCache())


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


# -- the page that lists the feeds --------------------------------------------


def feed(title, scope, item=None):
    https, webcal = settings().feed_urls(scope, item)
    return {"title": title, "https": https, "webcal": webcal}


@bp.get("/")
def index():
    groups = [
        (
            "Tout l'agenda",
            [feed("Tous les événements", "all"), feed("Toutes les permanences", "permanences")],
        ),
        (
            "Par quartier : événements et permanences",
            [feed(sector.name, "sector", sector) for sector in Sector.ordered()],
        ),
        ("Par type d'événement", [feed(label, "kind", kind) for kind, label in EVENT_KINDS.items()]),
    ]
    partner_feeds = [
        feed(partner.name, "partner", partner) for partner in Partner.published().order_by(Partner.name)
    ]
    upcoming = [
        {"event": event, "when": when(event), "ics": settings().feed_urls("event", event)[0]}
        for event in Event.upcoming().limit(12)
    ]
    return render_template("feeds.html", groups=groups, partner_feeds=partner_feeds, upcoming=upcoming)


def when(event):
    """'mardi 1er décembre 2026, 14 h', in Paris time."""
    start = schedule.local(event.starts_at)
    day = schedule.long_date(start.date())
    return day if event.all_day else f"{day}, {schedule.hour(start.time())}"
