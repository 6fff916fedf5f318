"""Duplicate detection by an indexed normalised name, instead of scanning a commune."""

from peewee import CharField


class FillNameKeys:
    """A data step among the schema operations (playhouse.migrate calls run())."""

    def __init__(self, database):
        self.database = database

    def run(self):
        from portal.store.models import normalise_name

        marker = self.database.param
        for partner_id, name in self.database.execute_sql('SELECT id, name FROM "partner"').fetchall():
            self.database.execute_sql(
                f'UPDATE "partner" SET name_key = {marker} WHERE id = {marker}',
                (normalise_name(name), partner_id),
            )


def upgrade(migrator):
    return [
        migrator.add_column("partner", "name_key", CharField(max_length=200, default="")),
        migrator.add_index("partner", ("name_key",), False),
        FillNameKeys(migrator.database),
    ]
