"""The pages in French, English and Arabic in a real browser: axe-core at phone
and desktop widths, the links of the language switchers, posters printed on
exactly one A4 page."""

import io

import pytest
from pypdf import PdfReader

from tests.a11y import violations

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
SECTOR = "la-conte-et-joliot-curie"
SECTORS = [SECTOR, "viguier-et-saint-jacques", "ozanam-et-albignac", "grazailles-et-fleming"]


@pytest.fixture
def open_page(browser):
    contexts = []

    def make(viewport, **options):
        context = browser.new_context(
            viewport=viewport, locale="fr-FR", timezone_id="Europe/Paris", **options
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        f"/permanences/{SECTOR}/",
        "/permanences/",
        "/agenda/",
        "/en/",
        f"/en/permanences/{SECTOR}/",
        "/en/agenda/",
        "/ar/",
        "/ar/permanences/",
        f"/ar/permanences/{SECTOR}/",
        "/ar/agenda/",
        f"/ar/agenda/secteur/{SECTOR}/",
        f"/permanences/{SECTOR}/affiche/ar/",
    ],
)
def test_no_accessibility_violation(live_server, open_page, path, viewport):
    page = open_page(viewport)
    page.goto(live_server["url"] + path)
    assert violations(page) == []


def test_arabic_pages_are_right_to_left_with_a_dark_scheme_too(live_server, open_page):
    page = open_page(DESKTOP, color_scheme="dark")
    page.goto(f"{live_server['url']}/ar/permanences/{SECTOR}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    # Mirrored: the navigation sidebar sits on the right of the content.
    sidebar = page.locator(".md-sidebar--primary").bounding_box()
    content = page.locator(".md-content").bounding_box()
    assert sidebar["x"] > content["x"]
    assert violations(page) == []


def test_material_tabs_fail_without_the_contrast_fix(live_server, open_page):
    """Keeps the 1280 px check honest: Material's own dimmed tabs are caught."""
    page = open_page(DESKTOP)
    page.goto(f"{live_server['url']}/permanences/{SECTOR}/")
    assert page.locator(".md-tabs").is_visible()
    page.add_style_tag(content=".md-tabs__link { opacity: .7; }")
    assert any(v.startswith("color-contrast") and "md-tabs__link" in v for v in violations(page))


@pytest.mark.parametrize(
    "start, link, lands",
    [
        (f"/en/permanences/{SECTOR}/", "article a[href*='affiche']", f"/permanences/{SECTOR}/affiche/en/"),
        (f"/ar/permanences/{SECTOR}/", ".relais-languages a[hreflang='en']", f"/en/permanences/{SECTOR}/"),
        (f"/en/permanences/{SECTOR}/", ".md-select__link[hreflang='ar']", f"/ar/permanences/{SECTOR}/"),
        ("/ar/", ".md-tabs__link >> nth=1", "/ar/permanences/"),
    ],
)
def test_links_land_where_they_point(live_server, open_page, start, link, lands):
    page = open_page(DESKTOP)
    page.goto(live_server["url"] + start)
    page.wait_for_load_state("networkidle")
    if link.startswith(".md-select"):
        page.locator(".md-select").hover()
    page.locator(link).first.click()
    page.wait_for_load_state("networkidle")
    assert page.url == live_server["url"] + lands


def printed_pages(page):
    page.emulate_media(media="print")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True, prefer_css_page_size=True)))
    box = pdf.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    return len(pdf.pages)


@pytest.mark.parametrize("other", ["", "en/", "ar/"])
@pytest.mark.parametrize("sector", SECTORS)
def test_posters_print_on_exactly_one_a4_page(live_server, open_page, sector, other):
    page = open_page(DESKTOP)
    page.goto(f"{live_server['url']}/permanences/{sector}/affiche/{other}")
    assert printed_pages(page) == 1
    assert page.locator(".md-header").is_hidden()
    qr = page.locator(".relais-qr svg")
    assert qr.get_attribute("viewBox") and qr.bounding_box()["width"] >= 150  # 42 mm, not cropped


def test_the_page_count_catches_an_overflowing_poster(live_server, open_page):
    page = open_page(DESKTOP)
    page.goto(f"{live_server['url']}/permanences/{SECTOR}/affiche/ar/")
    page.evaluate(
        "() => { const b = document.querySelector('.relais-poster tbody'); b.innerHTML += b.innerHTML; }"
    )
    assert printed_pages(page) == 2
