"""The tenant pages in several languages: French at /, the others under /<lang>/.

The home page, the permanences (index, each sector) and the agenda are
generated once per language of ``PORTAL_SITE_LANGUAGES`` (default "fr,en,ar")
in the same build, from the same snapshot of the database, with the same
templates: their fixed sentences go through gettext (portal/site/locales,
French msgids, so French is the fallback), and what comes from the data
(days, dates, hours, closures) is worded per language by services/wording.py.
Each sector also gets bilingual posters, /permanences/<secteur>/affiche/<lang>/.

Every page carries its language in ``page.meta`` ("lang", "alternates"):
the theme override partials/language.html reads it, so Material's own
interface (search, skip link, tabs, <html lang>, <body dir>) follows the
page; each language gets its own navigation tabs. hreflang alternates are in
sitemap.xml, not in <head>: Material 9's script reroutes clicks on any link
below a <link rel=alternate> (see docs/languages.md).

mkdocs-static-i18n was not used: it runs one whole build per language and
cannot handle pages made with File.generated.
"""

import os
import re

from babel.core import UnknownLocaleError
from flask import current_app, has_app_context
from jinja2.ext import _make_new_gettext, _make_new_ngettext, _make_new_pgettext
from markupsafe import Markup, escape
from mkdocs.exceptions import PluginError
from mkdocs.structure.nav import Navigation
from mkdocs.structure.toc import get_toc

from portal import urls
from portal.services import schedule, wording
from portal.services.wording import N_
from portal.store.models import EVENT_KINDS

AVAILABLE = ("fr", "en", "ar", "tr", "es")
DEFAULT = "fr,en,ar"
NAV_KEYS = ("", "permanences/", "agenda/")  # the tabs of a translated site
STATE = {"langs": ["fr"], "meta": {}, "navs": {}}  # one build at a time (publish.build_lock)

# Sentences of mkdocs.yml and vocab.py shown on translated pages, for `pybabel extract`.
THEME_STRINGS = [N_("Passer en mode sombre"), N_("Passer en mode clair")]
# Words of sitegen's agenda filters (its views say them through the catalog).
AGENDA_STRINGS = [N_("Agenda"), N_("Tout")]
# The French labels of vocab.EVENT_KINDS; a label changed there shows in French until translated.
KIND_LABELS = [
    N_("Rencontre inter-partenaires"),
    N_("Forum emploi"),
    N_("Aller vers"),
    N_("Réunion de concertation"),
    N_("Autre événement"),
]


def configured():
    """["fr", ...]: the setting PORTAL_SITE_LANGUAGES, French always first."""
    value = current_app.config.get("SITE_LANGUAGES") if has_app_context() else None
    value = value or os.environ.get("PORTAL_SITE_LANGUAGES") or DEFAULT
    codes = [code.strip().lower() for code in str(value).split(",") if code.strip()]
    unknown = [code for code in codes if code not in AVAILABLE]
    if unknown:
        raise PluginError(
            f"PORTAL_SITE_LANGUAGES : langue(s) inconnue(s) {', '.join(unknown)} "
            f"(disponibles : {', '.join(AVAILABLE)})."
        )
    return ["fr"] + [code for code in dict.fromkeys(codes) if code != "fr"]


def prefix(lang):
    return "" if lang == "fr" else f"{lang}/"


def alternates(key):
    """[{lang, path, name, dir}] of the page ``key`` ('permanences/x/') in every language."""
    return [
        {
            "lang": lang,
            "path": prefix(lang) + key,
            "name": wording.native_name(lang),
            "dir": wording.direction(lang),
        }
        for lang in STATE["langs"]
    ]


# -- Jinja --------------------------------------------------------------------


def install(environment):
    """gettext in the site's Jinja environment: French (the msgids) by
    default; a translated page passes its own functions in its context."""
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_translations(wording.catalog("fr"), newstyle=True)
    environment.filters["nobreak"] = wording.unbreakable
    environment.globals.update(
        lang="fr",
        prefix="",
        fr=lambda text: text,
        closed_reason=lambda day, reason, permanence: reason,
        bilingual_posters=bilingual_posters,
    )


def bilingual_posters(sector):
    """[{lang, name, dir, path}] of a sector's bilingual posters (French and one more language)."""
    return [
        {
            "lang": code,
            "name": wording.native_name(code),
            "dir": wording.direction(code),
            "path": poster_path(sector, code),
        }
        for code in STATE["langs"][1:]
    ]


def poster_path(sector, lang):
    return f"{urls.site_path('poster', sector)}{lang}/"


def french(text):
    """Text typed in French (names, notes, places) inside another language:
    its own lang, and isolated so that it keeps its order in Arabic."""
    return Markup('<bdi lang="fr">{}</bdi>').format(text) if text else text


def gettext_functions(lang):
    """The newstyle (autoescape-safe) gettext functions of ``lang``, for a render context."""
    t = wording.catalog(lang)
    return {
        "gettext": _make_new_gettext(t.gettext),
        "ngettext": _make_new_ngettext(t.ngettext),
        "pgettext": _make_new_pgettext(t.pgettext),
    }


