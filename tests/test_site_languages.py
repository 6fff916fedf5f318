"""Tenant pages in several languages: wording from the data, catalogs, the built pages."""

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from mkdocs.exceptions import PluginError

from portal.demo import load_demo
from portal.services import schedule, wording
from portal.site import languages, publish
from portal.store.models import Closure, Permanence, Place, Sector
from tests.htmlparse import parse

LOCALES = Path(wording.LOCALES_DIR)
TRANSLATED = ["en", "ar", "tr", "es"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def permanence(**fields):
    values = dict(
        weekdays="TU",
        recurrence="weekly",
        every_n_weeks=1,
        month_week=None,
        opens_at=time(14),
        closes_at=time(16, 30),
    )
    values.update(fields)
    return SimpleNamespace(**values, weekday_codes=values["weekdays"].split(","))


SHAPES = [
    permanence(),
    permanence(weekdays="MO,TH", opens_at=time(9), closes_at=time(12)),
    permanence(weekdays="MO,WE,FR"),
    permanence(every_n_weeks=2),
    permanence(every_n_weeks=3),
    *[permanence(recurrence="monthly", month_week=rank) for rank in (1, 2, 3, 4, -1)],
]


# -- wording ------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_french_wording_is_the_schedule_wording(shape):
    assert wording.describe(shape, "fr") == schedule.describe(shape)


@pytest.mark.parametrize(
    "shape, lang, expected",
    [
        (SHAPES[5 + 1], "en", "the 2nd Tuesday of the month, 14:00–16:30"),
        (SHAPES[1], "en", "every Monday and Thursday, 09:00–12:00"),
        (SHAPES[3], "en", "every 2 weeks on Tuesday, 14:00–16:30"),
        (SHAPES[2], "es", "cada lunes, miércoles y viernes, 14:00–16:30"),
        (SHAPES[9], "tr", "her ayın son Salı günü, 14:00–16:30"),
        (SHAPES[6], "ar", "يوم الثلاثاء الثاني من كل شهر، 14:00–16:30"),
        # Arabic has a dual: "every two weeks" is one word, not "2 weeks".
        (SHAPES[3], "ar", "الثلاثاء، مرة كل أسبوعين، 14:00–16:30"),
        (SHAPES[4], "ar", "الثلاثاء، مرة كل 3 أسابيع، 14:00–16:30"),
    ],
)
def test_wording_comes_from_the_data_in_each_language(shape, lang, expected):
    assert wording.describe(shape, lang) == expected


def test_dates_events_and_closures_in_each_language():
    assert wording.long_date(date(2026, 12, 1), "fr") == "mardi 1er décembre 2026"
    assert wording.long_date(date(2026, 12, 8), "en") == "Tuesday, 8 December 2026"
    assert wording.long_date(date(2026, 12, 8), "es") == "martes, 8 de diciembre de 2026"
    assert wording.month_title(2027, 1, "tr") == "Ocak 2027"
    event = SimpleNamespace(
        starts_at=datetime(2026, 12, 8, 8, tzinfo=UTC),
        ends_at=datetime(2026, 12, 8, 11, 30, tzinfo=UTC),
        all_day=False,
    )
    assert wording.event_when(event, "en") == "Tuesday, 8 December 2026, 09:00–12:30"  # Paris time
    assert wording.event_when(event, "fr") == schedule.event_when(event)
    holidays = {date(2026, 12, 25): "Noël"}
    assert wording.closure_reason(date(2026, 12, 25), "Noël", holidays, "en") == ("public holiday", False)
    assert wording.closure_reason(date(2026, 12, 21), "Fermeture exceptionnelle", holidays, "ar") == (
        "إغلاق استثنائي",
        False,
    )
    # A reason typed by a mediator stays as typed, to be marked lang="fr".
    assert wording.closure_reason(date(2026, 12, 21), "Formation", holidays, "en") == ("Formation", True)
    assert wording.closure_reason(date(2026, 12, 25), "Noël", holidays, "fr") == ("Noël", False)


def test_time_ranges_do_not_break_across_lines():
    assert (
        wording.unbreakable("Chaque lundi, 14 h–16 h 30")
        == "Chaque lundi, 14\u00a0h\u2060–\u2060" + "16\u00a0h\u00a030"
    )
    assert wording.unbreakable("الاثنين، 09:00–12:00") == "الاثنين، 09:00\u2060–\u206012:00"


def test_a_missing_translation_falls_back_to_french():
    assert wording.catalog("en").gettext("Une phrase que personne n'a traduite") == (
        "Une phrase que personne n'a traduite"
    )
    assert (
        wording.catalog("fr").ngettext("%(num)d permanence", "%(num)d permanences", 0) == "%(num)d permanence"
    )


# -- catalogs -----------------------------------------------------------------


def source_messages():
    """{(context, msgid)} extracted from the code now, as `pybabel extract` does."""
    method_map = [
        ("services/wording.py", "python"),
        ("site/languages.py", "python"),
        ("site/templates/**.html", "jinja2"),
    ]
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "pgettext": ((1, "c"), 2),
        "N_": None,
        "_o": None,
    }
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(LOCALES.parent.parent), method_map, keywords=keywords
    ):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


