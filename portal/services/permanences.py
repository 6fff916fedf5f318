"""Staff writes on permanences: the permanence itself (and a place made on
the spot), its closures and its occurrences at other hours or places; and the
places and sectors they are held in.

Every write takes the write lock and re-reads the permanence under it. A
closure or a changed occurrence raises the permanence's iCalendar SEQUENCE
(their save() and delete_instance() touch it), so calendars refetch it. Each
write then asks for the public site's rebuild (``settings.public_content_changed``).
"""

from portal.services.errors import NotFound
from portal.services.rows import locked
from portal.store.db import write_lock
from portal.store.models import Closure, OccurrenceChange, Permanence, Place, Sector, slugify


def save(settings, permanence_id, fill, new_place=None):
    """Creates the permanence (``permanence_id`` None) or updates it.

    ``fill(permanence)`` copies the edited values onto the locked row (the
    form's populate_obj); ``new_place`` ({column: value}) is a place to create
    in the permanence's sector and hold it in. Permanence.save() raises its
    SEQUENCE when subscribers must see the change.
    """
    with write_lock():
        permanence = locked(Permanence, permanence_id) if permanence_id else Permanence()
        fill(permanence)
        if new_place is not None:
            permanence.place = Place.create(sector=permanence.sector_id, **new_place)
        permanence.save()
    settings.public_content_changed()
    return permanence


def delete(settings, permanence_id):
    """Deletes the permanence with its closures and changed occurrences."""
    with write_lock():
        locked(Permanence, permanence_id).delete_instance()
    settings.public_content_changed()


def add_closure(settings, permanence_id, start_date, end_date=None, reason=""):
    """A fermeture exceptionnelle of one day (no end) or of several."""
    with write_lock():
        closure = Closure.create(
            permanence=locked(Permanence, permanence_id),
            start_date=start_date,
            end_date=end_date or start_date,
            reason=reason or "",
        )
    settings.public_content_changed()
    return closure


def set_change(settings, permanence_id, day, fill):
    """The occurrence of ``day`` at other hours or in another place. One
    change per day: a new one replaces the previous one. ``fill(change)``
    copies the edited values (hours, place, note) onto it."""
    with write_lock():
        permanence = locked(Permanence, permanence_id)
        change = OccurrenceChange.get_or_none(
            (OccurrenceChange.permanence == permanence) & (OccurrenceChange.day == day)
        ) or OccurrenceChange(permanence=permanence)
        fill(change)
        change.day, change.note = day, change.note or ""
        change.save()
    settings.public_content_changed()
    return change


def delete_attached(settings, model, item_id, permanence_id):
    """Deletes a closure or a changed occurrence of this permanence; another
    permanence's is not found."""
    with write_lock():
        item = locked(model, item_id)
        if item.permanence_id != permanence_id:
            raise NotFound()
        item.delete_instance()
    settings.public_content_changed()


def save_place(settings, place_id, fill):
    """Creates the place (``place_id`` None) or updates it with ``fill(place)``."""
    with write_lock():
        place = locked(Place, place_id) if place_id else Place()
        fill(place)
        place.save()
    settings.public_content_changed()
    return place


def save_sector(settings, sector_id, fill):
    """Creates the sector or updates it. Its slug is made once, from its first
    name: public addresses and feeds depend on it."""
    with write_lock():
        sector = locked(Sector, sector_id) if sector_id else Sector(slug="")
        fill(sector)
        sector.slug = sector.slug or unique_sector_slug(sector.name)
        sector.areas = sector.areas or ""
        sector.save()
    settings.public_content_changed()
    return sector


def unique_sector_slug(name):
    base = slug = slugify(name, max_length=75)  # room for a '-2' within the column's 80
    number = 1
    while Sector.select().where(Sector.slug == slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug
