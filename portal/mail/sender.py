"""Sending the outbox over SMTP: ``send_pending`` sends the rows that are due and
retries failures later with a growing delay. It runs from ``relais send-mail``
(cron, or ``--loop`` as a service) and, in development only, from a thread of
the development server.

Never twice: a sender claims a row with one conditional UPDATE before sending
it, so two senders (workers, cron, the thread) cannot both send it, and
``sent_at`` is committed as soon as the SMTP server accepted the message. The
one window left is a crash between that acceptance and that commit: the row is
then sent again once its lease has expired.
"""

import base64
import json
import signal
import smtplib
import ssl
import threading
from datetime import timedelta
from email.message import EmailMessage, Message
from email.utils import format_datetime, parseaddr
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.mail.outbox import ADDRESS, one_line, queue
from portal.store.db import db, utcnow
from portal.store.models import Outbox

TIMEOUT = 10  # seconds for each SMTP operation
LEASE = timedelta(minutes=5)  # how long a claimed row is left alone by other senders
# Delay before the next try, after the 1st, 2nd… failed one; then LAST_DELAY.
BACKOFF = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
]
LAST_DELAY = timedelta(hours=24)
MAX_ATTEMPTS = 10  # about four days of tries; then the row stays, marked as abandoned
TEST_SUBJECT = "Message de test du portail Relais"


# -- sending --------------------------------------------------------------------


def is_due(now):
    return Outbox.sent_at.is_null() & (Outbox.next_attempt_at <= now) & (Outbox.attempts < MAX_ATTEMPTS)


def send_pending(now=None, limit=100):
    """Send the emails that are due, over one SMTP connection; returns (sent, failed).

    Runs outside any transaction: each claim and each result commits at
    once, so that other senders see it. ``now`` fixes the clock (tests).
    """
    if db.in_transaction():
        # A rollback after sending would forget sent_at: the emails would leave twice.
        raise RuntimeError("send_pending() must not run inside a transaction")
    clock = (lambda: now) if now else utcnow  # the real clock is read at every claim
    query = Outbox.select(Outbox.id).where(is_due(clock())).order_by(Outbox.next_attempt_at, Outbox.id)
    sent = failed = 0
    connection = None
    try:
        for row_id in [row.id for row in query.limit(limit)]:
            row = claim(row_id, clock())
            if row is None:
                continue  # another sender took it
            try:
                if connection is None:
                    connection = connect(current_app.config)
                connection.send_message(build_message(row, clock()))
            except Exception as error:  # any failure of one email is recorded on it
                record_failure(row, error, clock())
                failed += 1
                if connection is None or server_lost(error):
                    break  # the server is down: try again next round, don't hammer it
                continue
            Outbox.update(sent_at=clock()).where(Outbox.id == row.id).execute()
            sent += 1
    finally:
        if connection is not None:
            disconnect(connection)
    return sent, failed


def claim(row_id, now):
    """Take the row for LEASE if it is still due; None if another sender has it.

    One UPDATE with the due condition in its WHERE: the database lets only
    one sender change the row, the other one updates nothing.
    """
    claimed = (
        Outbox.update(attempts=Outbox.attempts + 1, next_attempt_at=now + LEASE)
        .where((Outbox.id == row_id) & is_due(now))
        .execute()
    )
    return Outbox.get_by_id(row_id) if claimed else None


def retry_delay(attempts):
    return BACKOFF[attempts - 1] if attempts <= len(BACKOFF) else LAST_DELAY


def record_failure(row, error, now):
    """Keep the row, with the error and the time of the next try (row.attempts
    already counts this one)."""
    reason = describe(error)
    if row.attempts >= MAX_ATTEMPTS:
        reason = f"Abandonné après {row.attempts} essais. {reason}"
    (
        Outbox.update(last_error=reason[:1000], next_attempt_at=now + retry_delay(row.attempts))
        .where(Outbox.id == row.id)
        .execute()
    )
    current_app.logger.warning(
        "E-mail %s pour %s non envoyé (essai %s) : %s", row.id, row.to_addr, row.attempts, reason
    )


def server_lost(error):
    """True when the connection is unusable, as opposed to one refused email."""
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def describe(error):
    """A short French explanation for admins, with the server's own words."""
    config = current_app.config
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()))
        return f"Adresse refusée par le serveur d'envoi ({code} {reply.decode(errors='replace')})."
    if isinstance(error, smtplib.SMTPResponseException):
        answer = f"{error.smtp_code} {error.smtp_error.decode(errors='replace')}"
        if isinstance(error, smtplib.SMTPAuthenticationError):
            return (
                "Identifiant ou mot de passe refusé par le serveur d'envoi "
                "(PORTAL_MAIL_USERNAME, PORTAL_MAIL_PASSWORD)."
            )
        if isinstance(error, smtplib.SMTPSenderRefused):
            return f"Expéditeur refusé par le serveur d'envoi (PORTAL_MAIL_SENDER) : {answer}."
        return f"Message refusé par le serveur d'envoi ({answer})."
    if isinstance(error, OSError):
        server = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
        return f"Serveur d'envoi injoignable ou connexion interrompue ({server}) : {error}."
    return f"Message impossible à préparer ({type(error).__name__} : {error})."


