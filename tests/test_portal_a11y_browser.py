"""Every page of the portal, for every role, at phone (375 px) and desktop
(1280 px) widths: no axe-core violation, and no page that scrolls sideways on
a phone. And the two forms people fill in from an email or a poster — a meeting
registration and a referral answer — completed with the keyboard alone.

The pages hold the demo data (`relais load-demo`, run by live_server); pages
that need an id are reached by following the link a user would click, and
emailed links are built with the portal's own Settings, so nothing here
depends on form field names. One logged-in browser context per role serves
the whole module (logging in once), and each page is loaded once and checked
at both widths.
"""

import re
import sqlite3
from urllib.parse import urljoin

import pytest

from portal import DEV_SECRET_KEY
from portal.services.referrals import LINK_PURPOSE
from portal.settings import Settings
from tests.a11y import tab_to, width_problems, with_axe

pytestmark = pytest.mark.browser

ACCOUNTS = {"mediator": "Médiatrice", "admin": "Administrateur", "partner": "Partenaire"}
MEETING = "Rencontre inter-partenaires : addictions"  # the demo meeting with registrations
FORUM = "Forum emploi des quartiers"  # the demo job fair, with partners and job offers
PARTNER_EMAIL = "g.pujol@locataires.example"  # the demo partner account's structure's contact


class Follow:
    """The page the link named ``name`` leads to, from the page checked just before."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"Follow({self.name!r})"


FIRST_ROW = re.compile(r"\S")  # the first link of the page's first table

# Pages by role, in groups of a few seconds each (one test per group, so
# pytest-xdist can spread them). Absolute paths, or Follow(link name).
PAGES = {
    "mediator-referrals": (
        "mediator",
        [
            "/portail/",
            "/portail/orientations/",
            Follow(FIRST_ROW),
            "/portail/orientations/nouvelle",
            "/portail/statistiques",
            "/portail/annuaire",
            "/portail/moderation/",
            "/portail/compte",
        ],
    ),
    "mediator-events": (
        "mediator",
        [
            "/portail/evenements/",
            Follow(FORUM),
            "/portail/evenements/",
            Follow(f"Participants : {MEETING}"),
            Follow("Feuille d'émargement"),
            "/portail/evenements/nouveau",
            "/portail/themes/",
        ],
    ),
    "admin-partners-places": (
        "admin",
        [
            "/portail/",
            "/portail/gestion/partenaires",
            Follow(FIRST_ROW),
            "/portail/gestion/partenaires/nouveau",
            "/portail/gestion/lieux",
            Follow(FIRST_ROW),
            "/portail/gestion/lieux/nouveau",
            "/portail/compte",
        ],
    ),
    "admin-permanences-sectors": (
        "admin",
        [
            "/portail/gestion/permanences",
            Follow(FIRST_ROW),
            "/portail/gestion/permanences/nouvelle",
            "/portail/gestion/secteurs",
            Follow(FIRST_ROW),
            "/portail/gestion/secteurs/nouveau",
            "/portail/gestion/import",
            "/portail/gestion/import/thematiques",
        ],
    ),
    "admin-accounts": (
        "admin",
        [
            "/portail/gestion/comptes/",
            Follow(FIRST_ROW),
            "/portail/gestion/comptes/nouveau",
        ],
    ),
    "partner": (
        "partner",
        [
            "/portail/",
            "/portail/orientations/recues",
            "/portail/partenaires/ma-structure",
            "/portail/themes/proposer",
            "/portail/annuaire",
            "/portail/compte",
        ],
    ),
}


# -- sessions -------------------------------------------------------------------


def log_in(page, live_server, role):
    email, password = live_server["accounts"][ACCOUNTS[role]]
    page.goto(live_server["url"] + "/portail/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/portail/")


@pytest.fixture(scope="module")
def pages(browser, live_server):
    """``pages(role)``: a page of that role's context, logged in once for the module;
    any other name than an account's ("visitor", "keyboard") is a visitor's context."""
    opened = {}

    def page_of(role):
        if role not in opened:
            context = with_axe(browser.new_context(locale="fr-FR", timezone_id="Europe/Paris"))
            opened[role] = context.new_page()
            if role in ACCOUNTS:
                log_in(opened[role], live_server, role)
        return opened[role]

    yield page_of
    for page in opened.values():
        page.context.close()


def check(page, url, status=200):
    """Loads ``url`` and returns its problems at both widths, each prefixed with the page."""
    response = page.goto(url)
    found = [] if response.status == status else [f"HTTP {response.status}"]
    path = url.split("/portail", 1)[-1] or "/"
    return [f"/portail{path} — {problem}" for problem in found + width_problems(page)]


def follow(page, name):
    """The address of the link named ``name`` on the page (FIRST_ROW: of the first table)."""
    if name is FIRST_ROW:
        link = page.locator("table a").first
    else:
        link = page.get_by_role("link", name=name).first
    return urljoin(page.url, link.get_attribute("href"))


# -- the database of the live server (SQLite, see conftest.live_server) -----------


def query(live_server, sql, *args):
    with sqlite3.connect(live_server["database_url"].removeprefix("sqlite:///")) as connection:
        return connection.execute(sql, args).fetchone()


def portal_settings(live_server):
    """The live server's settings: its address and its (development) secret key."""
    return Settings(base_url=live_server["url"], secret_key=DEV_SECRET_KEY)


