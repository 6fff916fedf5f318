"""Services imported from data·inclusion that Relais cannot hold as permanences."""

from peewee import CharField, ForeignKeyField, TextField

from portal.store.models.base import TimestampedModel
from portal.store.models.partners import Partner
from portal.store.models.schedule import Permanence


class ImportedService(TimestampedModel):
    """A data·inclusion service of an imported structure, kept as it came
    (``record``: its validated v1 JSON) so that the export gives it back
    unchanged. ``permanence`` is the draft drafted from its regular hours: once
    a mediator publishes it, the permanence is exported in its place."""

    partner = ForeignKeyField(Partner, backref="imported_services", on_delete="CASCADE")
    source_id = CharField(max_length=200, unique=True)
    record = TextField()
    permanence = ForeignKeyField(Permanence, null=True, backref="imported_from", on_delete="SET NULL")

    class Meta:
        table_name = "imported_service"
