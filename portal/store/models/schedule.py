"""Permanences: recurring office hours, their closures and changed occurrences."""

from peewee import (
    BooleanField,
    CharField,
    Check,
    DateField,
    ForeignKeyField,
    IntegerField,
    TextField,
    TimeField,
)

from portal.store.models.base import BaseModel, Sequenced, one_of
from portal.store.models.partners import Partner
from portal.store.models.places import Place, Sector
from portal.store.models.vocab import RECURRENCES


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
    # Drafted by an import from a service's hours: hidden from the site, the
    # feeds and the export until a mediator checks it (schema version 11).
    draft = BooleanField(default=False)

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
