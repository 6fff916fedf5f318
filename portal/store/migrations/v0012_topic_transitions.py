"""Topics get a log of their status moves: who, when, from where to where, why.

Existing topics get no history: nobody knows who accepted or declined them, nor
when, and an invented row would show an actor and a date that are not true.
Their log starts with their next move.
"""

from peewee import CharField, Check, ForeignKeyField, Model, TextField

from portal.store.db import UTCDateTimeField, db, utcnow


class Frozen(Model):
    class Meta:
        database = db
        legacy_table_names = False


class Topic(Frozen):
    """Only what the new table points to (the table already exists)."""


class User(Frozen):
    class Meta:
        table_name = "user"


class TopicTransition(Frozen):
    """The table as this step creates it (a frozen copy, not the current model)."""

    topic = ForeignKeyField(Topic, on_delete="CASCADE")
    actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
    actor_label = CharField(max_length=200, default="")
    from_status = CharField(max_length=10, null=True)
    to_status = CharField(
        max_length=10,
        constraints=[Check("to_status IN ('proposed', 'accepted', 'held', 'declined', 'merged')")],
    )
    reason = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)


class Run:
    """A playhouse.migrate operation made of a plain function (it only calls .run())."""

    def __init__(self, function):
        self.function = function

    def run(self):
        self.function()


def create_table():
    TopicTransition.create_table(safe=False)


def upgrade(migrator):
    return [Run(create_table)]
