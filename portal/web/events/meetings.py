"""Registration to meetings and events: seats, waiting list, cancellation, reminders.

Seats are counted and taken in one transaction that holds the write lock
(SQLite: BEGIN IMMEDIATE; PostgreSQL: the event row FOR UPDATE), so fifty
people taking the last seats at once never oversell. A freed seat goes to
the waiting list in order, with an email, without anyone doing anything.
"""

import csv
import io
import secrets
from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from portal.feeds import event_ics
from portal.mail import outbox as mail
from portal.services.datainclusion import spreadsheet_safe
from portal.services.schedule import local, long_date, short_datetime
from portal.site.publish import request_rebuild
from portal.store.db import db, for_update, utcnow, write_lock
from portal.store.models import REGISTRATION_STATUSES, Event, Registration
from portal.web.events.forms import MeetingRegistrationForm
from portal.web.extensions import limiter
from portal.web.helpers import roles_required, settings
from portal.web.partners.views import registration_rate_limit

bp = Blueprint("meetings", __name__, url_prefix="/portail/rencontres")


class Refused(Exception):
    """Registration not possible; the message is French and says why."""


# -- rules ------------------------------------------------------------------------


def closed_reason(event, now=None):
    """None if one can register now, else why not (in French)."""
    now = now or utcnow()
    if event.status == "cancelled":
        return "Cet événement est annulé : les inscriptions sont fermées."
    if event.ends_at < now:
        return "Cet événement est passé."
    if event.registration_opens_at and now < event.registration_opens_at:
        return f"Les inscriptions ouvriront le {long_date(local(event.registration_opens_at).date())}."
    if event.registration_closes_at and now > event.registration_closes_at:
        return "Les inscriptions sont closes."
    if event.registration_opens_at is None and event.registration_closes_at is None:
        return "Cet événement est ouvert à tous, sans inscription : venez directement."
    return None


def seats_left(event):
    if event.capacity is None:
        return None
    return max(event.capacity - Registration.seats_taken(event), 0)


def ics_attachment(event):
    return {
        "filename": f"evenement-{event.id}.ics",
        "mimetype": "text/calendar; method=PUBLISH",
        "content": event_ics(event).decode("utf-8"),
    }


def cancel_link(registration):
    return settings().portal_url("meetings.cancel", token=registration.cancel_token)


# -- actions ----------------------------------------------------------------------


def register(event_id, organisation, name, email, seats, message=""):
    """Confirmed if the seats fit, else on the waiting list; one email either way."""
    email = email.strip().lower()
    with write_lock():
        event = for_update(Event.select().where(Event.id == event_id)).get_or_none()
        if event is None:
            abort(404)
        reason = closed_reason(event)
        if reason:
            raise Refused(reason)
        if Registration.active(event).where(Registration.contact_email == email).exists():
            raise Refused(
                "Cette adresse e-mail est déjà inscrite à cet événement. Pour changer le nombre "
                "de places, annulez l'inscription avec le lien reçu par e-mail, puis inscrivez-vous à nouveau."
            )
        left = seats_left(event)
        status = "confirmed" if left is None or seats <= left else "waitlisted"
        registration = Registration.create(
            event=event,
            organisation=organisation,
            contact_name=name,
            contact_email=email,
            seats=seats,
            message=message,
            status=status,
            cancel_token=secrets.token_urlsafe(32),
        )
        send_status_email(registration, event)
    request_rebuild()  # seats left on the public site
    return registration


def send_status_email(registration, event, promoted=False):
    if registration.status == "confirmed":
        subject = (
            "Une place s'est libérée : vous êtes inscrit" if promoted else "Inscription confirmée"
        ) + f" — {event.title}"
        mail.queue(
            registration.contact_email,
            subject,
            "registration_confirmed",
            registration=registration,
            event=event,
            promoted=promoted,
            cancel_link=cancel_link(registration),
            attachments=[ics_attachment(event)],
            base_url=settings().base_url,
        )
    else:
        mail.queue(
            registration.contact_email,
            f"Liste d'attente — {event.title}",
            "registration_waitlisted",
            registration=registration,
            event=event,
            rank=registration.rank(),
            cancel_link=cancel_link(registration),
            base_url=settings().base_url,
        )


