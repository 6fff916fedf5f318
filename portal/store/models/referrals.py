"""Referrals: a person handed over to a partner, its log, and who saw its data."""

from peewee import (
    CharField,
    DateField,
    ForeignKeyField,
    TextField,
)

from portal.store.db import UTCDateTimeField, utcnow
from portal.store.models.accounts import User
from portal.store.models.base import BaseModel, TimestampedModel, one_of
from portal.store.models.partners import Partner
from portal.store.models.places import Sector, Theme
from portal.store.models.vocab import DECLINE_REASONS, REFERRAL_OUTCOMES, REFERRAL_STATUSES, URGENCIES


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
    urgency = CharField(max_length=10, default="normal", constraints=[one_of("urgency", URGENCIES)])
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