def read(path, lang=None):
    with path.open("rb") as handle:
        return read_po(handle, locale=wording.BABEL_LOCALES.get(lang, lang) if lang else None)


def key(message):
    return (message.context, message.id[0] if isinstance(message.id, tuple) else message.id)


def test_the_template_catalog_is_up_to_date():
    template = {key(m) for m in read(LOCALES / "messages.pot") if m.id}
    assert template == source_messages(), "run the extract command of docs/languages.md"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_catalog_is_complete_and_keeps_the_placeholders(lang):
    catalog = read(LOCALES / lang / "LC_MESSAGES" / "messages.po", lang)
    wanted, problems = source_messages(), []
    for message in catalog:
        if not message.id:
            continue
        wanted.discard(key(message))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if "fuzzy" in message.flags or not all(strings):
            problems.append(f"untranslated or fuzzy: {key(message)}")
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        allowed = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for string in strings:
            used = set(PLACEHOLDER.findall(string))
            # A plural form may leave the number out ("مداومة واحدة"); nothing else.
            if used != allowed and not (used < allowed and allowed - used == {"num"}):
                problems.append(f"placeholders {sorted(used)} != {sorted(allowed)} in {key(message)}")
    problems += [f"missing: {k}" for k in wanted]
    problems += [f"{m.id!r}: {e}" for m, errors in catalog.check() for e in errors]
    assert problems == []
    assert len(catalog.plural_forms) > 10  # the language's own plural rule


def test_a_catalog_with_a_wrong_placeholder_is_refused(tmp_path, monkeypatch):
    po = tmp_path / "en" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, python-format\nmsgid "chaque %(jours)s"\nmsgstr "every %(days)s"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(wording, "LOCALES_DIR", tmp_path)
    wording.catalog.cache_clear()
    try:
        with pytest.raises(ValueError, match="days"):
            wording.catalog("en")
    finally:
        wording.catalog.cache_clear()


def test_catalogs_are_read_without_compiled_files():
    assert not list(LOCALES.glob("**/*.mo"))
    assert wording.catalog("es").gettext("Quand") == "Cuándo"


def test_the_setting_lists_known_languages_only(monkeypatch):
    monkeypatch.setenv("PORTAL_SITE_LANGUAGES", "en, ar,fr,en")
    assert languages.configured() == ["fr", "en", "ar"]
    monkeypatch.delenv("PORTAL_SITE_LANGUAGES")
    assert languages.configured() == ["fr", "en", "ar"]
    monkeypatch.setenv("PORTAL_SITE_LANGUAGES", "fr,xx")
    with pytest.raises(PluginError, match="xx"):
        languages.configured()


# -- the built site -----------------------------------------------------------


