"""The data model: every entity of DESIGN.md, with its rules in the database.

Statuses and kinds are checked by the database (CHECK constraints), slugs are
unique, links are real foreign keys, and every timestamp is timezone-aware.
The French labels users read live next to the codes they translate.
"""

import csv
import json
import re
import unicodedata
from pathlib import Path

from flask_login import UserMixin
from peewee import (
    BooleanField,
    CharField,
    Check,
    DateField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
    TimeField,
    fn,
)
from werkzeug.security import check_password_hash, generate_password_hash

from .db import UTCDateTimeField, db, utcnow

# -- vocabularies (code -> French label) ------------------------------------

PARTNER_TYPES = {
    "association": "Association",
    "institution": "Institution, service public",
    "collectivite": "Collectivité territoriale",
    "bailleur": "Bailleur social",
    "regie": "Régie de quartier",
    "employeur": "Employeur",
    "sante": "Établissement de santé",
    "autre": "Autre",
}
PARTNER_STATUSES = {
    "pending": "En attente de validation",
    "published": "Publié",
    "rejected": "Refusé",
    "withdrawn": "Retiré de l'annuaire",
}
RECURRENCES = {
    "weekly": "Toutes les semaines (ou toutes les n semaines)",
    "monthly": "Le n-ième jour du mois",
}
WEEKDAYS = {
    "MO": "lundi",
    "TU": "mardi",
    "WE": "mercredi",
    "TH": "jeudi",
    "FR": "vendredi",
    "SA": "samedi",
    "SU": "dimanche",
}
EVENT_KINDS = {
    "rencontre": "Rencontre inter-partenaires",
    "forum-emploi": "Forum emploi",
    "aller-vers": "Aller vers",
    "concertation": "Réunion de concertation",
    "autre": "Autre événement",
}
EVENT_STATUSES = {"scheduled": "Prévu", "cancelled": "Annulé"}
AUDIENCES = {"public": "Ouvert à tous", "partenaires": "Réservé aux partenaires"}
TOPIC_STATUSES = {
    "proposed": "Proposé",
    "accepted": "Retenu",
    "held": "Traité",
    "declined": "Non retenu",
    "merged": "Regroupé avec un autre thème",
}
REGISTRATION_STATUSES = {
    "confirmed": "Confirmée",
    "waitlisted": "Sur liste d'attente",
    "cancelled": "Annulée",
}
ROLES = {"admin": "Administrateur", "mediator": "Médiateur, médiatrice", "partner": "Partenaire"}
REFERRAL_STATUSES = {
    "sent": "Envoyée",
    "seen": "Vue",
    "accepted": "Acceptée",
    "in_care": "Prise en charge",
    "closed": "Clôturée",
    "declined": "Refusée",
    "expired": "Expirée",
    "withdrawn": "Retirée",
}
REFERRAL_OUTCOMES = {
    "resolved": "Résolue",
    "not_resolved": "Non résolue",
    "person_unreachable": "Personne injoignable",
}
DECLINE_REASONS = {
    "hors_competence": "Hors de nos compétences",
    "hors_secteur": "Hors de notre secteur",
    "pas_de_place": "Pas de place actuellement",
    "deja_suivie": "Personne déjà suivie",
    "autre": "Autre raison",
}
URGENCIES = {"normale": "Normale", "urgente": "Urgente"}
CONSENT_METHODS = {
    "oral_face": "À l'oral, en face à face",
    "oral_phone": "À l'oral, par téléphone",
    "written": "Par écrit (formulaire signé)",
    "message": "Par e-mail ou SMS",
}


def one_of(column, choices, nullable=False):
    """A CHECK constraint that keeps ``column`` inside a vocabulary."""
    values = ", ".join(f"'{code}'" for code in choices)
    clause = f"{column} IN ({values})"
    if nullable:
        clause = f"({column} IS NULL OR {clause})"
    return Check(clause)


