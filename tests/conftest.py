"""Fixtures: a real app on a fresh database per test, a real PostgreSQL server,
a real SMTP server and a real browser (Debian's chromium driven by Playwright).

Browser and PostgreSQL tests skip when their tools are missing on a developer's
machine, and fail loudly in CI (CI=true), where they must run.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from portal import create_app
from portal.store.db import db
from portal.store.migrations import upgrade
from portal.store.models import Theme
from tests.servers import free_port, postgres_bin, throwaway_postgres, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI") == "true"


def missing_tool(what):
    """Skip on a developer's machine, fail in CI."""
    message = f"{what} est introuvable : make test l'installe (apt-get) quand il en a le droit."
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@contextmanager
def older_database(sqlite_url, fixture):
    """A sqlite3 connection to the database at ``sqlite_url``, filled with
    tests/fixtures/``fixture`` (a real database of an older schema version)."""
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as connection:
        connection.executescript((ROOT / "tests" / "fixtures" / fixture).read_text(encoding="utf-8"))
        yield connection


def row_counts(connection):
    """{table: number of rows} of every table of a sqlite3 connection."""
    tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


def make_app(database_url, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "BASE_URL": "http://relais.test",
        "SITE_DIR": str(ROOT / "tests" / "no-site-built"),  # tests that need one build their own
        "RATELIMIT_STORAGE_URI": "memory://",
        "REGISTRATION_MIN_SECONDS": 0,  # the test that checks it sets it back
        "SITE_AUTO_REBUILD": False,  # the tests of publishing turn it on, with their own SITE_DIR
        "MAIL_PORT": free_port(),  # nothing listens there unless a test starts smtp_server
        **overrides,
    }
    app = create_app(config)
    with app.app_context():
        upgrade()
        Theme.load_vocabulary()
    db.close()
    return app


# -- SQLite (default) ---------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'relais.db'}"


# RELAIS_TEST_DATABASE=postgres runs every test that uses `app` on PostgreSQL
# (`make test` does both runs); the default is SQLite.
TEST_DATABASE = os.environ.get("RELAIS_TEST_DATABASE", "sqlite")


@pytest.fixture
def app_database_url(request):
    return request.getfixturevalue(f"{TEST_DATABASE}_url")


@pytest.fixture
def app(app_database_url):
    app = make_app(app_database_url)
    yield app
    db.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# -- PostgreSQL ---------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server():
    """A throw-away PostgreSQL cluster for the whole run."""
    if postgres_bin() is None:
        missing_tool("PostgreSQL (initdb)")
    with throwaway_postgres() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty public schema for each test."""
    from portal.store.db import make_database

    database = make_database(postgres_server)
    database.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    database.close()
    return postgres_server


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request):
    """Runs a test once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def any_app(database_url):
    """An app on each engine in turn (see database_url)."""
    app = make_app(database_url)
    with app.app_context():
        yield app
    db.close()


# -- SMTP ---------------------------------------------------------------------


class Mailbox:
    """aiosmtpd handler keeping every accepted message."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailbox.port = controller.port
    yield mailbox
    controller.stop()


@pytest.fixture
def mailbox(app, smtp_server):
    """The app sends its emails to a real local SMTP server; deliver() sends the outbox."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    return smtp_server


def deliver(app, mailbox):
    """Sends what the outbox holds; every message the mailbox received so far."""
    from portal.mail import sender

    with app.app_context():
        sender.send_pending()
    return mailbox.messages


# -- browser ------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        missing_tool("Chromium (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The real thing: demo data, the built site and `relais run` on a free port."""
    workdir = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "PORTAL_ENV": "development",
        "PORTAL_DATABASE_URL": f"sqlite:///{workdir / 'relais.db'}",
        "PORTAL_SITE_DIR": str(workdir / "site"),
        "NO_MKDOCS_2_WARNING": "1",
    }
    port = free_port()
    env["PORTAL_BASE_URL"] = f"http://127.0.0.1:{port}"
    relais = [sys.executable, "-m", "portal.cli"]
    subprocess.run([*relais, "init-db"], env=env, check=True, capture_output=True)
    demo = subprocess.run([*relais, "load-demo"], env=env, check=True, capture_output=True, text=True)
    subprocess.run([*relais, "build-site"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [*relais, "run", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/portail/sante")
        yield {
            "url": url,
            "accounts": parse_accounts(demo.stdout),
            "database_url": env["PORTAL_DATABASE_URL"],
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


def parse_accounts(output):
    """{role: (email, password)} from what `relais load-demo` prints."""
    accounts = {}
    for line in output.splitlines():
        match = re.match(r"\s+(\S.*?)\s+(\S+@\S+)\s+mot de passe : (\S+)", line)
        if match:
            accounts[match[1]] = (match[2], match[3])
    return accounts


# -- helpers ------------------------------------------------------------------


def csrf_token(client, url):
    """The CSRF token of the form at ``url``, as a browser would send it back."""
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)[1]


def moderation_form(client, partner_id):
    """What the moderation queue's "approve" form posts for a partner: the CSRF
    token and the version the mediator saw."""
    html = client.get("/portail/moderation/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)[1]
    form = re.search(rf'action="/portail/moderation/{partner_id}/approuver">(.*?)</form>', html, re.S)[1]
    return {"csrf_token": token, "version": re.search(r'name="version" value="([^"]+)"', form)[1]}


@pytest.fixture
def login(client):
    def do_login(email, password):
        token = csrf_token(client, "/portail/connexion")
        return client.post(
            "/portail/connexion", data={"csrf_token": token, "email": email, "password": password}
        )

    return do_login


@pytest.fixture
def make_user(app):
    from portal.store.models import Partner, User

    def create(role="mediator", email=None, password="mot-de-passe-solide", partner=None):
        with app.app_context():
            if role == "partner" and partner is None:
                partner = Partner.create(name="Association test", slug=f"asso-{email or role}")
            return User.register(
                email=email or f"{role}@relais.example", password=password, role=role, partner=partner
            )

    return create
