"""Site generation: the directory, permanences, meetings and agenda pages.

Wired in by portal/mkdocs_hook.py. ``on_files`` reads the database once
(a handful of queries, whatever the number of partners) and adds one generated
page per item with ``File.generated``; nothing is written into content/.

Every page body is HTML rendered by Jinja with autoescape, and is put in
place after Markdown has run (``on_page_content``): text typed by a partner
never goes through Markdown, so it can inject neither HTML nor Markdown
(links, headings, tables), and the build skips parsing thousands of HTML
bodies. Front-matter titles are HTML-escaped too: the theme prints them as is.
"""

import html
import json
import os
import posixpath
from collections import defaultdict
from datetime import date
from urllib.parse import urlsplit

import jinja2
import segno
from flask import current_app, has_app_context
from markupsafe import Markup
from mkdocs.structure.files import File, InclusionLevel
from peewee import JOIN, fn, prefetch

from portal import urls
from portal.services import registrations, schedule
from portal.site import languages
from portal.store.db import bind, db, utcnow
from portal.store.models.base import slugify
from portal.store.models.events import Event, EventPartner, JobOffer, Topic
from portal.store.models.partners import Partner, PartnerSector, PartnerTheme
from portal.store.models.places import Place, Sector, Theme
from portal.store.models.schedule import Closure, OccurrenceChange, Permanence
from portal.store.models.vocab import EVENT_KINDS, PARTNER_TYPES

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("portal.site", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["capitalize_first"] = lambda text: text[:1].upper() + text[1:]
languages.install(TEMPLATES)  # gettext: tenant pages are also built in other languages


# -- MkDocs events ------------------------------------------------------------


def on_config(config):
    # Inside the portal (relais build-site) the database is already bound;
    # a plain `mkdocs build` binds it from the same variable as the portal.
    if db.obj is None:
        from portal import default_database_url

        bind(os.environ.get("PORTAL_DATABASE_URL") or default_database_url())
    return languages.on_config(config)


def on_files(files, config):
    site = SiteData.load(date.today())
    if has_app_context():  # relais build-site: the portal's own setting
        base_url = current_app.config["BASE_URL"].rstrip("/")
    else:
        base_url = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    for page in site.pages(base_url):
        files.append(page.to_file(config))
    for page in languages.pages(site, PageHelpers(site, base_url)):
        files.append(page.to_file(config))
    return files


def on_page_content(html_content, page, config, files):
    generated = getattr(page.file, "relais_page", None)
    return languages.page_content(generated.body() if generated else html_content, page)


# -- what the pages show ------------------------------------------------------


class SiteData:
    """A consistent snapshot of everything public, read in a few queries."""

    @classmethod
    def load(cls, today):
        data = cls()
        data.today = today
        data.now = utcnow()
        data.sectors = list(Sector.ordered())
        data.partners = list(Partner.published().order_by(fn.LOWER(Partner.name)))
        data.partner_by_id = {partner.id: partner for partner in data.partners}
        data._load_links()
        data._load_permanences()
        data._load_events()
        return data

    def _load_links(self):
        self.theme_by_id = {theme.id: theme for theme in Theme.select()}
        sector_by_id = {sector.id: sector for sector in self.sectors}
        self.themes_of, self.sectors_of = defaultdict(list), defaultdict(list)
        for link in PartnerTheme.select(PartnerTheme.partner, PartnerTheme.theme):
            if link.partner_id in self.partner_by_id:
                self.themes_of[link.partner_id].append(self.theme_by_id[link.theme_id])
        for link in PartnerSector.select(PartnerSector.partner, PartnerSector.sector):
            if link.partner_id in self.partner_by_id:
                self.sectors_of[link.partner_id].append(sector_by_id[link.sector_id])

    def _load_permanences(self):
        query = (
            Permanence.select(Permanence, Place)
            .join(Place)
            .where(~Permanence.draft, Permanence.valid_to.is_null() | (Permanence.valid_to >= self.today))
            .order_by(Permanence.title)
        )
        self.permanences = []
        changes = OccurrenceChange.select(OccurrenceChange, Place).join(Place, JOIN.LEFT_OUTER)
        for permanence in prefetch(query, Closure.select(), changes):
            if permanence.partner_id is None or permanence.partner_id in self.partner_by_id:
                if permanence.partner_id:
                    permanence.partner = self.partner_by_id[permanence.partner_id]
                self.permanences.append(permanence)

    def _load_events(self):
        topics = {topic.id: topic for topic in Topic.select()}
        self.events = list(Event.select(Event, Place).join(Place, JOIN.LEFT_OUTER).order_by(Event.starts_at))
        for event in self.events:
            event.topic = topics.get(event.topic_id)
        self.topics = [topic for topic in topics.values() if topic.status in ("accepted", "held")]
        self.seats_taken = registrations.confirmed_seats_by_event()
        self.participants = defaultdict(list)
        offers = defaultdict(list)
        for offer in JobOffer.select().order_by(JobOffer.title):
            offers[offer.participation_id].append(offer)
        event_by_id = {event.id: event for event in self.events}
        for participation in EventPartner.select().order_by(EventPartner.id):
            if participation.partner_id in self.partner_by_id:
                participation.partner = self.partner_by_id[participation.partner_id]
                participation.event = event_by_id[participation.event_id]
                participation.offers = offers[participation.id]
                self.participants[participation.event_id].append(participation)

    # -- derived views --

    def upcoming_events(self):
        return [event for event in self.events if event.ends_at >= self.now]

    def events_by_partner(self):
        """{partner id: upcoming events it organises or takes part in}."""
        grouped = defaultdict(list)
        for event in self.upcoming_events():
            partner_ids = {p.partner_id for p in self.participants[event.id]} | {event.organiser_id}
            for partner_id in partner_ids:
                grouped[partner_id].append(event)
        return grouped

    def permanence_view(self, permanence):
        coming = schedule.upcoming(permanence, self.today)
        return {
            "permanence": permanence,
            "next_dates": coming.next,
            "closed": coming.closed,
            "changed": [(schedule.change_when(change, permanence), change.note) for change in coming.changed],
        }

    def seats_left(self, event):
        return registrations.seats_left(event, taken=self.seats_taken.get(event.id, 0))

    # -- the pages --

    def pages(self, base_url):
        helpers = PageHelpers(self, base_url)
        yield from self.directory_pages(helpers)
        yield from self.permanence_pages(helpers)
        yield from self.event_pages(helpers)

    def directory_pages(self, helpers):
        by_letter = defaultdict(list)
        for partner in self.partners:
            by_letter[initial(partner.name)].append(partner)
        theme_partners = self.partners_by_theme()
        top_themes = [
            (t, len(theme_partners[t.id]))
            for t in self.theme_by_id.values()
            if t.parent_id is None and theme_partners[t.id]
        ]
        top_themes.sort(key=lambda item: item[0].label)
        yield helpers.page(
            "annuaire/",
            "Annuaire des partenaires",
            "directory.html",
            in_nav=True,
            partners=self.partners,
            by_letter=sorted(by_letter.items()),
            theme_counts=top_themes,
            sectors=self.sectors,
        )
        for theme_id, partners in theme_partners.items():
            theme = self.theme_by_id[theme_id]
            intro = f"Les partenaires qui aident sur « {theme.label} »."
            yield partner_list_page(
                helpers, urls.site_path("theme", theme), f"Thématique : {theme.label}", intro, partners
            )
        for sector in self.sectors:
            partners = [p for p in self.partners if sector in self.sectors_of[p.id]]
            yield partner_list_page(
                helpers,
                urls.site_path("sector", sector),
                f"Partenaires — {sector.name}",
                sector.areas,
                partners,
                heading=f"Partenaires du quartier {sector.name}",
                sector=sector,
            )
        permanences_of, events_of = defaultdict(list), self.events_by_partner()
        participations_of = defaultdict(list)
        upcoming_ids = {event.id for event in self.upcoming_events()}
        for event_id, participations in self.participants.items():
            for participation in participations:
                if event_id in upcoming_ids and (participation.contribution or participation.offers):
                    participations_of[participation.partner_id].append(participation)
        for permanence in self.permanences:
            permanences_of[permanence.partner_id].append(permanence)
        for partner in self.partners:
            yield helpers.page(
                urls.site_path("partner", partner),
                partner.name,
                "partner.html",
                partner=partner,
                shared=partner.shared_fields("public"),  # what the partner chose to publish
                description=partner.summary,
                website=safe_website(partner.website),
                themes=sorted(self.themes_of[partner.id], key=lambda t: t.label),
                sectors=self.sectors_of[partner.id],
                permanences=permanences_of[partner.id],
                events=events_of[partner.id],
                participations=participations_of[partner.id],
            )

    def partners_by_theme(self):
        """{theme id: partners}, a partner of a sub-theme counting for its parent too."""
        grouped = defaultdict(list)
        for partner in self.partners:
            ids = set()
            for theme in self.themes_of[partner.id]:
                ids.add(theme.id)
                if theme.parent_id:
                    ids.add(theme.parent_id)
            for theme_id in ids:
                grouped[theme_id].append(partner)
        return grouped

    def permanence_pages(self, helpers):
        by_sector = defaultdict(list)
        for permanence in self.permanences:
            by_sector[permanence.sector_id].append(self.permanence_view(permanence))
        yield helpers.page(
            "permanences/",
            "Permanences par quartier",
            "permanences_index.html",
            in_nav=True,
            sectors=[(s, len(by_sector[s.id])) for s in self.sectors],
        )
        for sector in self.sectors:
            # The sector's page and its printable poster show the same permanences.
            common = dict(sector=sector, permanences=by_sector[sector.id])
            yield helpers.page(
                urls.site_path("permanences", sector),
                f"Permanences — {sector.name}",
                "permanences_sector.html",
                description=f"Jours, heures et lieux des permanences du quartier {sector.name}.",
                **common,
            )
            page_url = urls.public_url(helpers.base_url, "permanences", sector)
            yield helpers.page(
                urls.site_path("poster", sector),
                f"Affiche — {sector.name}",
                "poster.html",
                **common,
                page_url=page_url,
                qr_svg=qr_svg(page_url),
                hide=["navigation", "toc"],
                search=False,
            )

    def event_pages(self, helpers):
        upcoming = self.upcoming_events()
        meetings = [e for e in self.events if e.kind == "partner_meeting"]
        topic_events = defaultdict(list)
        for event in meetings:
            topic_events[event.topic_id].append(event)
        yield helpers.page(
            "rencontres/",
            "Rencontres inter-partenaires",
            "meetings.html",
            in_nav=True,
            upcoming=[e for e in meetings if e in upcoming],
            past=[e for e in reversed(meetings) if e not in upcoming],
            topics=sorted(self.topics, key=lambda t: t.title),
            topic_events=topic_events,
        )
        yield from self.agenda_pages(helpers, upcoming)
        for event in self.events:
            yield from self.event_page_and_filter(helpers, event)

    def event_page_and_filter(self, helpers, event):
        """The event page, and for a job fair its "sans diplôme" view: the
        same page with only the offers open without a diploma (no script)."""
        participants = self.participants[event.id]
        path = urls.site_path("event", event)
        without = sum(o.without_diploma for p in participants for o in p.offers)
        common = dict(
            event=event,
            description=f"{EVENT_KINDS[event.kind]} — {schedule.event_when(event)}",
            offers_without_diploma=without,
            all_path=path,
            filtered_path=f"{path}sans-diplome/",
        )
        yield helpers.page(
            path, event.title, "event.html", participants=participants, filtered=False, **common
        )
        if without:
            kept = [p for p in participants if any(o.without_diploma for o in p.offers)]
            yield helpers.page(
                common["filtered_path"],
                f"{event.title} — offres sans diplôme",
                "event.html",
                participants=kept,
                filtered=True,
                **common,
            )

    def agenda_pages(self, helpers, upcoming, say=lambda text: text, group=None):
        """The agenda and its views by kind and by sector: in French, or in a
        tenant's language with ``say`` (the catalog's gettext) and ``group``
        (events by month, the months named in that language)."""
        kinds = [("agenda/", say("Tout"))] + [
            (urls.site_path("agenda_kind", code), say(label)) for code, label in EVENT_KINDS.items()
        ]
        sectors = [(f"agenda/secteur/{s.slug}/", s.name) for s in self.sectors]
        filters = {"kinds": kinds, "sectors": sectors}
        agenda = say("Agenda")
        views = [("agenda/", agenda, upcoming, ("all",))]
        views += [
            (path, f"{agenda} — {label}", [e for e in upcoming if e.kind == code], ("kind", code))
            for (path, label), code in zip(kinds[1:], EVENT_KINDS, strict=True)
        ]
        views += [
            (path, f"{agenda} — {name}", [e for e in upcoming if e.sector_id == s.id], ("sector", s))
            for (path, name), s in zip(sectors, self.sectors, strict=True)
        ]
        for path, title, events, feed in views:
            yield helpers.page(
                path,
                title,
                "agenda.html",
                in_nav=(path == "agenda/"),
                heading=title,
                months=(group or by_month)(events),
                filters=filters,
                current=path,
                feed=feed,
            )


class PageHelpers:
    """Functions the page templates call; one instance per build."""

    def __init__(self, data, base_url):
        self.data, self.base_url = data, base_url

    def page(self, path, title, template, in_nav=False, description="", hide=(), search=True, **context):
        return GeneratedPage(path, title, description, hide, search, in_nav, template, context, self)

    def seats_text(self, event):
        left = self.data.seats_left(event)
        if left is None:
            return "Entrée libre, sans limite de places."
        if left == 0:
            return "Complet — vous pouvez vous inscrire sur la liste d'attente."
        return f"Il reste {left} place{'s' if left > 1 else ''} sur {event.capacity}."

    def registration_open(self, event):
        # The registration page's own rule (an event without dates: just come).
        return registrations.closed_reason(event, self.data.now) is None

    def globals(self, current_path):
        return {
            "rel": lambda target: relative(target, current_path),
            "prefix": "",  # French pages are at the root; /en/ pages set theirs
            "fr": lambda text: text,  # French text needs no marking on a French page
            "path": urls.site_path,
            "portal_url": lambda path: self.base_url + path,
            "feed_urls": lambda scope, item=None: urls.feed_urls(self.base_url, scope, item),
            "describe": schedule.describe,
            "long_date": schedule.long_date,
            "occurrence_when": lambda occurrence, permanence: occurrence.when,
            "event_when": schedule.event_when,
            "seats_text": self.seats_text,
            "registration_open": self.registration_open,
            "partner_types": PARTNER_TYPES,
            "event_kinds": EVENT_KINDS,
            "today": self.data.today,
        }


class GeneratedPage:
    def __init__(self, path, title, description, hide, search, in_nav, template, context, helpers):
        self.path, self.title, self.description = path, title, description
        self.hide, self.search, self.in_nav = hide, search, in_nav
        self.template, self.context, self.helpers = template, context, helpers

    def markdown(self):
        """Front matter only: the body comes in on_page_content."""
        meta = {"title": html.escape(self.title), "description": html.escape(self.description or self.title)}
        if self.hide:
            meta["hide"] = list(self.hide)
        if not self.search:
            meta["search"] = {"exclude": True}
        # JSON is valid YAML, and escapes every character YAML could misread.
        front_matter = "\n".join(f"{key}: {json.dumps(value)}" for key, value in meta.items())
        return f"---\n{front_matter}\n---\n"

    def body(self):
        return TEMPLATES.get_template(self.template).render(**self.helpers.globals(self.path), **self.context)

    def to_file(self, config):
        inclusion = InclusionLevel.UNDEFINED if self.in_nav else InclusionLevel.NOT_IN_NAV
        file = File.generated(config, self.path + "index.md", content=self.markdown(), inclusion=inclusion)
        file.relais_page = self
        return file


# -- small helpers ------------------------------------------------------------


def partner_list_page(helpers, path, title, intro, partners, heading=None, sector=None):
    """A page listing partners: a theme's, or a sector's (which also links to
    the sector's permanences). One template, so both lists look alike; the
    heading is the title unless told otherwise."""
    return helpers.page(
        path,
        title,
        "partner_list.html",
        heading=heading or title,
        intro=intro,
        partners=partners,
        sector=sector,
    )


def relative(target, current):
    """Relative link from the page at ``current`` to ``target`` (both 'a/b/')."""
    return posixpath.relpath(target or ".", current or ".").rstrip("/") + "/"


def initial(name):
    """The A–Z heading of a name: 'Épicerie' goes under E, '3F' under #."""
    letter = slugify(name)[:1].upper()
    return letter if letter.isalpha() else "#"


def safe_website(url):
    """Only http(s) addresses become links; anything else is dropped."""
    parts = urlsplit((url or "").strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def qr_svg(url):
    """An inline SVG QR code (no image file, no external service)."""
    svg = segno.make(url, error="m").svg_inline(scale=5, omitsize=True, title=f"Code QR vers {url}")
    return Markup(svg)


def by_month(events):
    months = defaultdict(list)
    for event in events:
        start = schedule.local(event.starts_at)
        months[(start.year, start.month)].append(event)
    return [
        (f"{schedule.MONTH_NAMES[m - 1].capitalize()} {y}", evs) for (y, m), evs in sorted(months.items())
    ]
