"""Events and meetings as the team runs them: list, create, edit, duplicate,
cancel, and the partners taking part with their job offers.

Registrants must see what changes: an edit of date, time or place, or a
cancellation, raises the event's iCalendar SEQUENCE (Sequenced.save()), and
each active registrant gets the updated .ics by email, queued in the same
transaction as the change so that both happen or neither does.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from peewee import JOIN, fn

from portal.services.schedule import local
from portal.site.publish import request_rebuild
from portal.store.db import for_update, utcnow, write_lock
from portal.store.models import Event, EventPartner, JobOffer, Partner, Place, Registration, Sector, Topic
from portal.web.events import meetings
from portal.web.events.forms import EventForm, JobOfferForm, ParticipationForm
from portal.web.helpers import roles_required, settings

bp = Blueprint("events", __name__, url_prefix="/portail/evenements")
PAST_SHOWN = 50  # past events listed; older ones stay in the database and the feeds


@bp.before_request
@roles_required("admin", "mediator")
def staff_only():
    """One check for the whole blueprint, so that no page can forget it."""


def event_or_404(event_id):
    return Event.get_or_none(Event.id == event_id) or abort(404)


def locked_event(event_id):
    """The event row, locked until the end of the write_lock() transaction."""
    return for_update(Event.select().where(Event.id == event_id)).get_or_none() or abort(404)


# -- list -------------------------------------------------------------------------


def registration_counts():
    """({event id: confirmed seats}, {event id: registrations on the waiting list})."""
    active = Registration.select(Registration.event, fn.SUM(Registration.seats), fn.COUNT(Registration.id))
    confirmed = active.where(Registration.status == "confirmed").group_by(Registration.event).tuples()
    waiting = active.where(Registration.status == "waitlisted").group_by(Registration.event).tuples()
    return ({event: seats for event, seats, _ in confirmed}, {event: count for event, _, count in waiting})


@bp.get("/")
def index():
    now = utcnow()
    listed = Event.select(Event, Place).join(Place, JOIN.LEFT_OUTER)
    upcoming = listed.where(Event.ends_at >= now).order_by(Event.starts_at, Event.id)
    past = (
        listed.where(Event.ends_at < now).order_by(Event.starts_at.desc(), Event.id.desc()).limit(PAST_SHOWN)
    )
    seats, waiting = registration_counts()
    return render_template(
        "events/index.html",
        upcoming=list(upcoming),
        past=list(past),
        seats=seats,
        waiting=waiting,
        past_shown=PAST_SHOWN,
    )


# -- the event form ----------------------------------------------------------------


def event_form(event=None, **kwargs):
    """The form with its lists; an event keeps its topic even if it is no longer "accepted"."""
    current_topic = event.topic_id if event else None
    topics = Topic.select().where((Topic.status == "accepted") | (Topic.id == current_topic))
    places = Place.select().order_by(fn.LOWER(Place.name), Place.id)
    sectors = Sector.select().order_by(Sector.position, Sector.name)
    return EventForm(**kwargs).set_choices(topics.order_by(fn.LOWER(Topic.title)), places, sectors)


def form_values(event, with_dates=True):
    """What the form shows for an event, in Paris time. A copy gets empty
    dates (the team types the new ones) but keeps the hours."""
    start, end = local(event.starts_at), local(event.ends_at)
    opens, closes = (
        local(moment) if moment else None
        for moment in (event.registration_opens_at, event.registration_closes_at)
    )
    values = {
        "type_evenement": event.kind,
        "titre": event.title,
        "theme": str(event.topic_id or ""),
        "description": event.description,
        "lieu": str(event.place_id or ""),
        "secteur": str(event.sector_id or ""),
        "heure_debut": None if event.all_day else start.time(),
        "heure_fin": None if event.all_day else end.time(),
        "journee_entiere": event.all_day,
        "capacite": event.capacity,
        "places_max": event.max_seats_per_registration,
        "inscriptions_ouverture_heure": opens.time() if opens else None,
        "inscriptions_cloture_heure": closes.time() if closes else None,
        "public": event.audience,
    }
    if with_dates:
        values.update(
            date_debut=start.date(),
            date_fin=end.date() if end.date() != start.date() else None,
            inscriptions_ouverture_date=opens.date() if opens else None,
            inscriptions_cloture_date=closes.date() if closes else None,
        )
    return values


def same_minute(stored, typed):
    """The stored moment if the form shows it unchanged: the form has no
    seconds, and a second's difference would count as a change of time."""
    if stored and stored.replace(second=0, microsecond=0) == typed:
        return stored
    return typed