def answer_link(live_server, status):
    """The emailed answer link of the oldest demo referral in ``status``."""
    referral_id, nonce = query(
        live_server, "SELECT id, token_nonce FROM referral WHERE status = ? ORDER BY id", status
    )
    settings = portal_settings(live_server)
    return settings.portal_url(
        "referrals.answer", token=settings.make_token(LINK_PURPOSE, referral_id, nonce)
    )


def last_link_to(live_server, address, path):
    """The portal link under ``path`` in the newest email queued for ``address``."""
    (body,) = query(live_server, "SELECT body_text FROM outbox WHERE to_addr = ? ORDER BY id DESC", address)
    return re.search(re.escape(live_server["url"] + path) + r"\S+", body)[0]


# -- every page, both widths -------------------------------------------------------


@pytest.mark.parametrize("group", PAGES)
def test_logged_in_pages_at_phone_and_desktop_widths(pages, live_server, group):
    role, steps = PAGES[group]
    page = pages(role)
    problems = []
    for step in steps:
        problems += check(
            page, follow(page, step.name) if isinstance(step, Follow) else live_server["url"] + step
        )
    assert not problems, "\n".join(problems)


def test_public_pages_at_phone_and_desktop_widths(pages, live_server):
    page = pages("visitor")
    url = live_server["url"]
    page.goto(url + "/rencontres/")  # the public agenda links the registration forms
    register = follow(page, "S'inscrire")
    (cancel_token,) = query(live_server, "SELECT cancel_token FROM registration ORDER BY id")
    settings = portal_settings(live_server)

    problems = []
    for address, status in [
        (url + "/portail/connexion", 200),
        (url + "/portail/partenaires/inscription", 200),
        (register, 200),
        (settings.portal_url("meetings.cancel", token=cancel_token), 200),
        (answer_link(live_server, "accepted"), 200),
        (url + "/portail/orientations/reponse/lien-abime", 400),  # a mangled link
        (url + "/portail/page-inconnue", 404),
        (url + "/portail/calendrier/", 200),
        (url + "/portail/partenaires/lien", 200),
    ]:
        problems += check(page, address, status)

    # The link request form sends the self-service link, which opens the partner's page.
    page.get_by_label("E-mail").fill(PARTNER_EMAIL)
    page.get_by_role("button", name="Recevoir le lien").click()
    page.wait_for_selector("h1:has-text('Regardez votre boîte e-mail')")
    problems += [f"lien envoyé — {problem}" for problem in width_problems(page)]
    problems += check(page, last_link_to(live_server, PARTNER_EMAIL, "/portail/partenaires/espace/"))

    # The forgotten-password form sends the link to choose a new one.
    email, _ = live_server["accounts"][ACCOUNTS["mediator"]]
    problems += check(page, url + "/portail/mot-de-passe-oublie")
    page.get_by_label("Adresse e-mail de votre compte").fill(email)
    page.get_by_role("button", name="Recevoir le lien").click()
    page.wait_for_selector("h1:has-text('Regardez votre boîte e-mail')")
    problems += check(page, last_link_to(live_server, email, "/portail/mot-de-passe/"))
    assert not problems, "\n".join(problems)


# -- with the keyboard alone ---------------------------------------------------------


def test_register_to_a_meeting_with_the_keyboard_only(pages, live_server):
    page = pages("keyboard")
    page.goto(live_server["url"] + "/rencontres/")
    page.goto(follow(page, "S'inscrire"))
    for label, typed in [
        ("Votre structure ou association", "Collectif Clavier"),
        ("Votre nom", "Samir Exemple"),
        ("Votre e-mail", "samir@clavier.example"),
    ]:
        tab_to(page, label)
        page.keyboard.type(typed)
    tab_to(page, "Nombre de places")
    page.keyboard.press("Control+A")
    page.keyboard.type("1")
    tab_to(page, "M'inscrire", exact=True)
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('vous êtes inscrit')")
    assert width_problems(page) == []


def test_answer_a_referral_with_the_keyboard_only(pages, live_server):
    page = pages("keyboard")
    page.goto(answer_link(live_server, "sent"))
    tab_to(page, "Un mot pour le médiateur")  # the first answer offered is to accept
    page.keyboard.type("Je l'appelle demain matin.")
    tab_to(page, "Accepter", exact=True)
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Merci, votre réponse est enregistrée')")
    assert "« Acceptée »" in page.locator("main").inner_text()
    assert width_problems(page) == []
