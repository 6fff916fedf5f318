"""Events, meeting topics, the partners taking part, and registrations."""

from peewee import (
    BooleanField,
    CharField,
    Check,
    ForeignKeyField,
    IntegerField,
    TextField,
    fn,
)

from portal.store.db import UTCDateTimeField, utcnow
from portal.store.models.accounts import User
from portal.store.models.base import BaseModel, Sequenced, TimestampedModel, one_of
from portal.store.models.partners import Partner
from portal.store.models.places import Place, Sector
from portal.store.models.vocab import (
    AUDIENCES,
    EVENT_KINDS,
    EVENT_STATUSES,
    REGISTRATION_STATUSES,
    TOPIC_STATUSES,
)


class Topic(TimestampedModel):
    title = CharField(max_length=160)
    description = TextField(default="")
    proposed_by = ForeignKeyField(Partner, null=True, backref="topics", on_delete="SET NULL")
    status = CharField(max_length=10, default="proposed", constraints=[one_of("status", TOPIC_STATUSES)])
    merged_into = ForeignKeyField("self", null=True, backref="merged", on_delete="SET NULL")
    decline_reason = TextField(default="")  # for the team only, never published (schema v9)

    def __str__(self):
        return self.title


class TopicTransition(BaseModel):
    """One move of a topic's status: who, when, from where to where, and why
    (``from_status`` is None for the proposal itself)."""

    topic = ForeignKeyField(Topic, backref="transitions", on_delete="CASCADE")
    actor = ForeignKeyField(User, null=True, backref="topic_transitions", on_delete="SET NULL")
    actor_label = CharField(max_length=200, default="")
    from_status = CharField(max_length=10, null=True)
    to_status = CharField(max_length=10, constraints=[one_of("to_status", TOPIC_STATUSES)])
    reason = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)


class Event(Sequenced):
    kind = CharField(max_length=15, constraints=[one_of("kind", EVENT_KINDS)])
    title = CharField(max_length=200)
    topic = ForeignKeyField(Topic, null=True, backref="events", on_delete="SET NULL")
    description = TextField(default="")
    starts_at = UTCDateTimeField()
    ends_at = UTCDateTimeField()
    all_day = BooleanField(default=False)
    place = ForeignKeyField(Place, null=True, backref="events", on_delete="SET NULL")
    sector = ForeignKeyField(Sector, null=True, backref="events", on_delete="SET NULL")
    organiser = ForeignKeyField(Partner, null=True, backref="organised_events", on_delete="SET NULL")
    audience = CharField(max_length=12, default="public", constraints=[one_of("audience", AUDIENCES)])
    capacity = IntegerField(null=True, constraints=[Check("capacity IS NULL OR capacity >= 0")])
    max_seats_per_registration = IntegerField(
        default=5, constraints=[Check("max_seats_per_registration >= 1")]
    )
    registration_opens_at = UTCDateTimeField(null=True)
    registration_closes_at = UTCDateTimeField(null=True)
    status = CharField(max_length=10, default="scheduled", constraints=[one_of("status", EVENT_STATUSES)])
    # iCalendar SEQUENCE: bumped whenever date, time, place or status changes.
    sequence = IntegerField(default=0)

    SEQUENCE_FIELDS = ("starts_at", "ends_at", "all_day", "place_id", "status")

    class Meta:
        constraints = [Check("ends_at >= starts_at")]

    def __str__(self):
        return self.title

    @classmethod
    def upcoming(cls, now=None):
        return cls.select().where(cls.ends_at >= (now or utcnow())).order_by(cls.starts_at)


class EventPartner(BaseModel):
    """A partner taking part in an event, and what it brings."""

    event = ForeignKeyField(Event, backref="participants", on_delete="CASCADE")
    partner = ForeignKeyField(Partner, backref="participations", on_delete="CASCADE")
    contribution = CharField(max_length=200, default="")  # "essai de nacelle de chantier"

    class Meta:
        indexes = ((("event", "partner"), True),)


class JobOffer(BaseModel):
    """A job offered by an employer at a forum emploi."""

    participation = ForeignKeyField(EventPartner, backref="job_offers", on_delete="CASCADE")
    title = CharField(max_length=160)
    contract = CharField(max_length=60, default="")  # CDI, CDD, intérim, alternance…
    without_diploma = BooleanField(default=False)


class Registration(TimestampedModel):
    """An organisation's seats at an event."""

    event = ForeignKeyField(Event, backref="registrations", on_delete="CASCADE")
    organisation = CharField(max_length=200)
    contact_name = CharField(max_length=160)
    contact_email = CharField(max_length=254)
    seats = IntegerField(default=1, constraints=[Check("seats >= 1")])
    message = TextField(default="")
    status = CharField(max_length=10, constraints=[one_of("status", REGISTRATION_STATUSES)])
    cancel_token = CharField(max_length=64, unique=True)
    attended = BooleanField(null=True)
    reminded_at = UTCDateTimeField(null=True)  # the day-before reminder went out (schema v4)

    @classmethod
    def active(cls, event):
        return cls.select().where((cls.event == event) & (cls.status != "cancelled"))

    @classmethod
    def seats_taken(cls, event):
        return (
            cls.select(fn.COALESCE(fn.SUM(cls.seats), 0))
            .where((cls.event == event) & (cls.status == "confirmed"))
            .scalar()
        )

    @classmethod
    def waiting_list(cls, event):
        return (
            cls.select()
            .where((cls.event == event) & (cls.status == "waitlisted"))
            .order_by(cls.created_at, cls.id)
        )

    def rank(self):
        """Place on the waiting list, 1 = next to get a seat."""
        ahead = Registration.waiting_list(self.event_id).where(
            (Registration.created_at < self.created_at)
            | ((Registration.created_at == self.created_at) & (Registration.id < self.id))
        )
        return ahead.count() + 1


# One active registration per email and event: cancelled ones don't count
# (a partial unique index, on SQLite and PostgreSQL alike; see migration v0004).
Registration.add_index(
    Registration.index(
        Registration.event,
        Registration.contact_email,
        unique=True,
        where=(Registration.status != "cancelled"),
        name="registration_one_active_per_email",
    )
)