def connect(config):
    """An open (and logged-in, if configured) SMTP connection."""
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    if config["MAIL_USE_SSL"]:
        connection = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=ssl.create_default_context())
    else:
        connection = smtplib.SMTP(host, port, timeout=TIMEOUT)
    try:
        if config["MAIL_USE_TLS"]:
            connection.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        connection.close()
        raise
    return connection


def disconnect(connection):
    try:
        connection.quit()
    except (OSError, smtplib.SMTPException):
        connection.close()


def build_message(row, now):
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = row.to_addr
    message["Subject"] = row.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(row)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a robot
    # Quoted-printable keeps accented French readable by every server, even
    # those that don't accept 8-bit content.
    message.set_content(row.body_text, cte="quoted-printable")
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html", cte="quoted-printable")
    for attachment in json.loads(row.attachments or "[]"):
        add_attachment(message, attachment)
    return message


def message_id(row):
    """Stable for a row, so a message sent twice would at least be recognised
    as one by mail clients; the date keeps it unique after a database reset."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "relais.localhost"
    return f"<outbox-{row.id}.{row.created_at:%Y%m%d%H%M%S}@{host}>"


def add_attachment(message, attachment):
    """Attach in base64, so that the content arrives byte for byte (an .ics keeps its CRLF)."""
    content = attachment["content"]
    data = base64.b64decode(content) if attachment.get("encoding") == "base64" else content.encode("utf-8")
    kind = Message()
    kind["Content-Type"] = attachment["mimetype"]  # parsed as a header: "text/calendar; method=PUBLISH"
    params = dict(kind.get_params()[1:])
    if kind.get_content_maintype() == "text":
        params.setdefault("charset", "utf-8")
    message.add_attachment(
        data,
        kind.get_content_maintype(),
        kind.get_content_subtype(),
        filename=attachment["filename"],
        params=params,
    )


# -- what admins see ---------------------------------------------------------------


def failing():
    """Emails not sent yet after at least one failed try, oldest first.

    Those with ``attempts >= MAX_ATTEMPTS`` are abandoned: they stay in the
    table with their last error and are listed by ``relais send-mail --failed``.
    """
    return (
        Outbox.select()
        .where(Outbox.sent_at.is_null() & (Outbox.last_error != ""))
        .order_by(Outbox.created_at, Outbox.id)
    )


def given_up():
    return failing().where(Outbox.attempts >= MAX_ATTEMPTS)


def config_problems(config):
    """What prevents sending at all, in words an admin can act on."""
    problems = []
    if not config["MAIL_SERVER"]:
        problems.append("PORTAL_MAIL_SERVER est vide : indiquez le serveur d'envoi des e-mails.")
    port = config["MAIL_PORT"]
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        problems.append("PORTAL_MAIL_PORT doit être un numéro de port (25, 465 ou 587 le plus souvent).")
    if config["MAIL_USE_TLS"] and config["MAIL_USE_SSL"]:
        problems.append(
            "Choisissez PORTAL_MAIL_USE_TLS (port 587) ou PORTAL_MAIL_USE_SSL (port 465), pas les deux."
        )
    if not ADDRESS.fullmatch(parseaddr(one_line(config["MAIL_SENDER"]))[1]):
        problems.append(
            "PORTAL_MAIL_SENDER doit contenir une adresse, par exemple "
            "« Relais <ne-pas-repondre@exemple.fr> »."
        )
    return problems


# -- running it --------------------------------------------------------------------


def send_forever(app, interval, stop, report=None):
    """Send due emails every ``interval`` seconds until ``stop`` is set."""
    while not stop.is_set():
        with app.app_context():
            try:
                result = send_pending()
            except Exception:  # a database hiccup must not end the sender
                app.logger.exception("Envoi des e-mails interrompu")
            else:
                if report:
                    report(*result)
            finally:
                db.close()
        stop.wait(interval)


_sender_lock = threading.Lock()
_sender = None  # the development sender thread of this process


def background_sender_wanted(app):
    """Only the development server sends its own emails; in production
    `relais send-mail` runs as a service or from cron, and tests send explicitly."""
    return (
        app.config["ENV"] == "development" and not app.testing and bool(app.config["MAIL_BACKGROUND_SENDER"])
    )


def init_app(app):
    if not background_sender_wanted(app):
        return

    # Started at the first request rather than here: create_app also runs for
    # every other `relais` command and in the watcher process of the reloader
    # (`relais run --debug`), which serve no request and must not send.
    @app.before_request
    def start_mail_sender():
        start_background_sender(app)


def start_background_sender(app):
    """Start the sender thread once per process; returns it (``.stop`` ends it)."""
    global _sender
    with _sender_lock:
        if _sender is None or not _sender.is_alive():
            stop = threading.Event()
            _sender = threading.Thread(
                target=send_forever,
                args=(app, app.config["MAIL_SEND_INTERVAL"], stop),
                name="relais-mail",
                daemon=True,
            )
            _sender.stop = stop
            _sender.start()
        return _sender


# -- the command -------------------------------------------------------------------


def summary(sent, failed):
    if not sent and not failed:
        return "Aucun e-mail à envoyer."
    text = f"{sent} e-mail(s) envoyé(s)"
    return text + (f", {failed} en échec (nouvel essai plus tard)." if failed else ".")


@click.command("send-mail")
@click.option("--loop", is_flag=True, help="Continue d'envoyer à intervalle régulier (service systemd).")
@click.option(
    "--interval",
    type=click.IntRange(min=1),
    default=None,
    metavar="SECONDES",
    help="Attente entre deux envois avec --loop (par défaut PORTAL_MAIL_SEND_INTERVAL, 30).",
)
@click.option(
    "--test",
    "test_address",
    metavar="ADRESSE",
    help="Envoie d'abord un message de test à cette adresse, pour vérifier les réglages.",
)
@click.option("--failed", "show_failed", is_flag=True, help="Liste les e-mails en échec, sans rien envoyer.")
@with_appcontext
def send_mail_command(loop, interval, test_address, show_failed):
    """Envoie les e-mails en attente (à lancer par cron ou comme service)."""
    app = current_app._get_current_object()
    problems = config_problems(app.config)
    if problems:
        raise click.ClickException("Réglages d'envoi des e-mails incorrects. " + " ".join(problems))
    if show_failed:
        list_failing()
        return
    test_row = queue_test(test_address) if test_address else None
    if loop:
        run_loop(app, interval or app.config["MAIL_SEND_INTERVAL"])
        return
    click.echo(summary(*send_pending()))
    if test_row:
        report_test(Outbox.get_by_id(test_row.id))
    abandoned = given_up().count()
    if abandoned:
        click.echo(
            f"Attention : {abandoned} e-mail(s) abandonné(s) après {MAX_ATTEMPTS} essais. "
            "Détail : relais send-mail --failed",
            err=True,
        )


def queue_test(address):
    try:
        with db.atomic():
            return queue(address, TEST_SUBJECT, "test", base_url=current_app.config["BASE_URL"])
    except ValueError as error:
        raise click.ClickException(str(error)) from error


def report_test(row):
    if row.sent_at:
        click.echo(
            f"Message de test envoyé à {row.to_addr} : vérifiez qu'il est bien arrivé "
            "(et regardez aussi dans les indésirables)."
        )
    elif row.last_error:
        click.echo(f"Le message de test n'est pas parti : {row.last_error}", err=True)
    else:
        click.echo("Le message de test attend son tour derrière d'autres e-mails.")


def run_loop(app, interval):
    stop = threading.Event()

    def stop_after_this_round(*_):
        # A signal only ends the loop between two rounds: stopping between the
        # server's acceptance and the sent_at commit would send an email again.
        # Set from another thread: Event.set takes a lock that the interrupted
        # main thread may be holding.
        threading.Thread(target=stop.set).start()

    previous = {
        number: signal.signal(number, stop_after_this_round) for number in (signal.SIGTERM, signal.SIGINT)
    }
    click.echo(f"Envoi des e-mails en attente toutes les {interval} s (Ctrl-C pour arrêter).")
    try:
        send_forever(app, interval, stop, report=echo_activity)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    click.echo("Envoi des e-mails arrêté.")


def echo_activity(sent, failed):
    """One line per round that did something: a service's log stays readable."""
    if sent or failed:
        click.echo(summary(sent, failed))


def list_failing():
    from portal.services.schedule import local

    rows = list(failing())
    if not rows:
        click.echo("Aucun e-mail en échec.")
    for row in rows:
        when = (
            f"abandonné après {row.attempts} essais"
            if row.attempts >= MAX_ATTEMPTS
            else f"nouvel essai le {local(row.next_attempt_at):%d/%m/%Y à %H:%M}"
        )
        click.echo(
            f"{local(row.created_at):%d/%m/%Y %H:%M}  {row.to_addr}  « {row.subject} » — {when}\n"
            f"    {row.last_error}"
        )