def page(site_dir, path):
    return (Path(site_dir) / path / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory, request):
    """The demo, a closure typed by a mediator and a partner's attack, in fr, en,
    ar and tr, built from the engine of the run (RELAIS_TEST_DATABASE)."""
    from tests.conftest import TEST_DATABASE, make_app

    workdir = tmp_path_factory.mktemp("site")
    url = f"sqlite:///{workdir / 'relais.db'}"
    if TEST_DATABASE == "postgres":
        from portal.store.db import make_database

        url = request.getfixturevalue("postgres_server")
        database = make_database(url)
        database.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        database.close()
    app = make_app(url, SITE_LANGUAGES="fr,en,ar,tr")
    with app.app_context():
        load_demo()
        sector = Sector.get(Sector.slug == "ozanam-et-albignac")
        place = Place.create(name="<script>alert('lieu')</script>", sector=sector)
        evil = Permanence.create(
            sector=sector,
            place=place,
            title="<b>perm</b>",
            weekdays="WE",
            opens_at=time(9),
            closes_at=time(11),
            valid_from=date(2026, 1, 7),
            notes="<iframe src=//evil.example>",
        )
        today = date.today()
        Closure.create(
            permanence=evil, start_date=today, end_date=today + timedelta(days=30), reason="<i>x</i>"
        )
        app.config["SITE_DIR"] = str(workdir / "site")
        publish.build_site(workdir / "site", app.config["MKDOCS_CONFIG"])
    return workdir / "site"


@pytest.mark.parametrize(
    "path, lang, direction, skip, tabs",
    [
        ("permanences/la-conte-et-joliot-curie", "fr", "ltr", "Aller au contenu", "Annuaire"),
        ("en/permanences/la-conte-et-joliot-curie", "en", "ltr", "Skip to content", "Drop-in sessions"),
        ("ar/permanences/la-conte-et-joliot-curie", "ar", "rtl", "انتقل إلى المحتوى", "المداومات"),
        ("tr/agenda", "tr", "ltr", "Ana içeriğe geç", "Danışma saatleri"),
        ("ar", "ar", "rtl", "انتقل إلى المحتوى", "المواعيد"),
    ],
)
def test_each_page_speaks_its_language(site, path, lang, direction, skip, tabs):
    html = page(site, path)
    assert re.search(rf'<html lang="{lang}" dir="{direction}"', html)
    assert f'<body dir="{direction}"' in html
    assert skip in html and 'href="#contenu"' in html
    tab_labels = re.findall(r'class="md-tabs__link">\s*([^<]+?)\s*<', html)
    assert tabs in tab_labels
    if lang != "fr":
        assert tab_labels == tab_labels[:3]  # Home, Permanences, Agenda of that language only
        assert "Annuaire" not in tab_labels


def test_switcher_and_sitemap_link_the_versions(site):
    html = parse(page(site, "ar/permanences/la-conte-et-joliot-curie"))
    switcher = html.find("nav", class_="relais-languages")
    links = {a.attrs["hreflang"]: a.attrs["href"] for a in switcher.iter("a")}
    assert links == {
        "fr": "../../../permanences/la-conte-et-joliot-curie/",
        "en": "../../../en/permanences/la-conte-et-joliot-curie/",
        "tr": "../../../tr/permanences/la-conte-et-joliot-curie/",
    }
    assert [s.text() for s in switcher.iter("span") if s.attrs.get("aria-current") == "page"] == ["العربية"]
    assert 'rel="alternate"' not in page(
        site, "en/permanences"
    )  # nothing in <head>: Material reroutes clicks
    sitemap = (Path(site) / "sitemap.xml").read_text()
    entry = sitemap.split("<loc>http://relais.test/permanences/la-conte-et-joliot-curie/</loc>")[1]
    entry = entry.split("</url>")[0]
    for lang in ("fr", "en", "ar", "tr", "x-default"):
        assert f'hreflang="{lang}"' in entry
    assert 'href="http://relais.test/ar/permanences/la-conte-et-joliot-curie/"' in entry


