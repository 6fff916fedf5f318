"""In a real browser, against `relais run` serving the built site and the portal."""

import pytest

from tests.a11y import violations

pytestmark = pytest.mark.browser


def test_home_page_then_log_in(live_server, page):
    url = live_server["url"]
    page.goto(url + "/")
    assert "réseau des partenaires" in page.title()
    assert page.locator("h1").first.inner_text().startswith("Le réseau des partenaires")

    page.get_by_role("link", name="Connectez-vous au portail des partenaires").click()
    page.wait_for_url("**/portail/connexion")
    assert violations(page) == []

    email, password = live_server["accounts"]["Médiatrice"]
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/portail/")
    assert "Bonjour" in page.locator("h1").inner_text()
    assert violations(page) == []

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/portail/connexion")
    assert "Vous êtes déconnecté." in page.content()


def test_wrong_password_in_the_browser(live_server, page):
    page.goto(live_server["url"] + "/portail/connexion")
    page.get_by_label("Adresse e-mail").fill("admin@relais.example")
    page.get_by_label("Mot de passe").fill("pas le bon")
    page.keyboard.press("Enter")
    page.wait_for_selector(".errors")
    assert "mot de passe incorrect" in page.locator(".errors").inner_text()
    assert page.get_by_label("Adresse e-mail").input_value() == "admin@relais.example"
    assert violations(page) == []