def cancel_registration(registration_id):
    """Cancel, then give the freed seats to the waiting list, in order."""
    with write_lock():
        registration = Registration.get_or_none(Registration.id == registration_id) or abort(404)
        event = for_update(Event.select().where(Event.id == registration.event_id)).get()
        registration = Registration.get_by_id(registration_id)  # re-read now that the event is locked
        if registration.status == "cancelled":
            return registration, []
        registration.status = "cancelled"
        registration.save()
        promoted = promote_waiting_list(event)
    request_rebuild()
    return registration, promoted


def promote_waiting_list(event):
    """Fill free seats from the waiting list in order of registration; a
    request larger than the free seats waits, and the next one may pass."""
    if event.status == "cancelled" or event.ends_at < utcnow():
        return []
    promoted = []
    left = seats_left(event)
    for waiting in Registration.waiting_list(event):
        if left is not None and waiting.seats > left:
            continue
        waiting.status = "confirmed"
        waiting.save()
        send_status_email(waiting, event, promoted=True)
        promoted.append(waiting)
        if left is not None:
            left -= waiting.seats
    return promoted


def notify_registrants(event):
    """After a change registrants must see (date, time, place, cancellation):
    each active registrant gets an email with the updated .ics (same UID,
    higher SEQUENCE; a cancelled event keeps its UID with STATUS:CANCELLED)."""
    cancelled = event.status == "cancelled"
    for registration in Registration.active(event):
        mail.queue(
            registration.contact_email,
            f"{'Annulé' if cancelled else 'Changement'} — {event.title}",
            "registration_changed",
            registration=registration,
            event=event,
            cancelled=cancelled,
            cancel_link=cancel_link(registration),
            attachments=[ics_attachment(event)],
            base_url=settings().base_url,
        )


def send_reminders(now=None):
    """The day-before reminder, once per registration (idempotent: cron-safe)."""
    now = now or utcnow()
    due = (
        Registration.select(Registration, Event)
        .join(Event)
        .where(
            (Registration.status == "confirmed")
            & Registration.reminded_at.is_null()
            & (Event.status == "scheduled")
            & (Event.starts_at > now)
            & (Event.starts_at <= now + timedelta(hours=36))
        )
    )
    sent = 0
    for registration in due:
        with db.atomic():
            claimed = (
                Registration.update(reminded_at=now)
                .where((Registration.id == registration.id) & Registration.reminded_at.is_null())
                .execute()
            )
            if claimed:  # another run may have taken it in the meantime
                mail.queue(
                    registration.contact_email,
                    f"Rappel : {registration.event.title}, demain",
                    "registration_reminder",
                    registration=registration,
                    event=registration.event,
                    cancel_link=cancel_link(registration),
                    attachments=[ics_attachment(registration.event)],
                    base_url=settings().base_url,
                )
                sent += 1
    return sent


# -- pages ------------------------------------------------------------------------


@bp.route("/<int:event_id>/inscription", methods=["GET", "POST"])
@limiter.limit(registration_rate_limit, methods=["POST"])
def registration_form(event_id):
    event = Event.get_or_none(Event.id == event_id) or abort(404)
    form = MeetingRegistrationForm(max_seats=event.max_seats_per_registration)
    refused = closed_reason(event)
    if not refused and form.validate_on_submit():
        try:
            registration = register(
                event.id,
                form.organisation.data,
                form.nom.data,
                form.courriel.data,
                form.places.data,
                form.message.data or "",
            )
        except Refused as error:
            refused = str(error)
        else:
            return render_template(
                "meetings/registered.html",
                event=event,
                registration=registration,
                rank=registration.rank() if registration.status == "waitlisted" else None,
            )
    status = 409 if refused and request.method == "POST" else (400 if form.errors else 200)
    return render_template(
        "meetings/register.html",
        event=event,
        form=form,
        refused=refused,
        left=seats_left(event),
        ics_url=settings().feed_urls("event", event)[0],
    ), status