class Helpers:
    """What a page of language ``lang`` calls: the French helpers of sitegen
    with the words, dates and links of that language."""

    def __init__(self, french_helpers, lang):
        self.french, self.lang, self.base_url = french_helpers, lang, french_helpers.base_url
        self.t = wording.catalog(lang)

    def page(self, key, title, template, in_nav=False, **context):
        """A page of this language at /<lang>/<key>; its tabs are NAV_KEYS (on_nav), whatever ``in_nav``."""
        from portal.site.sitegen import GeneratedPage

        path = prefix(self.lang) + key
        page = GeneratedPage(
            path, title, context.pop("description", ""), (), True, False, template, context, self
        )
        STATE["meta"][path + "index.md"] = {"lang": self.lang, "alternates": alternates(key)}
        return page

    def path(self, kind, item=None):
        if kind == "permanences":
            return prefix(self.lang) + urls.site_path(kind, item)
        if kind == "poster":
            return poster_path(item, self.lang)
        return urls.site_path(kind, item)

    def globals(self, current_path):
        lang = self.lang
        return {
            **self.french.globals(current_path),
            **gettext_functions(lang),
            "lang": lang,
            "prefix": prefix(lang),
            "path": self.path,
            "fr": french,
            "describe": lambda permanence: wording.describe(permanence, lang),
            "long_date": lambda day: wording.long_date(day, lang),
            "event_when": lambda event: wording.event_when(event, lang),
            "closed_reason": self.closed_reason,
            "occurrence_when": self.occurrence_when,
            "event_kinds": {code: self.t.gettext(label) for code, label in EVENT_KINDS.items()},
            "seats_text": lambda event: "",  # seat counts stay on the French event page
            "registration_open": lambda event: False,
        }

    def closed_reason(self, day, reason, permanence):
        postcode = permanence.place.postcode if permanence.place_id else ""
        text, typed = wording.closure_reason(
            day, reason, schedule.public_holidays(day, day, postcode), self.lang
        )
        return french(text) if typed else text

    def change_when(self, change, permanence):
        place = change.place if change.place_id else permanence.place
        return self.dated_hours(change.day, change.opens_at, change.closes_at, place, permanence)

    def occurrence_when(self, occurrence, permanence):
        """One of the next dates: the day alone, or with the hours and place it
        really has when they differ from the usual ones."""
        usual = (permanence.opens_at, permanence.closes_at, permanence.place_id)
        if (occurrence.opens_at, occurrence.closes_at, occurrence.place.id) == usual:
            return wording.long_date(occurrence.day, self.lang)
        return self.dated_hours(
            occurrence.day, occurrence.opens_at, occurrence.closes_at, occurrence.place, permanence
        )

    def dated_hours(self, day, opens_at, closes_at, place, permanence):
        text = escape(wording.date_and_hours(day, opens_at, closes_at, self.lang))
        if place.id != permanence.place_id:
            text += Markup(" (") + french(place.one_line) + ")"
        return text


# -- the pages ----------------------------------------------------------------


def pages(site, french_helpers):
    """The translated pages and the bilingual posters, after sitegen's French ones."""
    STATE["meta"].update(
        {f"{key}index.md": {"lang": "fr", "alternates": alternates(key)} for key in NAV_KEYS}
    )
    by_sector = {sector.id: [] for sector in site.sectors}
    for permanence in site.permanences:
        by_sector.setdefault(permanence.sector_id, []).append(permanence)
    for sector in site.sectors:
        key = urls.site_path("permanences", sector)
        STATE["meta"][key + "index.md"] = {"lang": "fr", "alternates": alternates(key)}
    for lang in STATE["langs"][1:]:
        helpers = Helpers(french_helpers, lang)
        yield from language_pages(site, helpers, by_sector)
        for sector in site.sectors:
            yield poster(site, helpers, sector, by_sector[sector.id])


def language_pages(site, helpers, by_sector):
    t = helpers.t
    yield helpers.page("", t.gettext("Accueil"), "home.html", sectors=site.sectors)
    yield helpers.page(
        "permanences/",
        t.gettext("Permanences par quartier"),
        "permanences_index.html",
        sectors=[(sector, len(by_sector[sector.id])) for sector in site.sectors],
    )
    for sector in site.sectors:
        yield helpers.page(
            urls.site_path("permanences", sector),
            t.gettext("Permanences — %(quartier)s") % {"quartier": sector.name},
            "permanences_sector.html",
            sector=sector,
            permanences=[view(site, helpers, p) for p in by_sector[sector.id]],
        )
    yield from site.agenda_pages(
        helpers, site.upcoming_events(), say=t.gettext, group=lambda events: months(events, helpers.lang)
    )


def view(site, helpers, permanence):
    """sitegen's permanence view, its exceptional hours worded in the page's language."""
    french_view = site.permanence_view(permanence)
    changes = schedule.upcoming(permanence, site.today).changed  # the page's one horizon
    changed = [(helpers.change_when(change, permanence), change.note) for change in changes]
    return {**french_view, "changed": changed}