def apply_form(event, form):
    event.kind, event.title = form.type_evenement.data, form.titre.data
    event.description = form.description.data or ""
    event.topic_id = int(form.theme.data) if form.theme.data else None
    event.place_id = int(form.lieu.data) if form.lieu.data else None
    # Without a chosen sector, the place's one: the sector feeds and pages need it.
    place_sector = Place.get_by_id(event.place_id).sector_id if event.place_id else None
    event.sector_id = int(form.secteur.data) if form.secteur.data else place_sector
    starts_at, ends_at = form.moments()
    event.starts_at, event.ends_at = (
        same_minute(event.starts_at, starts_at),
        same_minute(event.ends_at, ends_at),
    )
    event.all_day = form.journee_entiere.data
    event.capacity, event.max_seats_per_registration = form.capacite.data, form.places_max.data
    event.registration_opens_at, event.registration_closes_at = form.registration_window()
    event.audience = form.public.data
    return event


def render_form(form, source=None):
    """The page to create an event, or a copy of ``source``."""
    return render_template("events/form.html", form=form, source=source), (400 if form.errors else 200)


@bp.route("/nouveau", methods=["GET", "POST"])
def create():
    form = event_form(data={"type_evenement": "partner_meeting", "public": "public"})
    if not form.validate_on_submit():
        return render_form(form)
    with write_lock():
        event = apply_form(Event(), form)
        event.save()
    request_rebuild()
    flash(
        f"L'événement « {event.title} » est enregistré. Vous pouvez ajouter plus bas les partenaires "
        "qui y participent.",
        "success",
    )
    return redirect(url_for("events.edit", event_id=event.id))


@bp.route("/<int:event_id>/copie", methods=["GET", "POST"])
def duplicate(event_id):
    """A new event from an existing one: same fields, new dates, nobody registered."""
    source = event_or_404(event_id)
    form = event_form(source, data=form_values(source, with_dates=False) if request.method == "GET" else None)
    if not form.validate_on_submit():
        return render_form(form, source=source)
    with write_lock():
        event = apply_form(Event(organiser_id=source.organiser_id), form)  # status "scheduled", SEQUENCE 0
        event.save()
    request_rebuild()
    flash(
        f"La copie de « {source.title} » est enregistrée. Les partenaires participants ne sont pas copiés : "
        "ajoutez-les plus bas si besoin.",
        "success",
    )
    return redirect(url_for("events.edit", event_id=event.id))


# -- edit --------------------------------------------------------------------------


def capacity_grew(before, after):
    """None means unlimited: from a number to None is growing too."""
    return before is not None and (after is None or after > before)


def follow_up(event, sequence_before, capacity_before):
    """Tell registrants about a change they must see, then give new seats to
    the waiting list; returns (how many were emailed, who got a seat)."""
    notified = 0
    if event.sequence != sequence_before:  # Sequenced.save() raised it: date, time, place or status changed
        meetings.notify_registrants(event)
        notified = Registration.active(event).count()
    promoted = meetings.promote_waiting_list(event) if capacity_grew(capacity_before, event.capacity) else []
    return notified, promoted


def told(count):
    plural = "s" if count > 1 else ""
    return f"{count} inscription{plural} prévenue{plural} par e-mail."


def edit_message(event, notified, promoted):
    message = "Les modifications sont enregistrées."
    if notified:
        message += " " + told(notified)
    if promoted:
        message += " Place(s) attribuée(s) à : " + ", ".join(r.contact_name for r in promoted) + "."
    taken = Registration.seats_taken(event)
    if event.capacity is not None and taken > event.capacity:
        message += (
            f" Attention : {taken} places sont déjà confirmées, plus que la nouvelle capacité. "
            "Personne n'est désinscrit ; les prochaines inscriptions iront sur la liste d'attente."
        )
    return message


@bp.route("/<int:event_id>", methods=["GET", "POST"])
def edit(event_id):
    event = event_or_404(event_id)
    form = event_form(event, data=form_values(event) if request.method == "GET" else None)
    if not form.validate_on_submit():
        return render_edit(event, form=form)
    with write_lock():
        event = locked_event(event_id)
        sequence_before, capacity_before = event.sequence, event.capacity
        apply_form(event, form).save()
        notified, promoted = follow_up(event, sequence_before, capacity_before)
    request_rebuild()
    flash(edit_message(event, notified, promoted), "success")
    return redirect(url_for("events.edit", event_id=event_id))


def participations_of(event):
    query = (
        EventPartner.select(EventPartner, Partner)
        .join(Partner)
        .where(EventPartner.event == event)
        .order_by(fn.LOWER(Partner.name), EventPartner.id)
    )
    participations = list(query)
    for participation in participations:
        participation.offers = list(participation.job_offers.order_by(JobOffer.id))
    return participations


def participation_form(event, **kwargs):
    """Published partners not yet taking part."""
    taken = EventPartner.select(EventPartner.partner).where(EventPartner.event == event)
    partners = Partner.published().where(Partner.id.not_in(taken)).order_by(fn.LOWER(Partner.name))
    return ParticipationForm(**kwargs).set_choices(partners)


def offer_form(participation_id, **kwargs):
    # One form per participation on the page: the prefix keeps their ids apart.
    return JobOfferForm(prefix=f"offre-{participation_id}", **kwargs)


