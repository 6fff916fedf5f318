"""Public addresses of the static site's pages and of the portal's feeds.

The site generator writes pages at these paths and the feeds, emails and
portal pages link to them, so they are defined once, here.
"""

from flask import current_app

from portal.store.models.vocab import EVENT_KIND_SLUGS


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


def base_url(config=None):
    return (config or current_app.config)["BASE_URL"].rstrip("/")


def public_url(kind, item=None, config=None):
    """Absolute address of a public page, for feeds and emails."""
    return f"{base_url(config)}/{site_path(kind, item)}"


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


def feed_urls(scope, item=None, config=None):
    """(https URL, webcal URL) of a feed: both are offered to subscribers."""
    https = base_url(config) + feed_path(scope, item)
    return https, "webcal://" + https.split("://", 1)[1]


def portal_url(endpoint, **values):
    """Absolute address of a portal page for an email, from a request or not
    (the cron jobs that send reminders have no request to build URLs from)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base_url() + path
