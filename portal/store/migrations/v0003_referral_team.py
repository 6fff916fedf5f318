"""Referrals follow their hand-off to its outcome: teams, emailed links,
reminders, and a log of who saw a person's data."""

from peewee import CharField, ForeignKeyField, fn

from portal.store.db import UTCDateTimeField, utcnow
from portal.store.migrations import Frozen, Run, create_table
from portal.store.models import Referral, ReferralTransition, User


class ReferralAccess(Frozen):
    """The table as this step creates it."""

    referral = ForeignKeyField(Referral, on_delete="CASCADE")
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    actor_label = CharField(max_length=200, default="")
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "referral_access"


def date_existing_states():
    """The age of a referral's state is the time of its last transition."""
    last = ReferralTransition.select(fn.MAX(ReferralTransition.created_at)).where(
        ReferralTransition.referral == Referral.id
    )
    (Referral.update(status_changed_at=fn.COALESCE(last, Referral.updated_at)).execute())


def upgrade(migrator):
    return [
        migrator.add_column("user", "team", CharField(max_length=80, default="")),
        migrator.add_column("referral", "token_nonce", CharField(max_length=32, default="")),
        migrator.add_column("referral", "status_changed_at", UTCDateTimeField(default=utcnow)),
        migrator.add_column("referral", "reminded_at", UTCDateTimeField(null=True)),
        migrator.add_column("referral", "sender_reminded_at", UTCDateTimeField(null=True)),
        Run(date_existing_states),
        create_table(ReferralAccess),
    ]
