"""The public site generated from the database: content, escaping, publishing."""

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from portal.demo import load_demo
from portal.site import publish
from portal.store.models import (
    Event,
    OccurrenceChange,
    Partner,
    PartnerSector,
    Permanence,
    Place,
    Sector,
    Topic,
)
from tests.htmlparse import parse

PAYLOADS = {
    "name": '<script>alert("nom")</script>Asso',
    "summary": "<img src=x onerror=alert(1)>",
    "description": "[clic](javascript:alert(2))\n\n<div onclick=alert(3)>brut</div>\n\n# Titre injecté\n\n"
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n<!-- commentaire -->",
    "address": "**gras** <b>b</b> ![img](http://tracker.example/x.png)",
    "commune": "</title><script>alert(4)</script>",
    "website": "javascript:alert(5)",
    "email": '"><svg onload=alert(6)>@x.example',
}


def build(app, site_dir):
    app.config["SITE_DIR"] = str(site_dir)
    with app.app_context():
        publish.build_site(site_dir, app.config["MKDOCS_CONFIG"])
    return site_dir


def page(site_dir, path):
    return (Path(site_dir) / path / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    """The demo dataset plus an attacker's partner, built once for the module."""
    from tests.conftest import make_app

    workdir = tmp_path_factory.mktemp("site")
    app = make_app(f"sqlite:///{workdir / 'relais.db'}")
    with app.app_context():
        load_demo()
        sector = Sector.get(Sector.slug == "ozanam-et-albignac")
        evil = Partner.create(slug="evil", status="published", **PAYLOADS)
        PartnerSector.create(partner=evil, sector=sector)
        place = Place.create(name="<script>alert('lieu')</script>", sector=sector)
        Permanence.create(
            partner=evil,
            sector=sector,
            place=place,
            title="<b>perm</b>",
            weekdays="WE",
            opens_at=time(9),
            closes_at=time(11),
            valid_from=date(2026, 1, 7),
            notes="<iframe src=//evil.example>",
        )
        topic = Topic.create(
            title="<script>alert('thème')</script>", description="[x](javascript:1)", status="accepted"
        )
        start = datetime.now(UTC) + timedelta(days=20)
        Event.create(
            kind="partner_meeting",
            title="<img src=x onerror=alert('evt')>",
            topic=topic,
            place=place,
            sector=sector,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            description="<script>alert('desc')</script>",
        )
        Partner.create(
            name="Structure en attente", slug="en-attente", status="pending", contact_name="Mme Secret"
        )
    yield build(app, workdir / "site")


def test_directory_lists_published_partners_only(demo_site):
    directory = page(demo_site, "annuaire")
    assert "Amicale des locataires de La Conte et Joliot Curie" in directory
    assert "Structure en attente" not in directory
    assert not (Path(demo_site) / "partenaires" / "en-attente").exists()
    for partner_page in (Path(demo_site) / "partenaires").glob("*/index.html"):
        assert "Mme Secret" not in partner_page.read_text()


def test_partner_page(demo_site):
    html = page(demo_site, "partenaires/caf-de-l-aude")
    doc = parse(html)
    assert doc.find("h1").text() == "CAF de l'Aude"
    assert "Coordonnées" in html and "tel:0465714000" in html
    assert "/portail/calendrier/partenaire/caf-de-l-aude.ics" in html
    assert "webcal://" in html


def test_theme_and_sector_pages(demo_site):
    mental_health = page(demo_site, "annuaire/thematiques/sante--sante-mentale")
    assert "Thématique : Santé mentale" in mental_health
    assert 'href="../../../partenaires/' in mental_health  # relative links work from any host
    health = page(demo_site, "annuaire/thematiques/sante")  # parent theme gathers its sub-themes
    assert "Centre médico-psychologique" in health or "CMP" in health
    sector = page(demo_site, "annuaire/secteurs/grazailles-et-fleming")
    assert "Partenaires du quartier Grazailles et Fleming" in sector


def test_permanences_in_words_with_next_dates(demo_site):
    html = page(demo_site, "permanences/viguier-et-saint-jacques")
    assert re.search(r"(Chaque|Le \d|Le 1er|Le dernier|Un) \w+.*, \d+ h", html)
    assert "Prochaines dates" in html
    assert "affiche/" in html
    index = page(demo_site, "permanences")
    for name in [
        "La Conte et Joliot Curie",
        "Viguier et Saint Jacques",
        "Ozanam et Albignac",
        "Grazailles et Fleming",
    ]:
        assert name in index


def test_poster_has_a_qr_code_and_a_print_stylesheet(demo_site):
    html = page(demo_site, "permanences/la-conte-et-joliot-curie/affiche")
    doc = parse(html)
    assert doc.find("svg") is not None
    assert "permanences/la-conte-et-joliot-curie/" in doc.find("figcaption").text()
    css = (Path(demo_site) / "assets" / "relais.css").read_text()
    assert "@page { size: A4" in css and "@media print" in css


def test_meetings_and_agenda(demo_site):
    meetings = page(demo_site, "rencontres")
    assert "Addictions" in meetings and "Santé mentale" in meetings
    assert "/portail/rencontres/" in meetings  # registration link
    assert re.search(r"Il reste \d+ places? sur \d+", meetings)
    agenda = page(demo_site, "agenda")
    assert "Forum" in agenda and "Ajouter à mon agenda (.ics)" in agenda
    forum_only = page(demo_site, "agenda/type/forum-emploi")
    assert "Forum" in forum_only and "Café" not in forum_only
    assert "Agenda — Ozanam et Albignac" in page(demo_site, "agenda/secteur/ozanam-et-albignac")


def test_forum_page_lists_employers_and_offers(demo_site):
    agenda = parse(page(demo_site, "agenda/type/forum-emploi"))
    link = next(a for a in agenda.iter("a") if "Forum" in a.text())
    forum_path = Path("agenda/type/forum-emploi") / link.attrs["href"]
    forum = page(demo_site, forum_path)
    assert "Les partenaires présents" in forum and "sans diplôme" in forum
    # The "sans diplôme" filter is a page of its own: no script needed.
    filtered = parse(page(demo_site, forum_path / "sans-diplome")).find("article")
    offers = [
        li.text()
        for li in filtered.iter("li")
        if li.text().startswith(tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) and "(" in li.text()
    ]
    assert offers and all("sans diplôme" in offer for offer in offers)
    employer = next(
        a.attrs["href"] for a in parse(forum).iter("a") if "/partenaires/" in a.attrs.get("href", "")
    )
    assert "Participe à" in page(demo_site, forum_path / employer)


def all_pages(site_dir):
    return [p for p in Path(site_dir).rglob("*.html") if ".site-builds" not in str(p)]


def test_no_injection_survives_anywhere(demo_site):
    """Every payload above lands as inert text: no script, handler, javascript: link, markup."""
    for path in all_pages(demo_site):
        doc = parse(path.read_text(encoding="utf-8"))
        for element in doc.iter():
            for name, value in element.attrs.items():
                assert not name.startswith("on"), (path, element.tag, name)
                if name in ("href", "src") and value:
                    assert not value.lower().startswith("javascript:"), (path, value)
                    assert "evil.example" not in value and "tracker.example" not in value, (path, value)
            if element.tag == "script":
                assert "alert(" not in element.text(), path
            assert element.tag not in ("iframe", "img") or "x.png" not in str(element.attrs), path
        title = doc.find("title")
        assert "alert(4)" not in (title.text() if title else "") or "<script>" in title.text()


def test_injected_text_shows_as_text(demo_site):
    doc = parse(page(demo_site, "partenaires/evil"))
    assert doc.find("h1").text() == PAYLOADS["name"]
    article = doc.find("article")
    assert PAYLOADS["summary"] in article.text()
    assert "# Titre injecté" in article.text()  # not a heading
    assert all("Titre injecté" not in h.text() for h in article.iter("h1") if h.text() != PAYLOADS["name"])
    assert article.find("table") is None
    assert "Site web" not in article.text()  # a javascript: website is not shown at all
    assert doc.find("title").text().startswith(PAYLOADS["name"])


def test_no_request_leaves_the_site(demo_site):
    for path in all_pages(demo_site):
        doc = parse(path.read_text(encoding="utf-8"))
        for element in doc.iter():
            if element.tag in ("script", "img", "iframe", "source") and element.attrs.get("src"):
                assert not re.match(r"(https?:)?//", element.attrs["src"]), (path, element.attrs["src"])
            if element.tag == "link" and element.attrs.get("rel") in ("stylesheet", "preload", "icon"):
                assert not re.match(r"(https?:)?//", element.attrs.get("href", "")), path


def test_search_index_is_french(demo_site):
    config = (Path(demo_site) / "search" / "search_index.json").read_text()
    # French first, then the languages the tenant pages can be published in.
    assert '"lang":["fr","en","ar","tr","es"]' in config.replace(" ", "")


def test_failed_build_keeps_the_previous_site(app, tmp_path, monkeypatch):
    site_dir = build(app, tmp_path / "site")
    before = page(site_dir, "annuaire")

    def broken(*args, **kwargs):
        raise RuntimeError("base indisponible")

    monkeypatch.setattr("portal.site.sitegen.SiteData.load", broken)
    with app.app_context(), pytest.raises(publish.BuildError, match="Le site en ligne n'a pas été modifié"):
        publish.build_site(site_dir, app.config["MKDOCS_CONFIG"])
    assert page(site_dir, "annuaire") == before
    assert len([p for p in publish.builds_dir(site_dir).iterdir() if p.is_dir()]) == 1


def test_build_site_command(app, runner, tmp_path, monkeypatch):
    app.config["SITE_DIR"] = str(tmp_path / "site")
    result = runner.invoke(args=["build-site"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "site").is_symlink()
    first = (tmp_path / "site").resolve()
    assert runner.invoke(args=["build-site"]).exit_code == 0
    assert (tmp_path / "site").resolve() != first  # swapped, not rebuilt in place

    monkeypatch.setattr("portal.site.sitegen.SiteData.load", lambda today: 1 / 0)
    failed = runner.invoke(args=["build-site"])
    assert failed.exit_code != 0
    assert "La construction du site a échoué" in failed.output


def test_first_publication_replaces_a_plain_folder(app, tmp_path):
    plain = tmp_path / "site"
    plain.mkdir()
    (plain / "index.html").write_text("ancien")
    build(app, plain)
    assert plain.is_symlink()
    assert "Le réseau des partenaires" in (plain / "index.html").read_text()


def test_rebuild_requests_are_debounced(app, tmp_path):
    app.config.update(SITE_DIR=str(tmp_path / "site"), SITE_REBUILD_DELAY=0.2, SITE_AUTO_REBUILD=True)
    with app.app_context():
        workers = {publish.request_rebuild() for _ in range(5)}
    assert len(workers) == 1  # five quick changes, one builder
    workers.pop().join(timeout=60)
    builds = [p for p in publish.builds_dir(tmp_path / "site").iterdir() if p.is_dir()]
    assert len(builds) == 1
    assert not (publish.builds_dir(tmp_path / "site") / "requested").exists()
    assert (tmp_path / "site" / "annuaire" / "index.html").exists()


def sector_page_text(today, slug):
    from portal.site.sitegen import SiteData

    data = SiteData.load(today)
    [found] = [p for p in data.pages("https://relais.test") if p.path == f"permanences/{slug}/"]
    return " ".join(found.body().split())


def test_a_listed_date_shows_its_changed_hours_and_place(app):
    """Issue 14, 18: a date listed four months ahead used to show its usual hours."""
    with app.app_context():
        sector = Sector.create(name="Viguier", slug="viguier")
        usual = Place.create(name="Local Viguier", sector=sector)
        centre = Place.create(
            name="Centre social", address="3 rue Lamartine", postcode="11000", commune="Carcassonne"
        )
        permanence = Permanence.create(
            sector=sector,
            place=usual,
            title="Permanence logement",
            weekdays="TU",
            recurrence="monthly",
            month_week=2,
            opens_at=time(14),
            closes_at=time(16),
            valid_from=date(2026, 9, 1),
        )
        OccurrenceChange.create(
            permanence=permanence,
            day=date(2026, 12, 8),
            opens_at=time(9),
            closes_at=time(11),
            place=centre,
            note="Travaux",
        )
        text = sector_page_text(date(2026, 9, 1), "viguier")
    assert (
        "mardi 8 décembre 2026, exceptionnellement 9 h–11 h (Centre social, 3 rue Lamartine, 11000 Carcassonne)"
        in text
    )
    assert "Horaires exceptionnels : mardi 8 décembre 2026, 9 h–11 h (Centre social" in text
    assert (
        "Prochaines dates : mardi 8 septembre 2026 ; mardi 13 octobre 2026 ; mardi 10 novembre 2026 ;" in text
    )


@pytest.mark.parametrize(
    "start, end, all_day",
    [
        (datetime(9999, 12, 31, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC), True),
        (datetime(9999, 12, 31, 23, 30, tzinfo=UTC), datetime(9999, 12, 31, 23, 45, tzinfo=UTC), False),
        (datetime(1, 1, 1, tzinfo=UTC), datetime(1, 1, 1, 23, 59, tzinfo=UTC), True),
    ],
)
def test_an_extreme_stored_date_does_not_break_the_site(app, start, end, all_day):
    """Issue 14, 5: written straight to the database, as no form allows it any more."""
    from portal.site.sitegen import SiteData

    with app.app_context():
        sector = Sector.create(name="Viguier", slug="viguier")
        place = Place.create(name="Salle", sector=sector)
        Event.create(
            kind="other",
            title="Fête de quartier",
            starts_at=start,
            ends_at=end,
            all_day=all_day,
            place=place,
            sector=sector,
        )
        Permanence.create(
            sector=sector,
            place=place,
            title="Permanence sans fin",
            weekdays="MO",
            opens_at=time(9),
            closes_at=time(11),
            valid_from=date(1, 1, 1),
            valid_to=date(9999, 12, 31),
        )
        data = SiteData.load(date(2026, 9, 1))
        bodies = {page.path: page.body() for page in data.pages("https://relais.test")}
    event_pages = [
        body for path, body in bodies.items() if path.startswith("agenda/") and "Fête de quartier" in body
    ]
    assert event_pages
    assert "Prochaines dates : lundi 7 septembre 2026" in " ".join(bodies["permanences/viguier/"].split())