def slugify(text, max_length=80):
    """'Maison des Solidarités — Viguier' -> 'maison-des-solidarites-viguier'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "sans-nom"


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class TimestampedModel(BaseModel):
    """Keeps created_at/updated_at current; feeds and caches rely on them."""

    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    def save(self, *args, **kwargs):
        if self._pk is not None:
            self.updated_at = utcnow()
        return super().save(*args, **kwargs)


class Sequenced(TimestampedModel):
    """An iCalendar item: SEQUENCE goes up when something subscribers must
    see changes (date, time, place, status), so calendar apps update it."""

    SEQUENCE_FIELDS = ()

    def save(self, *args, **kwargs):
        if self._pk is not None:
            stored = type(self).get_or_none(type(self)._meta.primary_key == self._pk)
            if stored and any(getattr(stored, f) != getattr(self, f) for f in self.SEQUENCE_FIELDS):
                self.sequence = stored.sequence + 1
        return super().save(*args, **kwargs)

    def touch(self):
        """Something attached to it changed (a closure): subscribers must refetch."""
        type(self).update(sequence=type(self).sequence + 1, updated_at=utcnow()).where(
            type(self)._meta.primary_key == self._pk
        ).execute()


# -- places and vocabularies ------------------------------------------------


class Sector(BaseModel):
    name = CharField(max_length=120)
    slug = CharField(max_length=80, unique=True)
    areas = TextField(default="")  # communes and quartiers covered, free text
    position = IntegerField(default=0)

    def __str__(self):
        return self.name


class Place(BaseModel):
    name = CharField(max_length=160)
    address = CharField(max_length=200, default="")
    postcode = CharField(max_length=5, default="")
    commune = CharField(max_length=120, default="")
    sector = ForeignKeyField(Sector, null=True, backref="places", on_delete="SET NULL")
    accessibility = TextField(default="")  # "rez-de-chaussée, accès fauteuil"…

    def __str__(self):
        return self.name


class Theme(BaseModel):
    """A data·inclusion ``thematiques`` entry; slugs are kept unchanged."""

    slug = CharField(max_length=120, unique=True)
    label = CharField(max_length=200)
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="CASCADE")

    def __str__(self):
        return self.label

    @classmethod
    def load_vocabulary(cls, path=Path(__file__).parent / "data" / "thematiques.csv"):
        """Insert or update every data·inclusion theme; returns how many there are.

        Sub-themes are "parent--child": the parent is the part before "--".
        """
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter=";"))
        with db.atomic():
            for row in sorted(rows, key=lambda row: "--" in row["slug"]):
                parent_slug, _, child = row["slug"].partition("--")
                parent = cls.get(cls.slug == parent_slug) if child else None
                theme = cls.get_or_none(cls.slug == row["slug"]) or cls(slug=row["slug"])
                theme.label, theme.parent = row["label"], parent
                theme.save()
        return len(rows)


# -- partners ---------------------------------------------------------------


class Partner(TimestampedModel):
    name = CharField(max_length=200)
    slug = CharField(max_length=80, unique=True)
    kind = CharField(max_length=20, default="association", constraints=[one_of("kind", PARTNER_TYPES)])
    siret = CharField(max_length=14, null=True, constraints=[Check("siret IS NULL OR length(siret) = 14")])
    address = CharField(max_length=200, default="")
    address_extra = CharField(max_length=200, default="")
    postcode = CharField(max_length=5, default="")
    commune = CharField(max_length=120, default="")
    phone = CharField(max_length=20, default="")
    email = CharField(max_length=254, default="")
    website = CharField(max_length=300, default="")
    summary = CharField(max_length=280, default="")
    description = TextField(default="")
    status = CharField(max_length=12, default="pending", constraints=[one_of("status", PARTNER_STATUSES)])
    # The contact person is private: never on the public site or in exports.
    contact_name = CharField(max_length=160, default="")
    contact_email = CharField(max_length=254, default="")
    contact_phone = CharField(max_length=20, default="")
    # Id of the record in an imported directory, so a re-import updates it.
    source_id = CharField(max_length=120, null=True, unique=True)
    published_at = UTCDateTimeField(null=True)
    # Self-registration and self-service (schema version 2).
    consent_at = UTCDateTimeField(null=True)  # consent to publish the public fields
    confirmed_at = UTCDateTimeField(null=True)  # the contact clicked the confirmation link
    token_nonce = CharField(max_length=32, default="")  # changing it voids every emailed link
    pending_changes = TextField(default="")  # JSON: public fields awaiting moderation
    rejection_reason = TextField(default="")
    referral_notes = TextField(default="")  # how to refer someone to this partner
    sharing = TextField(default="{}")  # JSON: {field: "public" | "network" | "private"}
    name_key = CharField(max_length=200, default="", index=True)  # normalise_name(name), schema v5

    def save(self, *args, **kwargs):
        self.name_key = normalise_name(self.name)
        return super().save(*args, **kwargs)

    def __str__(self):
        return self.name

    @classmethod
    def published(cls):
        return cls.select().where(cls.status == "published")

    @classmethod
    def awaiting_moderation(cls):
        """Confirmed registrations, and published partners with changes to check."""
        new = (cls.status == "pending") & cls.confirmed_at.is_null(False)
        changed = (cls.status == "published") & (cls.pending_changes != "")
        return cls.select().where(new | changed).order_by(cls.updated_at)

    def duplicates(self):
        """Other partners with the same SIRET, or the same name in the same commune."""
        same_name = (Partner.name_key == normalise_name(self.name)) & (
            fn.LOWER(Partner.commune) == self.commune.lower()
        )
        same_siret = (Partner.siret == self.siret) if self.siret else same_name
        return list(Partner.select().where((Partner.id != self.id) & (same_name | same_siret)))

    def share_level(self, field):
        return json.loads(self.sharing or "{}").get(field, "private")

    def shared_fields(self, audience):
        """{field: value} of the contact fields this audience may see ("public" or "network")."""
        allowed = {"public"} if audience == "public" else {"public", "network"}
        return {
            f: getattr(self, f)
            for f in SHAREABLE_FIELDS
            if getattr(self, f) and self.share_level(f) in allowed
        }

    @property
    def themes(self):
        return Theme.select().join(PartnerTheme).where(PartnerTheme.partner == self).order_by(Theme.label)

    @property
    def sectors(self):
        return Sector.select().join(PartnerSector).where(PartnerSector.partner == self)


# What a partner may choose to show, to the public or to the network only.
SHAREABLE_FIELDS = {
    "contact_name": "Personne à contacter",
    "contact_phone": "Ligne directe",
    "contact_email": "E-mail direct",
    "referral_notes": "Comment nous orienter quelqu'un",
}
SHARE_LEVELS = {
    "private": "Privé (équipe de médiation seulement)",
    "network": "Réseau (partenaires connectés)",
    "public": "Public (site internet)",
}


def normalise_name(name):
    """'Association « Les Amis » du Viguier' and 'association les amis du viguier' match."""
    return " ".join(slugify(name).split("-"))


class PartnerTheme(BaseModel):
    partner = ForeignKeyField(Partner, backref="theme_links", on_delete="CASCADE")
    theme = ForeignKeyField(Theme, backref="partner_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("partner", "theme"), True),)


class PartnerSector(BaseModel):
    partner = ForeignKeyField(Partner, backref="sector_links", on_delete="CASCADE")
    sector = ForeignKeyField(Sector, backref="partner_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("partner", "sector"), True),)


# -- permanences ------------------------------------------------------------


class Permanence(Sequenced):
    """A recurring office hour of a partner, or of the team when partner is null.

    weekly:  every ``every_n_weeks`` weeks on ``weekdays`` ("MO,TH").
    monthly: the ``month_week``-th ``weekdays`` of the month (-1 = the last one).
    """

    partner = ForeignKeyField(Partner, null=True, backref="permanences", on_delete="CASCADE")
    sector = ForeignKeyField(Sector, backref="permanences", on_delete="CASCADE")
    place = ForeignKeyField(Place, backref="permanences", on_delete="RESTRICT")
    title = CharField(max_length=160)
    weekdays = CharField(max_length=20, constraints=[Check("weekdays <> ''")])
    opens_at = TimeField()
    closes_at = TimeField()
    recurrence = CharField(max_length=10, default="weekly", constraints=[one_of("recurrence", RECURRENCES)])
    every_n_weeks = IntegerField(default=1, constraints=[Check("every_n_weeks >= 1")])
    month_week = IntegerField(
        null=True, constraints=[Check("month_week IS NULL OR month_week IN (-1, 1, 2, 3, 4)")]
    )
    valid_from = DateField()
    valid_to = DateField(null=True)
    notes = TextField(default="")
    sequence = IntegerField(default=0)

    SEQUENCE_FIELDS = (
        "place_id",
        "weekdays",
        "opens_at",
        "closes_at",
        "recurrence",
        "every_n_weeks",
        "month_week",
        "valid_from",
        "valid_to",
    )

    class Meta:
        constraints = [
            Check("closes_at > opens_at"),
            Check("recurrence <> 'monthly' OR month_week IS NOT NULL"),
            Check("valid_to IS NULL OR valid_to >= valid_from"),
        ]

    def __str__(self):
        return self.title

    @property
    def weekday_codes(self):
        return self.weekdays.split(",")


class Closure(BaseModel):
    """A fermeture exceptionnelle: one day or a range of days."""

    permanence = ForeignKeyField(Permanence, backref="closures", on_delete="CASCADE")
    start_date = DateField()
    end_date = DateField()
    reason = CharField(max_length=200, default="")

    class Meta:
        constraints = [Check("end_date >= start_date")]

    def save(self, *args, **kwargs):
        result = super().save(*args, **kwargs)
        self.permanence.touch()  # the feed's EXDATE list changed
        return result

    def delete_instance(self, *args, **kwargs):
        self.permanence.touch()
        return super().delete_instance(*args, **kwargs)


class OccurrenceChange(BaseModel):
    """One occurrence held at other hours and/or in another place
    ("le mardi 8 décembre, exceptionnellement 9 h–11 h à la Maison de quartier").

    ``day`` is the occurrence's usual date: the feeds' RECURRENCE-ID. A closure
    of that day wins over the change."""

    permanence = ForeignKeyField(Permanence, backref="changes", on_delete="CASCADE")
    day = DateField()
    opens_at = TimeField()
    closes_at = TimeField()
    place = ForeignKeyField(
        Place, null=True, backref="occurrence_changes", on_delete="SET NULL"
    )  # null: same place
    note = CharField(max_length=200, default="")

    class Meta:
        table_name = "occurrence_change"
        constraints = [Check("closes_at > opens_at")]
        indexes = ((("permanence", "day"), True),)

    def save(self, *args, **kwargs):
        result = super().save(*args, **kwargs)
        self.permanence.touch()  # the feed's overrides changed
        return result

    def delete_instance(self, *args, **kwargs):
        self.permanence.touch()
        return super().delete_instance(*args, **kwargs)


# -- meetings and events ----------------------------------------------------


class Topic(TimestampedModel):
    title = CharField(max_length=160)
    description = TextField(default="")
    proposed_by = ForeignKeyField(Partner, null=True, backref="topics", on_delete="SET NULL")
    status = CharField(max_length=10, default="proposed", constraints=[one_of("status", TOPIC_STATUSES)])
    merged_into = ForeignKeyField("self", null=True, backref="merged", on_delete="SET NULL")

    def __str__(self):
        return self.title


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


# -- accounts ---------------------------------------------------------------


class User(UserMixin, TimestampedModel):
    email = CharField(max_length=254, unique=True)
    name = CharField(max_length=160, default="")
    password_hash = CharField(max_length=255)
    role = CharField(max_length=10, constraints=[one_of("role", ROLES)])
    partner = ForeignKeyField(Partner, null=True, backref="users", on_delete="CASCADE")
    active = BooleanField(default=True)
    last_login_at = UTCDateTimeField(null=True)
    # Mediators with the same team see each other's referrals ("" is one team too).
    team = CharField(max_length=80, default="")

    class Meta:
        constraints = [Check("role <> 'partner' OR partner_id IS NOT NULL")]

    def __str__(self):
        return self.name or self.email

    @property
    def is_active(self):
        return self.active

    @property
    def is_staff(self):
        return self.role in ("admin", "mediator")

    @classmethod
    def register(cls, email, password, role, name="", partner=None):
        user = cls(email=email.strip().lower(), name=name, role=role, partner=partner)
        user.set_password(password)
        user.save()
        return user

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    @classmethod
    def by_email(cls, email):
        return cls.get_or_none(cls.email == email.strip().lower())


# -- referrals --------------------------------------------------------------


class Referral(TimestampedModel):
    """A person handed over by a mediator to a partner (closed loop)."""

    sender = ForeignKeyField(User, backref="referrals_sent", on_delete="RESTRICT")
    partner = ForeignKeyField(Partner, backref="referrals", on_delete="RESTRICT")
    theme = ForeignKeyField(Theme, null=True, backref="referrals", on_delete="SET NULL")
    sector = ForeignKeyField(Sector, null=True, backref="referrals", on_delete="SET NULL")
    # Personal data, kept to the minimum and blanked after the retention period.
    person_name = CharField(max_length=80, default="")
    person_phone = CharField(max_length=20, default="")
    person_email = CharField(max_length=254, default="")
    need = TextField(default="")
    consent_at = UTCDateTimeField(null=True)
    consent_method = CharField(max_length=120, default="")
    urgency = CharField(max_length=10, default="normale", constraints=[one_of("urgency", URGENCIES)])
    status = CharField(max_length=10, default="sent", constraints=[one_of("status", REFERRAL_STATUSES)])
    outcome = CharField(
        max_length=20, null=True, constraints=[one_of("outcome", REFERRAL_OUTCOMES, nullable=True)]
    )
    decline_reason = CharField(
        max_length=20, null=True, constraints=[one_of("decline_reason", DECLINE_REASONS, nullable=True)]
    )
    first_appointment = DateField(null=True)
    anonymised_at = UTCDateTimeField(null=True)
    # Schema version 3: the closed loop (links, reminders, retention).
    token_nonce = CharField(max_length=32, default="")  # changing it voids every emailed link
    status_changed_at = UTCDateTimeField(default=utcnow)  # start of the current state's age
    reminded_at = UTCDateTimeField(null=True)  # the partner was reminded to answer
    sender_reminded_at = UTCDateTimeField(null=True)  # the sender was told "accepted, not taken in charge"

    def __str__(self):
        return f"Orientation n° {self.id}"


class ReferralTransition(BaseModel):
    """One step of a referral's life: who moved it, when, from where to where."""

    referral = ForeignKeyField(Referral, backref="transitions", on_delete="CASCADE")
    actor = ForeignKeyField(User, null=True, backref="referral_transitions", on_delete="SET NULL")
    actor_label = CharField(max_length=200, default="")  # "lien envoyé à contact@…"
    from_status = CharField(max_length=10, null=True)
    to_status = CharField(max_length=10, constraints=[one_of("to_status", REFERRAL_STATUSES)])
    comment = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)


