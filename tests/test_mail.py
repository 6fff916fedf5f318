"""The outbox mailer, against a real SMTP server (aiosmtpd) on SQLite and PostgreSQL."""

import os
import signal
import socket
import threading
import time
from datetime import timedelta

import pytest
from jinja2 import ChoiceLoader, DictLoader

from portal import create_app
from portal.mail import outbox
from portal.mail import sender as mail
from portal.store.db import db, utcnow
from portal.store.models import Outbox, Partner, Sector, User

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Relais//FR\r\nMETHOD:PUBLISH\r\n"
    "BEGIN:VEVENT\r\nUID:event-12@relais.test\r\nSUMMARY:Café des partenaires à Viguier\r\n"
    "DTSTART:20270114T130000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", 'Tom & Jerry "l\'asso"']

# A template with user-typed text, as later features will have.
NOTE_TEMPLATES = {
    "note.txt": '{% extends "base.txt" %}{% block content %}'
    "Message de {{ author }} :\n{{ text }}{% endblock %}",
    "note.html": '{% extends "base.html" %}{% block content %}<p>Message de {{ author }} :</p>'
    '<p style="white-space: pre-line">{{ text }}</p>{% endblock %}',
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def use_smtp(app, port):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)


def parts(message):
    """The text and HTML bodies, with the line endings of Python strings (SMTP sends CRLF)."""
    return tuple(message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))


@pytest.fixture
def mailer(app, smtp_server):
    """The app's context, sending to the test SMTP server."""
    use_smtp(app, smtp_server.port)
    with app.app_context():
        yield app
    db.close()


# -- queue and send -------------------------------------------------------------------


def test_queued_email_is_delivered_with_french_text_html_and_attachments(mailer, smtp_server):
    row = mail.queue(
        "contact@asso-viguier.example",
        "Invitation : café des partenaires",
        "test",
        attachments=[
            {"filename": "cafe.ics", "mimetype": "text/calendar; method=PUBLISH", "content": ICS},
            {"filename": "plan.pdf", "mimetype": "application/pdf", "content": b"%PDF-1.4\x00\xff\x10"},
        ],
        base_url="http://relais.test",
    )
    assert mail.send_pending() == (1, 0)

    [message] = smtp_server.messages
    assert message["Subject"] == "Invitation : café des partenaires"
    assert message["From"] == "Relais <ne-pas-repondre@relais.localhost>"
    assert message["To"] == "contact@asso-viguier.example"
    assert message["Message-ID"].startswith(f"<outbox-{row.id}.") and message["Message-ID"].endswith(
        "@relais.test>"
    )
    assert message["Date"] and message["Auto-Submitted"] == "auto-generated"
    text, html = parts(message)
    assert "Ceci est un message de test du portail Relais." in text
    assert "il n'y a rien d'autre à faire" in text and "<p" not in text
    assert '<html lang="fr">' in html and "<title>Invitation : café des partenaires</title>" in html
    assert "http://relais.test/" in text and 'href="http://relais.test/"' in html

    calendar, pdf = message.iter_attachments()
    assert calendar.get_filename() == "cafe.ics"
    assert calendar.get_content_type() == "text/calendar" and calendar.get_param("method") == "PUBLISH"
    assert calendar.get_content() == ICS  # byte for byte, CRLF and accents included
    assert pdf.get_filename() == "plan.pdf" and pdf.get_content() == b"%PDF-1.4\x00\xff\x10"

    row = Outbox.get_by_id(row.id)
    assert row.sent_at is not None and row.attempts == 1 and row.last_error == ""


def test_user_text_is_escaped_in_html_and_verbatim_in_text(mailer, smtp_server, monkeypatch):
    loader = ChoiceLoader([DictLoader(NOTE_TEMPLATES), outbox.templates.loader])
    monkeypatch.setattr(outbox.templates, "loader", loader)
    typed = "\n".join(PAYLOADS)
    mail.queue(
        "mediation@relais.example",
        "Nouveau message <script>",
        "note",
        author=PAYLOADS[1],
        text=typed,
        base_url="http://relais.test",
    )
    mail.send_pending()

    text, html = parts(smtp_server.messages[0])
    assert typed in text and f"Message de {PAYLOADS[1]} :" in text
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Tom &amp; Jerry &#34;l&#39;asso&#34;" in html
    assert "<title>Nouveau message &lt;script&gt;</title>" in html