def test_partner_text_stays_french_and_escaped(site):
    html = page(site, "en/permanences/ozanam-et-albignac")
    assert '<bdi lang="fr">&lt;b&gt;perm&lt;/b&gt;</bdi>' in html
    assert "<iframe" not in html and "<script>alert" not in html and "<i>x</i>" not in html
    assert '<bdi lang="fr">&lt;i&gt;x&lt;/i&gt;</bdi>' in html  # the closure reason a mediator typed
    assert "No drop-in session:" in html and "There are no drop-in sessions on public holidays." in html
    french = page(site, "permanences/ozanam-et-albignac")
    assert "<bdi" not in french and "&lt;b&gt;perm&lt;/b&gt;" in french


def test_data_derived_text_per_language(site):
    english = page(site, "en/permanences/la-conte-et-joliot-curie")
    assert "The 1st Tuesday of the month, 17:30–19:00" in english
    assert re.search(r"Next dates: (Monday|Tuesday|Wednesday|Thursday), \d+ \w+ 20\d\d", english)
    arabic = page(site, "ar/permanences/la-conte-et-joliot-curie")
    assert "يوم الثلاثاء الأول من كل شهر، 17:30–19:00" in arabic
    french = page(site, "permanences/la-conte-et-joliot-curie")
    assert "Le 1er mardi du mois, 17 h 30–19 h" in french
    agenda = page(site, "tr/agenda")
    assert re.search(
        r"<h2>(Ocak|Şubat|Mart|Nisan|Mayıs|Haziran|Temmuz|Ağustos|Eylül|Ekim|Kasım|Aralık) 20\d\d</h2>",
        agenda,
    )


def test_translated_agenda_filters_by_kind_and_sector(site):
    """The agenda's views by kind and by sector exist in every language, each
    filter leading to the same language's view."""
    html = page(site, "en/agenda/type/forum-emploi")
    assert re.search(r'<html lang="en" dir="ltr"', html)
    assert '<h1 id="contenu">Events — Job fair</h1>' in html
    (nav,) = [n for n in parse(html).iter("nav") if n.attrs.get("aria-label") == "Filter the events"]
    links = {a.text(): a.attrs["href"] for a in nav.iter("a")}
    assert '<bdi lang="fr">Ozanam et Albignac</bdi>' in html  # a French name in an English page
    assert links["All"] == "../../"  # /en/agenda/
    assert links["Partners' meeting"] == "../rencontre/"  # /en/agenda/type/rencontre/
    assert links["Ozanam et Albignac"] == "../../secteur/ozanam-et-albignac/"
    arabic = page(site, "ar/agenda/secteur/ozanam-et-albignac")
    assert re.search(r'<html lang="ar" dir="rtl"', arabic) and "الكل" in arabic
    french = page(site, "agenda/type/forum-emploi")  # the French views are unchanged
    assert '<h1 id="contenu">Agenda — Forum emploi</h1>' in french and ">Tout</a>" in french


def test_bilingual_posters(site):
    html = page(site, "permanences/la-conte-et-joliot-curie/affiche/ar")
    assert re.search(r'<html lang="fr" dir="ltr"', html)
    assert 'class="relais-other" lang="ar" dir="rtl">يوم الثلاثاء الأول من كل شهر' in html
    assert "http://relais.test/ar/permanences/la-conte-et-joliot-curie/" in html
    svg = parse(html).find("svg")
    assert svg.attrs.get("viewbox")
    assert "width" not in svg.attrs  # sized by the CSS without being cropped
    french = parse(page(site, "permanences/la-conte-et-joliot-curie"))
    posters = [a.attrs["href"] for a in french.iter("a") if "affiche/" in a.attrs.get("href", "")]
    assert posters == ["affiche/", "affiche/en/", "affiche/ar/", "affiche/tr/"]
    assert not (Path(site) / "permanences" / "la-conte-et-joliot-curie" / "affiche" / "es").exists()


def test_only_the_configured_languages_are_built(site):
    assert (Path(site) / "tr" / "index.html").exists()
    assert not (Path(site) / "es").exists()
    assert not (Path(site) / "en" / "annuaire").exists()  # the directory stays French
