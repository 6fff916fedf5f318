"""The built site in a real browser, on a phone-sized screen, with axe-core."""

import pytest
from playwright.sync_api import expect

from tests.a11y import violations

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, locale="fr-FR", is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()


def test_search_a_partner_and_open_its_page(live_server, phone):
    phone.goto(live_server["url"] + "/")
    assert violations(phone) == []
    phone.locator("label.md-header__button[for='__search']").click()  # the magnifier icon
    search_for(phone, "Amicale")
    result = phone.locator(".md-search-result__link", has_text="Amicale des locataires").first
    assert violations(phone) == []  # the search dialog, open, with results
    result.click()
    phone.wait_for_url("**/partenaires/amicale-des-locataires-de-la-conte-et-joliot-curie/*")
    assert "Amicale des locataires" in phone.locator("h1").inner_text()
    assert violations(phone) == []


def search_for(page, words, attempts=20):
    """Type into Material's search; the index loads in a worker, so the first
    keystrokes may come before it is ready: type again until results show."""
    box, meta = page.get_by_placeholder("Rechercher"), page.locator(".md-search-result__meta")
    for _ in range(attempts):
        box.fill("")
        box.press_sequentially(words)
        try:
            expect(meta).to_contain_text("trouvé", timeout=500)
            return
        except AssertionError:
            continue
    raise AssertionError(f"aucun résultat de recherche pour {words!r}")


@pytest.mark.parametrize(
    "path",
    [
        "/permanences/la-conte-et-joliot-curie/",
        "/permanences/la-conte-et-joliot-curie/affiche/",
        "/agenda/",
        "/annuaire/",
        "/rencontres/",
    ],
)
def test_pages_have_no_accessibility_violation(live_server, phone, path):
    phone.goto(live_server["url"] + path)
    assert violations(phone) == []


def test_poster_prints_on_one_a4_page(live_server, page):
    page.goto(live_server["url"] + "/permanences/la-conte-et-joliot-curie/affiche/")
    page.emulate_media(media="print")
    assert page.locator(".md-header").is_hidden()
    assert page.locator(".relais-qr svg").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type/Page\n") <= 2


def test_no_request_leaves_the_machine(live_server, page):
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith((live_server["url"], "data:")) else None
        ),
    )
    for path in ["/", "/annuaire/", "/permanences/viguier-et-saint-jacques/", "/agenda/"]:
        page.goto(live_server["url"] + path)
        page.wait_for_load_state("networkidle")
    assert outside == []