def test_line_breaks_cannot_add_headers_or_recipients(mailer, smtp_server):
    mail.queue(
        "contact@asso.example",
        "Bonjour\r\nBcc: x@evil.example\nX-Injected: oui",
        "test",
        base_url="http://relais.test",
    )
    for address in (
        "contact@asso.example\r\nBcc: x@evil.example",
        "a@asso.example, x@evil.example",
        "a@asso.example Bcc: x@evil.example",
        "Nom <x@evil.example>",
        "pas une adresse",
    ):
        with pytest.raises(ValueError, match="Adresse e-mail invalide"):
            mail.queue(address, "Bonjour", "test", base_url="http://relais.test")
    assert Outbox.select().count() == 1
    mail.send_pending()

    [message] = smtp_server.messages
    assert message["Subject"] == "Bonjour Bcc: x@evil.example X-Injected: oui"
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["To"] == "contact@asso.example"


def test_email_is_queued_in_the_callers_transaction(any_app):
    with pytest.raises(RuntimeError), db.atomic():
        Sector.create(name="La Conte", slug="la-conte")
        mail.queue("contact@asso.example", "Bonjour", "test", base_url="http://relais.test")
        raise RuntimeError("the change fails")
    assert Outbox.select().count() == 0 and Sector.select().count() == 0

    with db.atomic():
        Sector.create(name="La Conte", slug="la-conte")
        mail.queue("contact@asso.example", "Bonjour", "test", base_url="http://relais.test")
        with pytest.raises(RuntimeError, match="inside a transaction"):
            mail.send_pending()  # a rollback would forget what was sent
    assert Outbox.select().count() == 1


def test_staff_emails_go_to_every_active_mediator_and_admin_only(any_app):
    partner = Partner.create(name="Association test", slug="asso-test")
    for email, role, active in [
        ("admin@relais.example", "admin", True),
        ("mediatrice@relais.example", "mediator", True),
        ("partie@relais.example", "mediator", False),
        ("asso@example.org", "partner", True),
    ]:
        user = User.register(
            email, "mot-de-passe-solide", role, partner=partner if role == "partner" else None
        )
        user.active = active
        user.save()
    outbox.queue_to_staff("Bonjour", "test", base_url="http://relais.test")
    assert sorted(row.to_addr for row in Outbox.select()) == [
        "admin@relais.example",
        "mediatrice@relais.example",
    ]


# -- failures and retries -------------------------------------------------------------


def test_nothing_is_lost_when_the_server_is_down_and_it_is_sent_once_later(mailer, smtp_server):
    use_smtp(mailer, free_port())  # nothing listens there
    first = mail.queue("a@asso.example", "Premier", "test", base_url="http://relais.test")
    second = mail.queue("b@asso.example", "Second", "test", base_url="http://relais.test")
    before = utcnow()

    assert mail.send_pending() == (0, 1)  # stops at the first failure: no hammering
    first, second = Outbox.get_by_id(first.id), Outbox.get_by_id(second.id)
    assert first.attempts == 1 and first.sent_at is None
    assert "Serveur d'envoi injoignable" in first.last_error
    assert first.next_attempt_at >= before + timedelta(minutes=1)
    assert second.attempts == 0 and second.last_error == ""  # untouched, still queued
    assert mail.send_pending() == (0, 1)  # the second one is tried next round
    assert mail.send_pending() == (0, 0)  # and neither again before its delay

    use_smtp(mailer, smtp_server.port)
    later = utcnow() + timedelta(minutes=2)
    assert mail.send_pending(now=later) == (2, 0)
    assert mail.send_pending(now=later + timedelta(days=30)) == (0, 0)
    assert sorted(m["Subject"] for m in smtp_server.messages) == ["Premier", "Second"]
    assert Outbox.get_by_id(first.id).attempts == 2


