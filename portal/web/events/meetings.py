"""Registration to meetings and events (the pages): the registration form,
the registrant's cancellation link, and the team's participants, attendance
and sign-in sheet. The rules are in portal/services/registrations.py.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from portal.services import registrations
from portal.services.datainclusion.cleaning import spreadsheet_safe
from portal.services.errors import Refused
from portal.services.schedule import short_datetime
from portal.store.db import utcnow
from portal.store.models import REGISTRATION_STATUSES, Event, Registration
from portal.web.events.forms import MeetingRegistrationForm
from portal.web.extensions import limiter
from portal.web.helpers import (
    csv_response,
    get_object_or_404,
    no_referrer,
    no_store,
    settings,
    staff_required,
)
from portal.web.partners.views import registration_rate_limit

bp = Blueprint("meetings", __name__, url_prefix="/portail/rencontres")


@bp.route("/<int:event_id>/inscription", methods=["GET", "POST"])
@limiter.limit(registration_rate_limit, methods=["POST"])
def registration_form(event_id):
    event = get_object_or_404(Event, Event.id == event_id)
    form = MeetingRegistrationForm(max_seats=event.max_seats_per_registration)
    refused = registrations.closed_reason(event, utcnow())
    if not refused and form.validate_on_submit():
        applicant = registrations.Applicant(
            **{name: form[name].data for name in ("organisation", "contact_name", "contact_email", "seats")},
            message=form.message.data or "",
        )
        try:
            registration = registrations.register(settings(), event.id, applicant, utcnow())
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
        left=registrations.seats_left(event),
        ics_url=settings().feed_urls("event", event)[0],
    ), status


@bp.route("/annulation/<token>", methods=["GET", "POST"])
@no_referrer
def cancel(token):
    """The registrant's own link: GET shows a button (mail scanners open
    links), POST cancels; a second use just says it is already done."""
    registration = registrations.by_token(token)
    if registration is None:
        return render_template("meetings/cancel.html", registration=None), 404
    if request.method == "POST" and registration.status != "cancelled":
        registration, _ = registrations.cancel(settings(), registration.id, utcnow())
        return render_template("meetings/cancel.html", registration=registration, done=True)
    return render_template("meetings/cancel.html", registration=registration, done=False)


# -- the team's side: participants, attendance, sign-in sheet ------------------------

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
    return get_object_or_404(Event, Event.id == event_id)


@bp.get("/<int:event_id>/participants")
@staff_required
@no_store
def participants_page(event_id):
    event = event_or_404(event_id)
    return render_template(
        "meetings/participants.html",
        event=event,
        rows=registrations.participants(event),
        left=registrations.seats_left(event),
        confirmed_seats=Registration.seats_taken(event),
    )


@bp.post("/<int:event_id>/participants/<int:registration_id>/annuler")
@staff_required
def cancel_for(event_id, registration_id):
    registration, promoted = registrations.cancel(settings(), registration_id, utcnow(), event_id=event_id)
    message = f"L'inscription de {registration.contact_name} est annulée."
    if promoted:
        message += " Place(s) attribuée(s) à : " + ", ".join(r.contact_name for r in promoted) + "."
    flash(message, "success")
    return redirect(url_for("meetings.participants_page", event_id=event_id))


@bp.post("/<int:event_id>/presences")
@staff_required
def attendance(event_id):
    present = [int(value) for value in request.form.getlist("present") if value.isdigit() and len(value) < 10]
    held = registrations.record_attendance(settings(), event_id, present, utcnow())
    message = "Les présences sont enregistrées."
    if held:
        message += f" Le thème « {held.title} » est marqué comme traité."
    flash(message, "success")
    return redirect(url_for("meetings.participants_page", event_id=event_id))


@bp.get("/<int:event_id>/participants.csv")
@staff_required
@no_store
def participants_csv(event_id):
    event = event_or_404(event_id)
    rows = (
        [
            spreadsheet_safe(value)
            for value in (
                r.organisation,
                r.contact_name,
                r.contact_email,
                r.seats,
                REGISTRATION_STATUSES[r.status],
                getattr(r, "position", ""),
                {True: "oui", False: "non", None: ""}[r.attended],
                r.message,
                short_datetime(r.created_at),
            )
        ]
        for r in registrations.participants(event)
    )
    return csv_response(f"participants-{event.id}.csv", CSV_COLUMNS, rows)


@bp.get("/<int:event_id>/emargement")
@staff_required
@no_store
def sign_in_sheet(event_id):
    event = event_or_404(event_id)
    rows = [r for r in registrations.participants(event) if r.status == "confirmed"]
    return render_template("meetings/sign_in_sheet.html", event=event, rows=rows)
