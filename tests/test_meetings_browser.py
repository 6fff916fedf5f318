"""An association registers from the public site, gets the email, and cancels — in a real browser."""

import re
import sqlite3

import pytest

from tests.a11y import violations

pytestmark = pytest.mark.browser


def last_email_to(database_url, address):
    """The newest queued email for ``address``, read from the live server's outbox."""
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
        row = connection.execute(
            "SELECT body_text FROM outbox WHERE to_addr = ? ORDER BY id DESC LIMIT 1", (address,)
        ).fetchone()
    return row[0]


def test_register_from_the_site_then_cancel_by_the_email_link(live_server, page):
    page.goto(live_server["url"] + "/rencontres/")
    page.get_by_role("link", name="S'inscrire").first.click()
    page.wait_for_url("**/portail/rencontres/*/inscription")
    assert violations(page) == []

    page.get_by_label("Votre structure ou association").fill("Association Soleil")
    page.get_by_label("Votre nom").fill("Lina Exemple")
    page.get_by_label("Votre e-mail").fill("lina@soleil.example")
    page.get_by_label("Nombre de places").fill("2")
    page.get_by_role("button", name="M'inscrire").click()
    page.wait_for_selector("h1")
    assert "vous êtes inscrit" in page.locator("h1").inner_text()
    assert violations(page) == []

    body = last_email_to(live_server["database_url"], "lina@soleil.example")
    cancel_path = re.search(r"https?://[^/\s]+(/portail/rencontres/annulation/\S+)", body)[1]
    page.goto(live_server["url"] + cancel_path)
    assert violations(page) == []
    page.get_by_role("button", name="Oui, j'annule mon inscription").click()
    page.wait_for_selector("text=Votre inscription est annulée")
    assert violations(page) == []
    page.goto(live_server["url"] + cancel_path)
    assert "déjà annulée" in page.locator("h1").inner_text()
