"""Registering a partner with the keyboard only, in a real browser, with axe-core."""

import pytest

from tests.a11y import violations

pytestmark = pytest.mark.browser


def tab_to(page, name, limit=200):
    """Press Tab until the element whose accessible name contains ``name`` has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        label = page.evaluate("""() => {
            const el = document.activeElement;
            const id = el.id && document.querySelector(`label[for="${el.id}"]`);
            return (id ? id.innerText : '') + ' ' + (el.innerText || el.value || '');
        }""")
        if name in label:
            return
    raise AssertionError(f"{name!r} jamais atteint au clavier")


def test_register_with_the_keyboard_only(live_server, page):
    page.goto(live_server["url"] + "/portail/partenaires/inscription")
    assert violations(page) == []

    # Send it empty first: the error state must be accessible too.
    tab_to(page, "Envoyer l'inscription")
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=alert]")
    assert "corrigez les champs signalés" in page.locator("[role=alert]").inner_text()
    assert violations(page) == []

    page.keyboard.press("Shift+Tab")  # back into the form from wherever the focus is
    page.locator("#name").focus()
    page.keyboard.type("Café des parents")
    for field, value in [
        ("Adresse", "2 place Ozanam"),
        ("Code postal", "11000"),
        ("Commune", "Carcassonne"),
        ("Présentation courte", "Un lieu pour les parents du quartier."),
    ]:
        tab_to(page, field)
        page.keyboard.type(value)
    tab_to(page, "Famille")  # the summary of a theme group opens with Enter
    page.keyboard.press("Enter")
    tab_to(page, "Famille (en général)")
    page.keyboard.press("Space")
    tab_to(page, "Ozanam et Albignac")
    page.keyboard.press("Space")
    tab_to(page, "Nom de la personne à contacter")
    page.keyboard.type("Inès Exemple")
    tab_to(page, "Son e-mail")
    page.keyboard.type("ines@cafe-parents.example")
    tab_to(page, "J'accepte")
    page.keyboard.press("Space")
    page.wait_for_timeout(3100)  # a person takes longer than the robots' minimum
    tab_to(page, "Envoyer l'inscription")
    page.keyboard.press("Enter")
    page.wait_for_url("**/inscription/merci")
    assert "il reste une étape" in page.content()
    assert violations(page) == []


def test_moderation_page_is_accessible(live_server, page):
    email, password = live_server["accounts"]["Médiatrice"]
    page.goto(live_server["url"] + "/portail/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(live_server["url"] + "/portail/moderation/")
    assert "à valider" in page.locator("h1").inner_text()
    assert violations(page) == []
    page.goto(live_server["url"] + "/portail/annuaire")
    assert violations(page) == []
    # The staff page of a partner: its form, its status actions and its log.
    page.goto(live_server["url"] + "/portail/gestion/partenaires/1")
    assert page.get_by_role("table", name="Historique de l'état").is_visible()
    assert violations(page) == []
