"""Things go wrong: the mail server dies, the database is locked, requests are
garbage, a site build fails. Each time the data stays consistent and the site
stays online."""

import random
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager

import pytest

from portal.mail import sender as mail
from portal.site import publish
from portal.store.db import db, utcnow
from portal.store.models import Outbox, Sector
from tests.conftest import csrf_token, free_port


def test_smtp_server_killed_mid_run_loses_and_duplicates_nothing(app, smtp_server):
    from aiosmtpd.controller import Controller

    from tests.conftest import Mailbox

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    with app.app_context():
        for n in range(10):
            mail.queue(f"personne{n}@relais.example", f"Message {n}", "test", base_url="http://relais.test")
        original = smtp_server.handle_DATA

        async def dies_after_three(server, session, envelope):
            if len(smtp_server.messages) >= 3:
                raise ConnectionResetError("the server died")
            return await original(server, session, envelope)

        smtp_server.handle_DATA = dies_after_three
        sent, failed = mail.send_pending()
        assert sent == 3 and failed >= 1
        assert Outbox.select().where(Outbox.sent_at.is_null()).count() == 7

        # A new server comes back later; the rest goes out, once.
        mailbox = Mailbox()
        controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
        controller.start()
        try:
            app.config["MAIL_PORT"] = controller.port
            later = utcnow() + mail.LAST_DELAY
            assert mail.send_pending(now=later)[0] == 7
            assert mail.send_pending(now=later + mail.LAST_DELAY) == (0, 0)
        finally:
            controller.stop()
    subjects = sorted(m["Subject"] for m in smtp_server.messages[:3] + mailbox.messages)
    assert subjects == sorted(f"Message {n}" for n in range(10))


@contextmanager
def sqlite_locked(path, seconds):
    """Another process takes the write lock and keeps it for ``seconds``."""
    code = textwrap.dedent(f"""
        import sqlite3, sys, time
        connection = sqlite3.connect({str(path)!r}, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        print("locked", flush=True)
        time.sleep({seconds})
        connection.execute("ROLLBACK")
    """)
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout.readline().strip() == "locked"
        yield  # leaving waits for the other process to end


def post_sector(client, name):
    """A write through the portal: the staff's new-sector form."""
    return client.post(
        "/portail/gestion/secteurs/nouveau",
        data={
            "csrf_token": csrf_token(client, "/portail/gestion/secteurs/nouveau"),
            "name": name,
            "areas": "",
            "position": "5",
        },
    )


@pytest.fixture
def staff_client(app, client, make_user, login):
    make_user("admin")
    login("admin@relais.example", "mot-de-passe-solide")
    return client


def test_a_short_lock_from_another_process_is_waited_for(app, staff_client, sqlite_url):
    with sqlite_locked(sqlite_url.removeprefix("sqlite:///"), 1.0):
        started = time.monotonic()
        response = post_sector(staff_client, "Ozanam et Albignac")
    assert response.status_code == 302 and time.monotonic() - started >= 0.5
    with app.app_context():
        assert Sector.select().where(Sector.name == "Ozanam et Albignac").count() == 1


def test_a_long_lock_gives_a_french_503_and_writes_nothing(sqlite_url, tmp_path):
    from portal.store.models import User
    from tests.conftest import make_app

    app = make_app(sqlite_url, SQLITE_BUSY_TIMEOUT_MS=200)
    client = app.test_client()
    with app.app_context():
        User.register(email="admin@relais.example", password="mot-de-passe-solide", role="admin")
    db.close()
    client.post(
        "/portail/connexion",
        data={
            "csrf_token": csrf_token(client, "/portail/connexion"),
            "email": "admin@relais.example",
            "password": "mot-de-passe-solide",
        },
    )
    with sqlite_locked(sqlite_url.removeprefix("sqlite:///"), 2):
        response = post_sector(client, "Grazailles et Fleming")
    assert response.status_code == 503
    assert "Réessayez dans un moment" in response.get_data(as_text=True)
    with app.app_context():
        assert Sector.select().count() == 0
    assert post_sector(client, "Grazailles et Fleming").status_code == 302  # works again


GARBAGE = [
    b"\xff\xfe\x00garbage\x00\x01",
    b"nom=%ff%fe%00&places=%%%&courriel=\xc3\x28",
    b"a=" + b"x" * 5000 + b"&" * 2000,
    b"nom=<script>alert(1)</script>&places=99999999999999999999999&thematiques=../../etc",
]


def post_routes(app):
    """Every URL of the portal that takes a POST, with made-up ids."""
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.rule.startswith("/portail/"):
            values = {arg: ("x" if "token" in arg else 1) for arg in rule.arguments}
            yield rule.rule, rule.endpoint, values


def test_garbage_never_gives_a_500(app, staff_client):
    random.seed(42)
    token = csrf_token(staff_client, "/portail/")
    with app.test_request_context():
        from flask import url_for

        targets = [url_for(endpoint, **values) for _, endpoint, values in post_routes(app)]
    assert len(targets) > 10
    for url in targets:
        for body in GARBAGE + [random.randbytes(300)]:
            for content_type in ("application/x-www-form-urlencoded", "multipart/form-data; boundary=zz"):
                response = staff_client.post(
                    url, data=body + b"&csrf_token=" + token.encode(), content_type=content_type
                )
                assert response.status_code < 500, (url, body[:30], content_type, response.status_code)


def test_a_failing_build_keeps_the_site_online(app, client, tmp_path, monkeypatch):
    site = tmp_path / "site"
    app.config["SITE_DIR"] = str(site)
    with app.app_context():
        publish.build_site(site, app.config["MKDOCS_CONFIG"])
    with client.get("/") as before:
        assert before.status_code == 200

    def crash(*args, **kwargs):
        raise MemoryError("out of memory halfway")

    monkeypatch.setattr("portal.site.sitegen.SiteData.load", crash)
    with app.app_context(), pytest.raises(publish.BuildError):
        publish.build_site(site, app.config["MKDOCS_CONFIG"])
    with client.get("/") as after:
        assert after.status_code == 200 and "Le réseau des partenaires" in after.get_data(as_text=True)
    assert [p for p in publish.builds_dir(site).iterdir() if p.is_dir()] == [site.resolve()]
    db.close()
