"""Public addresses of the static site's pages and of the portal's feeds.

The site generator writes pages at these paths and the feeds, emails and
portal pages link to them, so they are defined once, here.
"""

from urllib.parse import quote

from portal.store.models.vocab import EVENT_KIND_SLUGS

# Portal pages that emails link to, for code that runs without a request (the
# services, cron). tests/test_urls.py checks each against Flask's URL map.
PORTAL_PATHS = {
    "partners.confirm": "/portail/partenaires/confirmer/{token}",
    "partners.open_space": "/portail/partenaires/espace/{token}",
    "partners.confirm_contact_email": "/portail/partenaires/adresse/{token}",
    "moderation.queue": "/portail/moderation/",
    "topics.index": "/portail/themes/",
    "meetings.cancel": "/portail/rencontres/annulation/{token}",
    "referrals.answer": "/portail/orientations/reponse/{token}",
    "referrals.show": "/portail/orientations/{referral_id}",
    "auth.reset_password": "/portail/mot-de-passe/{token}",
    "auth.welcome": "/portail/bienvenue/{token}",
}


def site_path(kind, item=None):
    """Path of a public page, relative to the site root, ending with '/'."""
    paths = {
        "partner": lambda partner: f"partenaires/{partner.slug}/",
        "theme": lambda theme: f"annuaire/thematiques/{theme.slug}/",
        "sector": lambda sector: f"annuaire/secteurs/{sector.slug}/",
        "permanences": lambda sector: f"permanences/{sector.slug}/",
        "poster": lambda sector: f"permanences/{sector.slug}/affiche/",
        "event": lambda event: f"agenda/{event.id}/",
        "meetings": lambda _: "rencontres/",
        "agenda": lambda _: "agenda/",
        "agenda_kind": lambda kind: f"agenda/type/{EVENT_KIND_SLUGS[kind]}/",
    }
    return paths[kind](item)


def public_url(base_url, kind, item=None):
    """Absolute address of a public page, for feeds and emails."""
    return f"{base_url.rstrip('/')}/{site_path(kind, item)}"


def feed_path(scope, item=None):
    """Path of an iCalendar feed under the portal."""
    paths = {
        "all": lambda _: "calendrier/evenements.ics",
        "kind": lambda kind: f"calendrier/type/{EVENT_KIND_SLUGS[kind]}.ics",
        "sector": lambda sector: f"calendrier/secteur/{sector.slug}.ics",
        "partner": lambda partner: f"calendrier/partenaire/{partner.slug}.ics",
        "permanences": lambda _: "calendrier/permanences.ics",
        "event": lambda event: f"calendrier/evenement/{event.id}.ics",
    }
    return "/portail/" + paths[scope](item)


def feed_urls(base_url, scope, item=None):
    """(https URL, webcal URL) of a feed: both are offered to subscribers."""
    https = base_url.rstrip("/") + feed_path(scope, item)
    return https, "webcal://" + https.split("://", 1)[1]


def portal_path(endpoint, **values):
    """Path of a portal page listed in PORTAL_PATHS (values are URL-quoted)."""
    return PORTAL_PATHS[endpoint].format(**{k: quote(str(v), safe="") for k, v in values.items()})
