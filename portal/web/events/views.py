"""Events and meetings as the team runs them: list, create, edit, duplicate,
cancel, and the partners taking part with their job offers. The rules (and
the emails to registrants) are in portal/services/events.py.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from peewee import JOIN, fn

from portal.services import events, registrations
from portal.store.db import utcnow
from portal.store.models import Event, EventPartner, JobOffer, Partner, Place, Registration, Sector, Topic
from portal.web.events.forms import EventForm, JobOfferForm, ParticipationForm
from portal.web.helpers import get_object_or_404, roles_required, settings

bp = Blueprint("events", __name__, url_prefix="/portail/evenements")
PAST_SHOWN = 50  # past events listed; older ones stay in the database and the feeds


@bp.before_request
@roles_required("admin", "mediator")
def staff_only():
    """One check for the whole blueprint, so that no page can forget it."""


def event_or_404(event_id):
    return get_object_or_404(Event, Event.id == event_id)


def event_page(event_id, anchor=None):
    """Where every change to an event leads back: its page (at a section, e.g. "partenaires")."""
    return redirect(url_for("events.edit", event_id=event_id, _anchor=anchor))


# -- list -------------------------------------------------------------------------


def registration_counts():
    """({event id: confirmed seats}, {event id: registrations on the waiting list})."""
    waiting = (
        Registration.select(Registration.event, fn.COUNT(Registration.id))
        .where(Registration.status == "waitlisted")
        .group_by(Registration.event)
        .tuples()
    )
    return registrations.confirmed_seats_by_event(), dict(waiting)


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
    return EventForm(**kwargs).set_choices(topics.order_by(fn.LOWER(Topic.title)), places, Sector.ordered())


def filled_form(event, with_dates=True):
    """The form showing ``event`` (GET), or what was sent (POST)."""
    if request.method == "POST":
        return event_form(event)
    return event_form(event, obj=event, data=EventForm.moment_fields(event, with_dates))


def render_form(form, source=None):
    """The page to create an event, or a copy of ``source``."""
    return render_template("events/form.html", form=form, source=source), (400 if form.errors else 200)


@bp.route("/nouveau", methods=["GET", "POST"])
def create():
    form = event_form(data={"kind": "partner_meeting", "audience": "public"})
    if not form.validate_on_submit():
        return render_form(form)
    event = events.create(settings(), form.event_values())
    flash(
        f"L'événement « {event.title} » est enregistré. Vous pouvez ajouter plus bas les partenaires "
        "qui y participent.",
        "success",
    )
    return event_page(event.id)


@bp.route("/<int:event_id>/copie", methods=["GET", "POST"])
def duplicate(event_id):
    """A new event from an existing one: same fields, new dates, nobody registered."""
    source = event_or_404(event_id)
    form = filled_form(source, with_dates=False)
    if not form.validate_on_submit():
        return render_form(form, source=source)
    event = events.duplicate(settings(), source.id, form.event_values())
    flash(
        f"La copie de « {source.title} » est enregistrée. Les partenaires participants ne sont pas copiés : "
        "ajoutez-les plus bas si besoin.",
        "success",
    )
    return event_page(event.id)


# -- edit --------------------------------------------------------------------------


def told(count):
    plural = "s" if count > 1 else ""
    return f"{count} inscription{plural} prévenue{plural} par e-mail."


def edit_message(edited):
    message = "Les modifications sont enregistrées."
    if edited.notified:
        message += " " + told(edited.notified)
    if edited.promoted:
        message += " Place(s) attribuée(s) à : " + ", ".join(r.contact_name for r in edited.promoted) + "."
    if edited.overbooked:
        message += (
            f" Attention : {edited.overbooked} places sont déjà confirmées, plus que la nouvelle capacité. "
            "Personne n'est désinscrit ; les prochaines inscriptions iront sur la liste d'attente."
        )
    return message


@bp.route("/<int:event_id>", methods=["GET", "POST"])
def edit(event_id):
    event = event_or_404(event_id)
    form = filled_form(event)
    if not form.validate_on_submit():
        return render_edit(event, form=form)
    edited = events.edit(settings(), event_id, form.event_values(), utcnow())
    flash(edit_message(edited), "success")
    return event_page(event_id)


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
        form = event_form(event, formdata=None, obj=event, data=EventForm.moment_fields(event))
    if added is None:
        added = participation_form(event, formdata=None)
    participations = participations_of(event)
    offer_forms = {
        p.id: (offer_forms or {}).get(p.id) or offer_form(p.id, formdata=None) for p in participations
    }
    failed = form.errors or added.errors or any(f.errors for f in offer_forms.values())
    return render_template(
        "events/edit.html",
        event=event,
        form=form,
        added=added,
        participations=participations,
        offer_forms=offer_forms,
        public_url=settings().public_url("event", event),
        left=registrations.seats_left(event),
        registrations=Registration.active(event).count(),
    ), (400 if failed else 200)


@bp.post("/<int:event_id>/annulation")
def cancel(event_id):
    """Cancelled, not deleted (see services.events.cancel)."""
    event = event_or_404(event_id)
    if request.form.get("confirmation") != "oui":
        flash("Cochez la case de confirmation pour annuler l'événement.", "error")
        return event_page(event_id, "annulation")
    notified = events.cancel(settings(), event_id, utcnow())
    if notified is None:
        flash("Cet événement était déjà annulé.", "info")
    else:
        flash(f"« {event.title} » est annulé. {told(notified)}", "success")
    return event_page(event_id)


# -- participating partners and their job offers ---------------------------------------


@bp.post("/<int:event_id>/partenaires")
def participation_add(event_id):
    event = event_or_404(event_id)
    added = participation_form(event)
    if not added.validate_on_submit():
        return render_edit(event, added=added)
    participation = events.add_participation(
        settings(), event_id, added.partner_id.data, added.contribution.data or ""
    )
    flash(f"« {participation.partner.name} » participe à l'événement.", "success")
    return event_page(event_id, "partenaires")


@bp.post("/<int:event_id>/partenaires/<int:participation_id>/suppression")
def participation_delete(event_id, participation_id):
    name = events.remove_participation(settings(), event_id, participation_id)
    flash(f"« {name} » ne figure plus parmi les participants, ni ses offres d'emploi.", "success")
    return event_page(event_id, "partenaires")


@bp.post("/<int:event_id>/partenaires/<int:participation_id>/offres")
def offer_add(event_id, participation_id):
    event = event_or_404(event_id)
    form = offer_form(participation_id)
    if not form.validate_on_submit():
        get_object_or_404(
            EventPartner, (EventPartner.id == participation_id) & (EventPartner.event == event_id)
        )
        return render_edit(event, offer_forms={participation_id: form})
    offer = events.add_offer(
        settings(), event_id, participation_id, form.title.data, form.contract.data, form.without_diploma.data
    )
    flash(f"L'offre « {offer.title} » est ajoutée.", "success")
    return event_page(event_id, "partenaires")


@bp.post("/<int:event_id>/partenaires/<int:participation_id>/offres/<int:offer_id>/suppression")
def offer_delete(event_id, participation_id, offer_id):
    offer = events.remove_offer(settings(), event_id, participation_id, offer_id)
    flash(f"L'offre « {offer.title} » est retirée.", "success")
    return event_page(event_id, "partenaires")
