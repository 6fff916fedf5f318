"""init-db creates or upgrades the schema, never drops anything, on both engines."""

from types import SimpleNamespace

import pytest
from peewee import CharField, DatabaseError

from portal.store import migrations
from portal.store.db import db
from portal.store.migrations import SchemaVersion, current_version, upgrade
from portal.store.models import MODELS, Sector


def test_upgrade_is_idempotent(any_app):
    assert current_version() == migrations.head()
    Sector.create(name="La Conte et Joliot Curie", slug="la-conte")
    assert upgrade() == []
    assert upgrade() == []
    assert Sector.select().count() == 1
    assert SchemaVersion.select().count() == 1


def test_fresh_database_gets_every_table(any_app):
    tables = set(db.get_tables())
    assert {model._meta.table_name for model in MODELS} <= tables
    assert "schema_version" in tables


def test_an_older_schema_is_upgraded_step_by_step_with_its_data(any_app):
    """A database at version 1 gets the steps written after it, and keeps its rows."""
    Sector.create(name="Ozanam et Albignac", slug="ozanam")

    def add_sector_colour(migrator):
        return [migrator.add_column("sector", "colour", CharField(default="#0b5a6b"))]

    def add_sector_colour_index(migrator):
        return [migrator.add_index("sector", ("colour",), False)]

    now = migrations.head()
    later = [
        (now + 1, SimpleNamespace(upgrade=add_sector_colour)),
        (now + 2, SimpleNamespace(upgrade=add_sector_colour_index)),
    ]
    all_steps = migrations.steps() + later

    assert upgrade(all_steps) == [now + 1, now + 2]
    assert current_version() == now + 2
    columns = {column.name for column in db.get_columns("sector")}
    assert "colour" in columns
    row = db.execute_sql("SELECT name, colour FROM sector").fetchone()
    assert row == ("Ozanam et Albignac", "#0b5a6b")
    assert upgrade(all_steps) == []  # once is enough


def test_the_first_release_database_is_upgraded_with_its_data(sqlite_url):
    """tests/fixtures/relais-v1.sql: a real version-1 database with the demo data."""

    from portal.store.models import Partner
    from tests.conftest import make_app, older_database, row_counts

    with older_database(sqlite_url, "relais-v1.sql") as connection:
        before = row_counts(connection)
    assert before["schema_version"] == 1
    app = make_app(sqlite_url)  # runs init-db's upgrade
    with app.app_context():
        assert current_version() == migrations.head()
        for table, count in before.items():
            if table != "schema_version":
                assert db.execute_sql(f'SELECT count(*) FROM "{table}"').fetchone()[0] == count, table
        amicale = Partner.get(Partner.slug == "amicale-des-locataires-de-la-conte-et-joliot-curie")
        assert amicale.sharing == "{}" and amicale.pending_changes == ""
        assert amicale.share_level("contact_name") == "private"
    db.close()


def test_a_failed_step_leaves_the_previous_version(any_app):
    def broken(migrator):
        return [
            migrator.add_column("sector", "ok", CharField(default="")),
            migrator.add_column("no_such_table", "x", CharField(default="")),
        ]

    now = migrations.head()
    with pytest.raises(DatabaseError):
        upgrade(migrations.steps() + [(now + 1, SimpleNamespace(upgrade=broken))])
    assert current_version() == now
    assert "ok" not in {column.name for column in db.get_columns("sector")}


def test_a_foreign_database_is_not_touched(database_url):
    from portal.store.db import bind

    database = bind(database_url)
    database.execute_sql("CREATE TABLE something_else (id INTEGER PRIMARY KEY)")
    with pytest.raises(RuntimeError, match="pas une base Relais"):
        upgrade()
    assert database.get_tables() == ["something_else"]
    database.close()


def test_init_db_command_twice(runner):
    first = runner.invoke(args=["init-db"])
    second = runner.invoke(args=["init-db"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "déjà à jour" in second.output
    assert "85 thématiques" in second.output
