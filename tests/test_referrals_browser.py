"""A referral in a real browser: the mediator sends it, the partner opens the
emailed link and accepts, the mediator sees the timeline; axe-core on each page."""

import re
import sqlite3

import pytest

from tests.a11y import violations

pytestmark = pytest.mark.browser
PARTNER = "Amicale des locataires de La Conte et Joliot Curie"
PARTNER_EMAIL = "g.pujol@locataires.example"


def log_in(page, live_server, role):
    email, password = live_server["accounts"][role]
    page.goto(live_server["url"] + "/portail/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/portail/")


def emailed_link(live_server):
    """The link of the newest email queued for the partner. Nothing listens on the
    server's SMTP port, so the email waits in the outbox, as with a mail server down."""
    path = live_server["database_url"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        body = connection.execute(
            "SELECT body_text FROM outbox WHERE to_addr = ? ORDER BY id DESC LIMIT 1", (PARTNER_EMAIL,)
        ).fetchone()[0]
    return re.search(re.escape(live_server["url"]) + r"/portail/orientations/reponse/\S+", body)[0]


def test_send_accept_and_follow_a_referral(live_server, page, browser):
    log_in(page, live_server, "Médiatrice")
    page.goto(live_server["url"] + "/portail/orientations/nouvelle")
    assert violations(page) == []

    page.locator("#filtre-thematique").select_option(label="Logement et hébergement")
    page.get_by_role("button", name="Filtrer les structures").click()
    page.wait_for_url("**thematique=logement-hebergement**")
    page.get_by_label("Structure vers qui vous orientez la personne").select_option(label=PARTNER)
    page.get_by_label("Thématique du besoin").select_option(
        "logement-hebergement--se-maintenir-dans-le-logement"
    )
    page.get_by_label("Son besoin, en quelques phrases").fill(
        "Retard de loyer de deux mois, cherche un appui."
    )
    page.get_by_label("Urgente").check()
    page.get_by_label("Prénom ou initiales de la personne").fill("Awa D.")
    page.get_by_label("Son téléphone").fill("06 39 98 12 34")
    page.get_by_label("Quartier où vit la personne").select_option(label="La Conte et Joliot Curie")
    page.get_by_label("La personne est d'accord").check()
    page.get_by_label("Comment elle a donné son accord").select_option(label="À l'oral, en face à face")
    page.get_by_role("button", name="Envoyer l'orientation").click()
    page.wait_for_url(re.compile(r".*/portail/orientations/\d+$"))
    assert "Orientation envoyée" in page.locator("[role=status]").first.inner_text()
    assert violations(page) == []

    partner_context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    partner_page = partner_context.new_page()
    try:
        partner_page.goto(emailed_link(live_server))
        assert "Awa D." in partner_page.content()
        assert violations(partner_page) == []
        partner_page.get_by_label("Un mot pour le médiateur (facultatif)").first.fill(
            "Rendez-vous proposé jeudi."
        )
        partner_page.get_by_role("button", name="Accepter", exact=True).click()
        partner_page.wait_for_selector("text=Merci, votre réponse est enregistrée")
        assert violations(partner_page) == []
    finally:
        partner_context.close()

    page.reload()
    timeline = page.locator("ol.timeline").inner_text()
    assert "Envoyée" in timeline and "Vue" in timeline and "Acceptée" in timeline
    assert "Rendez-vous proposé jeudi." in timeline
    assert "Acceptée" in page.locator(".state").inner_text()
    for path in ["/portail/orientations/", "/portail/statistiques"]:
        page.goto(live_server["url"] + path)
        assert violations(page) == [], path


def test_partner_inbox_is_accessible(live_server, page):
    log_in(page, live_server, "Partenaire")
    page.get_by_role("link", name="Orientations reçues").click()
    page.wait_for_url("**/portail/orientations/recues")
    assert violations(page) == []