def render_edit(event, form=None, added=None, offer_forms=None):
    """The edit page; the form that was just sent comes back with its errors, the others empty."""
    if form is None:
        form = event_form(event, formdata=None, data=form_values(event))
    if added is None:
        added = participation_form(event, formdata=None)
    participations = participations_of(event)
    offer_forms = {
        p.id: (offer_forms or {}).get(p.id) or offer_form(p.id, formdata=None) for p in participations
    }
    failed = form.errors or added.errors or any(f.errors for f in offer_forms.values())
    public_url = settings().public_url("event", event)
    return render_template(
        "events/edit.html",
        event=event,
        form=form,
        added=added,
        participations=participations,
        offer_forms=offer_forms,
        public_url=public_url,
        left=meetings.seats_left(event),
        registrations=Registration.active(event).count(),
    ), (400 if failed else 200)


@bp.post("/<int:event_id>/annulation")
def cancel(event_id):
    """Cancelled, not deleted: calendars keep its UID and show it cancelled,
    and meetings.closed_reason() closes registration."""
    event_or_404(event_id)
    if request.form.get("confirmation") != "oui":
        flash("Cochez la case de confirmation pour annuler l'événement.", "error")
        return redirect(url_for("events.edit", event_id=event_id, _anchor="annulation"))
    with write_lock():
        event = locked_event(event_id)
        if event.status == "cancelled":
            flash("Cet événement était déjà annulé.", "info")
            return redirect(url_for("events.edit", event_id=event_id))
        event.status = "cancelled"
        event.save()  # raises SEQUENCE
        meetings.notify_registrants(event)
        notified = Registration.active(event).count()
    request_rebuild()
    flash(f"« {event.title} » est annulé. {told(notified)}", "success")
    return redirect(url_for("events.edit", event_id=event_id))


# -- participating partners and their job offers ---------------------------------------


def participation_or_404(event_id, participation_id, lock=False):
    """The participation, only through its own event (another event's id is a 404)."""
    query = EventPartner.select().where(
        (EventPartner.id == participation_id) & (EventPartner.event == event_id)
    )
    return (for_update(query) if lock else query).get_or_none() or abort(404)


def back_to_partners(event_id):
    return redirect(url_for("events.edit", event_id=event_id, _anchor="partenaires"))


@bp.post("/<int:event_id>/partenaires")
def participation_add(event_id):
    event = event_or_404(event_id)
    added = participation_form(event)
    if not added.validate_on_submit():
        return render_edit(event, added=added)
    with write_lock():
        event = locked_event(event_id)
        partner_id = int(added.partenaire.data)
        # Checked again under the lock: two clicks must not add the partner twice.
        if (
            EventPartner.select()
            .where((EventPartner.event == event) & (EventPartner.partner == partner_id))
            .exists()
        ):
            abort(409, "Ce partenaire participe déjà à cet événement.")
        participation = EventPartner.create(
            event=event, partner=partner_id, contribution=added.contribution.data or ""
        )
    request_rebuild()
    flash(f"« {participation.partner.name} » participe à l'événement.", "success")
    return back_to_partners(event_id)


@bp.post("/<int:event_id>/partenaires/<int:participation_id>/suppression")
def participation_delete(event_id, participation_id):
    with write_lock():
        participation = participation_or_404(event_id, participation_id, lock=True)
        name = participation.partner.name
        participation.delete_instance()  # its job offers go with it (ON DELETE CASCADE)
    request_rebuild()
    flash(f"« {name} » ne figure plus parmi les participants, ni ses offres d'emploi.", "success")
    return back_to_partners(event_id)


@bp.post("/<int:event_id>/partenaires/<int:participation_id>/offres")
def offer_add(event_id, participation_id):
    event = event_or_404(event_id)
    form = offer_form(participation_id)
    if not form.validate_on_submit():
        participation_or_404(event_id, participation_id)
        return render_edit(event, offer_forms={participation_id: form})
    with write_lock():
        participation = participation_or_404(event_id, participation_id, lock=True)
        JobOffer.create(
            participation=participation,
            title=form.intitule.data,
            contract=form.contrat.data,
            without_diploma=form.sans_diplome.data,
        )
    request_rebuild()
    flash(f"L'offre « {form.intitule.data} » est ajoutée.", "success")
    return back_to_partners(event_id)


@bp.post("/<int:event_id>/partenaires/<int:participation_id>/offres/<int:offer_id>/suppression")
def offer_delete(event_id, participation_id, offer_id):
    with write_lock():
        participation = participation_or_404(event_id, participation_id, lock=True)
        offer = JobOffer.get_or_none((JobOffer.id == offer_id) & (JobOffer.participation == participation))
        if offer is None:
            abort(404)
        offer.delete_instance()
    request_rebuild()
    flash(f"L'offre « {offer.title} » est retirée.", "success")
    return back_to_partners(event_id)
