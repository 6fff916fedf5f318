"""Events and meetings as the team runs them: create, edit, duplicate,
cancel, and the partners taking part with their job offers.

Registrants must see what changes: an edit of date, time or place, or a
cancellation, raises the event's iCalendar SEQUENCE (Sequenced.save()), and
each active registrant gets the updated .ics by email, queued in the same
transaction as the change so that both happen or neither does.
"""

from dataclasses import dataclass, field

from portal.services import registrations
from portal.services.errors import NotFound, Refused
from portal.store.db import for_update, write_lock
from portal.store.models import Event, EventPartner, JobOffer, Partner, Place, Registration

# What the team sets on an event (the form's fields bear these names).
EDITABLE = (
    "kind",
    "title",
    "topic_id",
    "description",
    "place_id",
    "sector_id",
    "starts_at",
    "ends_at",
    "all_day",
    "capacity",
    "max_seats_per_registration",
    "registration_opens_at",
    "registration_closes_at",
    "audience",
)


@dataclass
class Edited:
    """What an edit did: the event as saved, how many registrants were told,
    who got a seat from the waiting list."""

    event: Event
    notified: int = 0
    promoted: list = field(default_factory=list)

    @property
    def overbooked(self):
        """Confirmed seats beyond a lowered capacity (nobody is unregistered)."""
        taken = Registration.seats_taken(self.event)
        return taken if self.event.capacity is not None and taken > self.event.capacity else 0


def same_minute(stored, typed):
    """The stored moment if the form shows it unchanged: the form has no
    seconds, and a second's difference would count as a change of time."""
    if stored and stored.replace(second=0, microsecond=0) == typed:
        return stored
    return typed


def apply(event, values):
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for name, value in values.items():
        if name in ("starts_at", "ends_at"):
            value = same_minute(getattr(event, name), value)
        setattr(event, name, value)
    if not event.sector_id and event.place_id:
        # Without a chosen sector, the place's one: the sector feeds and pages need it.
        place = Place.get_or_none(Place.id == event.place_id)
        event.sector_id = place.sector_id if place else None
    event.description = event.description or ""
    return event


def create(settings, values, organiser_id=None):
    with write_lock():
        event = apply(Event(organiser_id=organiser_id), values)  # "scheduled", SEQUENCE 0
        event.save()
    settings.public_content_changed()
    return event


def duplicate(settings, source_id, values):
    """A new event from an existing one: same organiser, new fields, nobody registered."""
    source = Event.get_or_none(Event.id == source_id)
    if source is None:
        raise NotFound()
    return create(settings, values, organiser_id=source.organiser_id)


def capacity_grew(before, after):
    """None means unlimited: from a number to None is growing too."""
    return before is not None and (after is None or after > before)


def edit(settings, event_id, values, now):
    """Save the changes; registrants get the new .ics if date, time, place
    or status changed, and new seats go to the waiting list."""
    with write_lock():
        event = registrations.locked_event(event_id)
        sequence_before, capacity_before = event.sequence, event.capacity
        apply(event, values).save()
        edited = Edited(event)
        if event.sequence != sequence_before:  # Sequenced.save() raised it
            edited.notified = registrations.notify_registrants(settings, event, now)
        if capacity_grew(capacity_before, event.capacity):
            edited.promoted = registrations.promote_waiting_list(settings, event, now)
    settings.public_content_changed()
    return edited


def cancel(settings, event_id, now):
    """Cancelled, not deleted: calendars keep its UID and show it cancelled,
    and registrations.closed_reason() closes registration. Returns how many
    registrants were told, or None if it was already cancelled."""
    with write_lock():
        event = registrations.locked_event(event_id)
        if event.status == "cancelled":
            return None
        event.status = "cancelled"
        event.save()  # raises SEQUENCE
        notified = registrations.notify_registrants(settings, event, now)
    settings.public_content_changed()
    return notified


# -- participating partners and their job offers ---------------------------------------


def locked_participation(event_id, participation_id):
    """The participation, only through its own event (another event's id is a NotFound)."""
    query = EventPartner.select().where(
        (EventPartner.id == participation_id) & (EventPartner.event == event_id)
    )
    participation = for_update(query).get_or_none()
    if participation is None:
        raise NotFound()
    return participation


def add_participation(settings, event_id, partner_id, contribution=""):
    with write_lock():
        event = registrations.locked_event(event_id)
        partner = Partner.published().where(Partner.id == partner_id).get_or_none()
        if partner is None:
            raise Refused("Ce partenaire n'est pas publié : rechargez la page et choisissez-en un autre.")
        # Checked under the lock: two clicks must not add the partner twice.
        if (
            EventPartner.select()
            .where((EventPartner.event == event) & (EventPartner.partner == partner))
            .exists()
        ):
            raise Refused("Ce partenaire participe déjà à cet événement.")
        participation = EventPartner.create(event=event, partner=partner, contribution=contribution or "")
    settings.public_content_changed()
    return participation


def remove_participation(settings, event_id, participation_id):
    """Returns the partner's name; its job offers go with it (ON DELETE CASCADE)."""
    with write_lock():
        participation = locked_participation(event_id, participation_id)
        name = participation.partner.name
        participation.delete_instance()
    settings.public_content_changed()
    return name


def add_offer(settings, event_id, participation_id, title, contract, without_diploma=False):
    with write_lock():
        participation = locked_participation(event_id, participation_id)
        offer = JobOffer.create(
            participation=participation, title=title, contract=contract, without_diploma=without_diploma
        )
    settings.public_content_changed()
    return offer


def remove_offer(settings, event_id, participation_id, offer_id):
    with write_lock():
        participation = locked_participation(event_id, participation_id)
        offer = JobOffer.get_or_none((JobOffer.id == offer_id) & (JobOffer.participation == participation))
        if offer is None:
            raise NotFound()
        offer.delete_instance()
    settings.public_content_changed()
    return offer