class ReferralAccess(BaseModel):
    """Someone saw a referral's personal data: who (an account, or the holder
    of the partner's emailed link) and when."""

    referral = ForeignKeyField(Referral, backref="accesses", on_delete="CASCADE")
    user = ForeignKeyField(User, null=True, backref="referral_accesses", on_delete="SET NULL")
    actor_label = CharField(max_length=200, default="")
    created_at = UTCDateTimeField(default=utcnow)


# -- mail -------------------------------------------------------------------


class Outbox(BaseModel):
    """An email to send; written in the transaction of the change that causes it."""

    to_addr = CharField(max_length=254)
    subject = CharField(max_length=250)
    body_text = TextField()
    body_html = TextField(default="")
    attachments = TextField(default="[]")  # JSON: [{"filename", "mimetype", "content"}]
    attempts = IntegerField(default=0)
    next_attempt_at = UTCDateTimeField(default=utcnow)
    sent_at = UTCDateTimeField(null=True)
    last_error = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)


MODELS = [
    Sector,
    Place,
    Theme,
    Partner,
    PartnerTheme,
    PartnerSector,
    Permanence,
    Closure,
    OccurrenceChange,
    Topic,
    Event,
    EventPartner,
    JobOffer,
    Registration,
    User,
    Referral,
    ReferralTransition,
    ReferralAccess,
    Outbox,
]
