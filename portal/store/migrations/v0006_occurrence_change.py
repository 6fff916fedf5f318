"""One occurrence of a permanence at other hours or in another place
(an iCalendar RECURRENCE-ID override), next to closures (EXDATE)."""

from peewee import CharField, Check, DateField, ForeignKeyField, TimeField

from portal.store.migrations import Frozen, create_table
from portal.store.models import Permanence, Place


class OccurrenceChange(Frozen):
    """The table as this step creates it."""

    permanence = ForeignKeyField(Permanence, on_delete="CASCADE")
    day = DateField()
    opens_at = TimeField()
    closes_at = TimeField()
    place = ForeignKeyField(Place, null=True, on_delete="SET NULL")
    note = CharField(max_length=200, default="")

    class Meta:
        table_name = "occurrence_change"
        constraints = [Check("closes_at > opens_at")]
        indexes = ((("permanence", "day"), True),)


def upgrade(migrator):
    return [create_table(OccurrenceChange)]