def test_backoff_grows_then_gives_up(mailer, runner):
    use_smtp(mailer, free_port())
    row = mail.queue("a@asso.example", "Bonjour", "test", base_url="http://relais.test")
    delays = []
    for _ in range(mail.MAX_ATTEMPTS):
        now = Outbox.get_by_id(row.id).next_attempt_at
        assert mail.send_pending(now=now) == (0, 1)
        delays.append(Outbox.get_by_id(row.id).next_attempt_at - now)

    minutes = [delay.total_seconds() / 60 for delay in delays[:-1]]
    assert minutes == [1, 5, 30, 120, 360, 1440, 1440, 1440, 1440]
    row = Outbox.get_by_id(row.id)
    assert row.attempts == mail.MAX_ATTEMPTS and row.sent_at is None
    assert row.last_error.startswith("Abandonné après 10 essais. Serveur d'envoi injoignable")
    assert mail.send_pending(now=utcnow() + timedelta(days=365)) == (0, 0)
    assert Outbox.get_by_id(row.id).attempts == mail.MAX_ATTEMPTS
    assert list(mail.given_up()) == [row]

    result = runner.invoke(args=["send-mail", "--failed"])
    assert result.exit_code == 0
    assert "a@asso.example  « Bonjour » — abandonné après 10 essais" in result.output
    assert "Abandonné après 10 essais" in result.output


def test_refused_login_is_recorded_in_words_an_admin_understands(mailer):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"relais" and auth_data.password == b"bon-mot-de-passe"
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535

    class Mailbox:
        messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((session.authenticated, envelope.rcpt_tos))
            return "250 OK"

    controller = Controller(
        Mailbox(), hostname="127.0.0.1", port=free_port(), authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        use_smtp(mailer, controller.port)
        mailer.config.update(MAIL_USERNAME="relais", MAIL_PASSWORD="mauvais")
        row = mail.queue("a@asso.example", "Bonjour", "test", base_url="http://relais.test")
        assert mail.send_pending() == (0, 1)
        assert "Identifiant ou mot de passe refusé" in Outbox.get_by_id(row.id).last_error

        mailer.config["MAIL_PASSWORD"] = "bon-mot-de-passe"
        assert mail.send_pending(now=utcnow() + timedelta(minutes=2)) == (1, 0)
        assert Mailbox.messages == [(True, ["a@asso.example"])]
    finally:
        controller.stop()


# -- never twice ------------------------------------------------------------------------


def test_a_row_is_claimed_by_one_sender_only(any_app):
    row = mail.queue("a@asso.example", "Bonjour", "test", base_url="http://relais.test")
    now = utcnow()
    assert mail.claim(row.id, now).attempts == 1
    assert mail.claim(row.id, now) is None  # a second sender gets nothing
    # A sender that died holding it: the row is taken again after the lease.
    assert mail.claim(row.id, now + mail.LEASE - timedelta(seconds=1)) is None
    assert mail.claim(row.id, now + mail.LEASE).attempts == 2
    Outbox.update(sent_at=now).where(Outbox.id == row.id).execute()
    assert mail.claim(row.id, now + timedelta(days=1)) is None  # sent is final


def test_two_concurrent_senders_send_each_email_once(any_app, smtp_server):
    use_smtp(any_app, smtp_server.port)
    with db.atomic():
        for number in range(20):
            mail.queue(
                f"partenaire{number}@asso.example", f"Message {number}", "test", base_url="http://relais.test"
            )
    db.close()
    start = threading.Barrier(2)
    results = []

    def sender():
        with any_app.app_context():
            start.wait()
            try:
                results.append(mail.send_pending())
            finally:
                db.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(sent for sent, _ in results) == 20 and sum(failed for _, failed in results) == 0
    assert len(smtp_server.messages) == 20
    assert len({message["Message-ID"] for message in smtp_server.messages}) == 20
    assert Outbox.select().where(Outbox.sent_at.is_null() | (Outbox.attempts != 1)).count() == 0


# -- the command --------------------------------------------------------------------------


def test_send_mail_command(mailer, runner, smtp_server):
    assert runner.invoke(args=["send-mail"]).output == "Aucun e-mail à envoyer.\n"
    for number in range(3):
        mail.queue(f"p{number}@asso.example", "Bonjour", "test", base_url="http://relais.test")
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0 and result.output == "3 e-mail(s) envoyé(s).\n"
    assert len(smtp_server.messages) == 3

    use_smtp(mailer, free_port())
    mail.queue("p@asso.example", "Bonjour", "test", base_url="http://relais.test")
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0  # a failure is retried later, not an error of the command
    assert result.output == "0 e-mail(s) envoyé(s), 1 en échec (nouvel essai plus tard).\n"
    result = runner.invoke(args=["send-mail", "--failed"])
    assert "p@asso.example  « Bonjour » — nouvel essai le " in result.output


def test_send_mail_test_option(mailer, runner, smtp_server):
    result = runner.invoke(args=["send-mail", "--test", "admin@relais.example"])
    assert result.exit_code == 0, result.output
    assert "1 e-mail(s) envoyé(s)." in result.output
    assert "Message de test envoyé à admin@relais.example" in result.output
    [message] = smtp_server.messages
    assert (
        message["Subject"] == "Message de test du portail Relais" and message["To"] == "admin@relais.example"
    )

    use_smtp(mailer, free_port())
    result = runner.invoke(args=["send-mail", "--test", "admin@relais.example"])
    assert result.exit_code == 0
    assert "Le message de test n'est pas parti : Serveur d'envoi injoignable" in result.output

    result = runner.invoke(args=["send-mail", "--test", "admin@relais.example\nBcc: x@evil.example"])
    assert result.exit_code == 1 and "Adresse e-mail invalide" in result.output


@pytest.mark.parametrize(
    "setting, value, words",
    [
        ("MAIL_SERVER", "", "PORTAL_MAIL_SERVER est vide"),
        ("MAIL_PORT", "vingt-cinq", "PORTAL_MAIL_PORT doit être un numéro de port"),
        ("MAIL_USE_SSL", True, "pas les deux"),  # with MAIL_USE_TLS below
        ("MAIL_SENDER", "Relais", "PORTAL_MAIL_SENDER doit contenir une adresse"),
    ],
)
def test_send_mail_refuses_a_wrong_configuration(mailer, runner, setting, value, words):
    mailer.config.update({"MAIL_USE_TLS": True} if setting == "MAIL_USE_SSL" else {})
    mailer.config[setting] = value
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 1
    assert "Réglages d'envoi des e-mails incorrects." in result.output and words in result.output


def test_send_mail_loop_stops_cleanly_on_sigterm(mailer, runner, smtp_server):
    mail.queue("a@asso.example", "Bonjour", "test", base_url="http://relais.test")
    previous = signal.getsignal(signal.SIGTERM)

    def stop_when_delivered():
        deadline = time.monotonic() + 20
        while not smtp_server.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        if signal.getsignal(signal.SIGTERM) is not previous:  # the loop's handler, never the default
            os.kill(os.getpid(), signal.SIGTERM)

    stopper = threading.Thread(target=stop_when_delivered)
    stopper.start()
    result = runner.invoke(args=["send-mail", "--loop", "--interval", "1"])
    stopper.join()
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Envoi des e-mails en attente toutes les 1 s (Ctrl-C pour arrêter).",
        "1 e-mail(s) envoyé(s).",
        "Envoi des e-mails arrêté.",
    ]
    assert signal.getsignal(signal.SIGTERM) is previous


