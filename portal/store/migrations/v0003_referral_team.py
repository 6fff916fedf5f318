"""Referrals follow their hand-off to its outcome: teams, emailed links,
reminders, and a log of who saw a person's data."""

from peewee import CharField, ForeignKeyField, Model, fn

from portal.store.db import UTCDateTimeField, db, utcnow
from portal.store.models import Referral, ReferralTransition, User


class ReferralAccess(Model):
    """The table as this step creates it. A frozen copy, not the model of
    models.py: a later step changing the model must not change what this
    step did on the databases it already ran on."""

    referral = ForeignKeyField(Referral, on_delete="CASCADE")
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    actor_label = CharField(max_length=200, default="")
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        database = db
        legacy_table_names = False  # index names as a fresh database has them
        table_name = "referral_access"


class Run:
    """A playhouse.migrate operation made of a plain function (it only calls .run())."""

    def __init__(self, function):
        self.function = function

    def run(self):
        self.function()


def create_access_table():
    ReferralAccess.create_table(safe=False)


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
        Run(create_access_table),
    ]
