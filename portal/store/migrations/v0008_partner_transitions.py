"""Partners get a log of their status moves, and a contact address that waits
for confirmation before it replaces the old one.

Existing partners get no history: nobody knows who published or withdrew them,
nor when, and an invented "initial" row would show an actor and a date that are
not true. Their log starts with their next move; the staff page says so.
"""

from peewee import CharField, Check, ForeignKeyField, TextField

from portal.store.db import UTCDateTimeField, utcnow
from portal.store.migrations import Frozen, create_table
from portal.store.models import Partner, User


class PartnerTransition(Frozen):
    """The table as this step creates it (a frozen copy, not the current model)."""

    partner = ForeignKeyField(Partner, on_delete="CASCADE")
    actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
    actor_label = CharField(max_length=200, default="")
    from_status = CharField(max_length=12, null=True)
    to_status = CharField(
        max_length=12, constraints=[Check("to_status IN ('pending', 'published', 'rejected', 'withdrawn')")]
    )
    reason = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "partner_transition"


def upgrade(migrator):
    return [
        migrator.add_column("partner", "pending_contact_email", CharField(max_length=254, default="")),
        create_table(PartnerTransition),
    ]