def months(events, lang):
    grouped = {}
    for event in events:
        start = schedule.local(event.starts_at)
        grouped.setdefault((start.year, start.month), []).append(event)
    return [(wording.month_title(y, m, lang), evs) for (y, m), evs in sorted(grouped.items())]


def poster(site, helpers, sector, permanences):
    """The French poster with each line in one more language too; its QR code
    leads to that language's page."""
    from portal.site.sitegen import qr_svg

    other = helpers.lang
    page_url = f"{helpers.base_url}/{prefix(other)}{urls.site_path('permanences', sector)}"
    t = wording.catalog(other)
    return helpers.french.page(
        poster_path(sector, other),
        f"Affiche — {sector.name} ({wording.native_name(other)})",
        "poster.html",
        sector=sector,
        permanences=[site.permanence_view(p) for p in permanences],
        page_url=page_url,
        qr_svg=qr_svg(page_url),
        hide=["navigation", "toc"],
        search=False,
        other={"lang": other, "dir": wording.direction(other), "name": wording.native_name(other)},
        _o=_make_new_gettext(t.gettext),
        bdi_fr=french,
        describe_other=lambda permanence: wording.describe(permanence, other),
    )


# -- MkDocs events (sitegen's and mkdocs_hook's) ------------------------------


def on_config(config):
    STATE.update(langs=configured(), meta={}, navs={})
    for lang in STATE["langs"]:  # fail early on a language nobody can show
        material = [os.path.join(d, "partials", "languages", f"{lang}.html") for d in config.theme.dirs]
        if not any(os.path.exists(path) for path in material):
            raise PluginError(f"Material n'a pas de traduction de son interface pour « {lang} ».")
        try:
            wording.locale(lang)
        except UnknownLocaleError as error:
            raise PluginError(f"Babel ne connaît pas la langue « {lang} ».") from error
    return config


def on_page_markdown(markdown, page, config, files):
    """The language of every page, generated or hand-written (French by default)."""
    page.meta.update(STATE["meta"].get(page.file.src_uri, {"lang": "fr"}))
    return markdown


def on_nav(nav, config, files):
    """MkDocs has one navigation; the tabs of /en/ pages must list /en/ pages."""
    STATE["navs"]["fr"] = nav
    for lang in STATE["langs"][1:]:
        t = wording.catalog(lang)
        labels = [
            t.pgettext("onglet", "Accueil"),
            t.pgettext("onglet", "Permanences"),
            t.pgettext("onglet", "Agenda"),
        ]
        items = []
        for key, label in zip(NAV_KEYS, labels, strict=True):
            page = files.get_file_from_path(f"{prefix(lang)}{key}index.md").page
            page.title = label  # the tab; <title> keeps the page's meta title
            items.append(page)
        STATE["navs"][lang] = Navigation(items, items)
    return nav


def on_page_context(context, page, config, nav):
    context["nav"] = STATE["navs"].get(page.meta.get("lang", "fr"), nav)
    return context


def on_env(env, config, files):
    """`relais_t(lang, msgid)` for the theme overrides (palette names), and the
    portal's address for the sitemap's hreflang links."""
    env.globals["relais_t"] = lambda lang, msgid: wording.catalog(lang or "fr").gettext(msgid)
    env.globals["relais_base_url"] = base_url()
    return env


def base_url():
    if has_app_context():
        return current_app.config["BASE_URL"].rstrip("/")
    return os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def page_content(body, page):
    """The language switcher on top of pages with versions, and a table of
    contents for generated pages: Material shows its "skip to content" link
    only on pages that have one, and their bodies skip Markdown."""
    if 'id="contenu"' in body:
        page.toc = get_toc([{"level": 1, "id": "contenu", "name": page.title, "children": []}])
    if page.meta.get("alternates"):
        body = str(switcher(page)) + body
    return body


def switcher(page):
    current, here = page.meta.get("lang", "fr"), page.url
    t = wording.catalog(current)
    items = []
    for alt in page.meta["alternates"]:
        name = escape(alt["name"])
        attrs = Markup(' lang="{}" dir="{}"').format(alt["lang"], alt["dir"])
        if alt["lang"] == current:
            items.append(Markup('<li><span aria-current="page"{}>{}</span></li>').format(attrs, name))
        else:
            href = relative_url(alt["path"], here)
            items.append(
                Markup('<li><a href="{}" hreflang="{}"{}>{}</a></li>').format(href, alt["lang"], attrs, name)
            )
    label = escape(t.gettext("Langues"))
    return Markup('<nav class="relais-languages" aria-label="{}"><ul>{}</ul></nav>\n').format(
        label, Markup("").join(items)
    )


def relative_url(target, current):
    from portal.site.sitegen import relative

    return relative(target, current)


HTML_TAG = re.compile(r'<html lang="([^"]+)"')


def on_post_page(output, page, config):
    """Material puts dir on <body> only; <html> gets it too."""
    direction = wording.direction(page.meta.get("lang", "fr"))
    return HTML_TAG.sub(lambda match: f'{match.group(0)} dir="{direction}"', output, count=1)