# -- the development sender ---------------------------------------------------------------


def test_background_sender_only_for_the_development_server(app):
    assert not mail.background_sender_wanted(app)  # tests send explicitly
    app.testing = False
    app.config["ENV"] = "development"
    assert mail.background_sender_wanted(app)
    app.config["MAIL_BACKGROUND_SENDER"] = False
    assert not mail.background_sender_wanted(app)
    app.config.update(MAIL_BACKGROUND_SENDER=True, ENV="production")
    assert not mail.background_sender_wanted(app)


def test_no_background_sender_in_tests(client, monkeypatch):
    monkeypatch.setattr(mail, "_sender", None)
    assert client.get("/portail/sante").status_code == 200
    assert mail._sender is None


def test_development_server_sends_from_its_first_request(app, app_database_url, smtp_server, monkeypatch):
    monkeypatch.setattr(mail, "_sender", None)
    app = create_app(
        {  # `relais run` in development, on the database of the `app` fixture
            "ENV": "development",
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": app_database_url,
            "BASE_URL": "http://relais.test",
            "MAIL_SEND_INTERVAL": 0.1,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_server.port,
        }
    )
    with app.app_context():
        mail.queue("a@asso.example", "Bonjour", "test", base_url="http://relais.test")
    db.close()
    assert mail._sender is None  # creating the app starts nothing (other commands, reloader)

    assert app.test_client().get("/portail/sante").status_code == 200
    sender = mail._sender
    try:
        deadline = time.monotonic() + 10
        while not smtp_server.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(smtp_server.messages) == 1
        assert mail.start_background_sender(app) is sender  # one thread per process
    finally:
        sender.stop.set()
        sender.join(timeout=10)
    assert not sender.is_alive()
    assert len(smtp_server.messages) == 1
