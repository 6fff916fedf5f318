"""One occurrence of a permanence at other hours or in another place
(an iCalendar RECURRENCE-ID override), next to closures (EXDATE)."""

from peewee import CharField, Check, DateField, ForeignKeyField, Model, TimeField

from portal.store.db import db
from portal.store.models import Permanence, Place


class OccurrenceChange(Model):
    """The table as this step creates it. A frozen copy, not the model of
    models.py: a later step changing the model must not change what this
    step did on the databases it already ran on."""

    permanence = ForeignKeyField(Permanence, on_delete="CASCADE")
    day = DateField()
    opens_at = TimeField()
    closes_at = TimeField()
    place = ForeignKeyField(Place, null=True, on_delete="SET NULL")
    note = CharField(max_length=200, default="")

    class Meta:
        database = db
        legacy_table_names = False  # index names as a fresh database has them
        table_name = "occurrence_change"
        constraints = [Check("closes_at > opens_at")]
        indexes = ((("permanence", "day"), True),)


class Run:
    """A playhouse.migrate operation made of a plain function (it only calls .run())."""

    def __init__(self, function):
        self.function = function

    def run(self):
        self.function()


def create_table():
    OccurrenceChange.create_table(safe=False)


def upgrade(migrator):
    return [Run(create_table)]