@bp.route("/annulation/<token>", methods=["GET", "POST"])
def cancel(token):
    """The registrant's own link: GET shows a button (mail scanners open
    links), POST cancels; a second use just says it is already done."""
    registration = Registration.get_or_none(Registration.cancel_token == token)
    if registration is None:
        return render_template("meetings/cancel.html", registration=None), 404
    if request.method == "POST" and registration.status != "cancelled":
        registration, _ = cancel_registration(registration.id)
        return render_template("meetings/cancel.html", registration=registration, done=True)
    return render_template("meetings/cancel.html", registration=registration, done=False)


# -- the team's side: participants, attendance, sign-in sheet ------------------------

STAFF = ("admin", "mediator")
CSV_COLUMNS = [
    "Structure",
    "Nom",
    "E-mail",
    "Places",
    "Statut",
    "Rang d'attente",
    "Présent",
    "Message",
    "Inscrit le",
]


def event_or_404(event_id):
    return Event.get_or_none(Event.id == event_id) or abort(404)


def participants(event):
    """Active registrations, confirmed first, then the waiting list in order."""
    rows = list(Registration.active(event).order_by(Registration.created_at, Registration.id))
    waiting = [r for r in rows if r.status == "waitlisted"]
    for position, registration in enumerate(waiting, start=1):
        registration.position = position
    return [r for r in rows if r.status == "confirmed"] + waiting


@bp.get("/<int:event_id>/participants")
@roles_required(*STAFF)
def participants_page(event_id):
    event = event_or_404(event_id)
    rows = participants(event)
    return render_template(
        "meetings/participants.html",
        event=event,
        rows=rows,
        left=seats_left(event),
        confirmed_seats=Registration.seats_taken(event),
    )


@bp.post("/<int:event_id>/participants/<int:registration_id>/annuler")
@roles_required(*STAFF)
def cancel_for(event_id, registration_id):
    registration = Registration.get_or_none(
        (Registration.id == registration_id) & (Registration.event == event_id)
    ) or abort(404)
    _, promoted = cancel_registration(registration.id)
    message = f"L'inscription de {registration.contact_name} est annulée."
    if promoted:
        message += " Place(s) attribuée(s) à : " + ", ".join(r.contact_name for r in promoted) + "."
    flash(message, "success")
    return redirect(url_for("meetings.participants_page", event_id=event_id))


@bp.post("/<int:event_id>/presences")
@roles_required(*STAFF)
def attendance(event_id):
    event = event_or_404(event_id)
    present = {int(value) for value in request.form.getlist("present") if value.isdigit()}
    with db.atomic():
        for registration in Registration.active(event).where(Registration.status == "confirmed"):
            registration.attended = registration.id in present
            registration.save()
    flash("Les présences sont enregistrées.", "success")
    return redirect(url_for("meetings.participants_page", event_id=event_id))


@bp.get("/<int:event_id>/participants.csv")
@roles_required(*STAFF)
def participants_csv(event_id):
    event = event_or_404(event_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in participants(event):
        present = {True: "oui", False: "non", None: ""}[r.attended]
        writer.writerow(
            [
                spreadsheet_safe(value)
                for value in (
                    r.organisation,
                    r.contact_name,
                    r.contact_email,
                    r.seats,
                    REGISTRATION_STATUSES[r.status],
                    getattr(r, "position", ""),
                    present,
                    r.message,
                    short_datetime(r.created_at),
                )
            ]
        )
    return Response(
        "\ufeff" + buffer.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="participants-{event.id}.csv"'},
    )


@bp.get("/<int:event_id>/emargement")
@roles_required(*STAFF)
def sign_in_sheet(event_id):
    event = event_or_404(event_id)
    rows = [r for r in participants(event) if r.status == "confirmed"]
    return render_template("meetings/sign_in_sheet.html", event=event, rows=rows)
