"""Registration to meetings and events: seats, waiting list, cancellation,
reminders, attendance.

Seats are counted and taken in one transaction that holds the write lock
(SQLite: BEGIN IMMEDIATE; PostgreSQL: the event row FOR UPDATE), so fifty
people taking the last seats at once never oversell. A freed seat goes to
the waiting list in order, with an email, without anyone doing anything.
The public site (sitegen) asks the same two rules, ``closed_reason`` and
``seats_left``, as the registration page.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from peewee import fn

from portal import feeds
from portal.mail import outbox as mail
from portal.services import topics
from portal.services.errors import NotFound, Refused
from portal.services.rows import LARGEST_ID, locked
from portal.services.schedule import local, long_date
from portal.store.db import db, write_lock
from portal.store.models import Event, Registration

REMINDER_AHEAD = timedelta(hours=36)  # run daily, the reminder leaves the day before


@dataclass(frozen=True)
class Applicant:
    """Who asks for seats (the names of Registration's columns)."""

    organisation: str
    contact_name: str
    contact_email: str
    seats: int
    message: str = ""


# -- rules ------------------------------------------------------------------------


def closed_reason(event, now):
    """None if one can register now, else why not (in French)."""
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


def seats_left(event, taken=None):
    """Seats still free (None: unlimited). ``taken`` = confirmed seats when the
    caller counted them already (the site counts every event in one query)."""
    if event.capacity is None:
        return None
    if taken is None:
        taken = Registration.seats_taken(event)
    return max(event.capacity - taken, 0)


def confirmed_seats_by_event():
    """{event id: confirmed seats}, in one query."""
    return dict(
        Registration.select(Registration.event, fn.SUM(Registration.seats))
        .where(Registration.status == "confirmed")
        .group_by(Registration.event)
        .tuples()
    )


def participants(event):
    """Active registrations, confirmed first, then the waiting list in order
    (each waiting one with its ``position``)."""
    rows = list(Registration.active(event).order_by(Registration.created_at, Registration.id))
    waiting = [r for r in rows if r.status == "waitlisted"]
    for position, registration in enumerate(waiting, start=1):
        registration.position = position
    return [r for r in rows if r.status == "confirmed"] + waiting


# -- emails -----------------------------------------------------------------------


def ics_attachment(settings, event, now):
    """The event's .ics, same UID as the feeds and current SEQUENCE."""
    return {
        "filename": f"evenement-{event.id}.ics",
        "mimetype": "text/calendar; method=PUBLISH",
        "content": feeds.event_ics(event, settings.publisher, now).decode("utf-8"),
    }


def cancel_link(settings, registration):
    return settings.portal_url("meetings.cancel", token=registration.cancel_token)


def email_registrant(settings, registration, event, subject, template, **context):
    """Queue an email to a registrant: every one of them shows the registration
    and the event, and carries the link to cancel."""
    mail.queue(
        registration.contact_email,
        subject,
        template,
        registration=registration,
        event=event,
        cancel_link=cancel_link(settings, registration),
        base_url=settings.base_url,
        **context,
    )


def send_status_email(settings, registration, event, now, promoted=False):
    if registration.status == "confirmed":
        subject = (
            "Une place s'est libérée : vous êtes inscrit" if promoted else "Inscription confirmée"
        ) + f" — {event.title}"
        email_registrant(
            settings,
            registration,
            event,
            subject,
            "registration_confirmed",
            promoted=promoted,
            attachments=[ics_attachment(settings, event, now)],
        )
    else:
        subject = f"Liste d'attente — {event.title}"
        email_registrant(
            settings, registration, event, subject, "registration_waitlisted", rank=registration.rank()
        )


def notify_registrants(settings, event, now):
    """After a change registrants must see (date, time, place, cancellation):
    each active registrant gets an email with the updated .ics (same UID,
    higher SEQUENCE; a cancelled event keeps its UID with STATUS:CANCELLED).
    Returns how many were told."""
    cancelled = event.status == "cancelled"
    told = 0
    for registration in Registration.active(event):
        email_registrant(
            settings,
            registration,
            event,
            f"{'Annulé' if cancelled else 'Changement'} — {event.title}",
            "registration_changed",
            cancelled=cancelled,
            attachments=[ics_attachment(settings, event, now)],
        )
        told += 1
    return told


# -- actions ----------------------------------------------------------------------


def locked_event(event_id):
    """The event row, locked until the end of the write_lock() transaction."""
    return locked(Event, event_id)


def register(settings, event_id, applicant, now):
    """Confirmed if the seats fit, else on the waiting list; one email either way."""
    email = applicant.contact_email.strip().lower()
    with write_lock():
        event = locked_event(event_id)
        reason = closed_reason(event, now)
        if reason:
            raise Refused(reason)
        if Registration.active(event).where(Registration.contact_email == email).exists():
            raise Refused(
                "Cette adresse e-mail est déjà inscrite à cet événement. Pour changer le nombre "
                "de places, annulez l'inscription avec le lien reçu par e-mail, puis inscrivez-vous à nouveau."
            )
        left = seats_left(event)
        registration = Registration.create(
            event=event,
            organisation=applicant.organisation,
            contact_name=applicant.contact_name,
            contact_email=email,
            seats=applicant.seats,
            message=applicant.message or "",
            status="confirmed" if left is None or applicant.seats <= left else "waitlisted",
            cancel_token=secrets.token_urlsafe(32),
        )
        send_status_email(settings, registration, event, now)
    settings.public_content_changed()  # seats left on the public site
    return registration


def by_token(token):
    """The registration of an emailed cancellation link, or None."""
    return Registration.get_or_none(Registration.cancel_token == token)


def cancel(settings, registration_id, now, event_id=None):
    """Cancel (through its own event when ``event_id`` is given: the staff's
    pages), then give the freed seats to the waiting list, in order.
    Returns (registration, [promoted registrations]); cancelling twice is a no-op."""
    if not 0 < registration_id <= LARGEST_ID:
        raise NotFound()
    with write_lock():
        registration = Registration.get_or_none(Registration.id == registration_id)
        if registration is None or (event_id is not None and registration.event_id != event_id):
            raise NotFound()
        event = locked_event(registration.event_id)
        registration = Registration.get_by_id(registration_id)  # re-read now that the event is locked
        if registration.status == "cancelled":
            return registration, []
        registration.status = "cancelled"
        registration.save()
        promoted = promote_waiting_list(settings, event, now)
    settings.public_content_changed()
    return registration, promoted


def promote_waiting_list(settings, event, now):
    """Fill free seats from the waiting list in order of registration; a
    request larger than the free seats waits, and the next one may pass.
    Call it holding the write lock on the event."""
    if event.status == "cancelled" or event.ends_at < now:
        return []
    promoted = []
    left = seats_left(event)
    for waiting in Registration.waiting_list(event):
        if left is not None and waiting.seats > left:
            continue
        waiting.status = "confirmed"
        waiting.save()
        send_status_email(settings, waiting, event, now, promoted=True)
        promoted.append(waiting)
        if left is not None:
            left -= waiting.seats
    return promoted


def send_reminders(settings, now):
    """The day-before reminder, once per registration (idempotent: cron-safe)."""
    due = (
        Registration.select(Registration, Event)
        .join(Event)
        .where(
            (Registration.status == "confirmed")
            & Registration.reminded_at.is_null()
            & (Event.status == "scheduled")
            & (Event.starts_at > now)
            & (Event.starts_at <= now + REMINDER_AHEAD)
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
                event = registration.event
                email_registrant(
                    settings,
                    registration,
                    event,
                    f"Rappel : {event.title}, demain",
                    "registration_reminder",
                    attachments=[ics_attachment(settings, event, now)],
                )
                sent += 1
    return sent


def record_attendance(settings, event_id, present_ids, now):
    """Who came, among the confirmed registrations; once a meeting has taken
    place, recording who came also marks its topic as held."""
    with write_lock():
        event = locked_event(event_id)
        present = set(present_ids)
        for registration in Registration.active(event).where(Registration.status == "confirmed"):
            registration.attended = registration.id in present
            registration.save()
        held = topics.meeting_took_place(settings, event, now)
    return held
