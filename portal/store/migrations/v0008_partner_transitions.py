"""Partners get a log of their status moves, and a contact address that waits
for confirmation before it replaces the old one.

Existing partners get no history: nobody knows who published or withdrew them,
nor when, and an invented "initial" row would show an actor and a date that are
not true. Their log starts with their next move; the staff page says so.
"""

from peewee import CharField

from portal.store.migrations import create_table, transition_log
from portal.store.models import Partner, User

PartnerTransition = transition_log(
    "partner", Partner, User, ("pending", "published", "rejected", "withdrawn"), status_length=12
)


def upgrade(migrator):
    return [
        migrator.add_column("partner", "pending_contact_email", CharField(max_length=254, default="")),
        create_table(PartnerTransition),
    ]
