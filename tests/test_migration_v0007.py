"""Migration v0007: the stored French codes become English, nothing lost, on both engines."""

import json
import re
import sqlite3

import pytest
from peewee import IntegrityError

from portal.store import migrations
from portal.store.db import bind, db, utcnow
from portal.store.migrations import SchemaVersion, current_version, upgrade
from portal.store.migrations.v0007_english_codes import CONVERSIONS
from portal.store.models import (
    AUDIENCES,
    DECLINE_REASONS,
    EVENT_KINDS,
    PARTNER_TYPES,
    URGENCIES,
    Event,
    Partner,
    Referral,
    User,
)
from tests.conftest import make_app, older_database

VOCABULARIES = {
    ("partner", "kind"): PARTNER_TYPES,
    ("event", "kind"): EVENT_KINDS,
    ("event", "audience"): AUDIENCES,
    ("referral", "urgency"): URGENCIES,
    ("referral", "decline_reason"): DECLINE_REASONS,
}
OLD_CODES = {
    ("partner", "kind"): [
        "association",
        "institution",
        "collectivite",
        "bailleur",
        "regie",
        "employeur",
        "sante",
        "autre",
    ],
    ("event", "kind"): ["rencontre", "forum-emploi", "aller-vers", "concertation", "autre"],
    ("event", "audience"): ["public", "partenaires"],
    ("referral", "urgency"): ["normale", "urgente"],
    ("referral", "decline_reason"): [
        "hors_competence",
        "hors_secteur",
        "pas_de_place",
        "deja_suivie",
        "autre",
    ],
}
EXPECTED = {
    "institution": "public_service",
    "collectivite": "local_authority",
    "bailleur": "social_landlord",
    "regie": "neighbourhood_enterprise",
    "employeur": "employer",
    "sante": "health",
    "rencontre": "partner_meeting",
    "forum-emploi": "job_fair",
    "aller-vers": "outreach",
    "concertation": "consultation",
    "partenaires": "partners",
    "normale": "normal",
    "urgente": "urgent",
    "hors_competence": "out_of_scope",
    "hors_secteur": "out_of_area",
    "pas_de_place": "no_capacity",
    "deja_suivie": "already_followed",
}
TABLES = ("partner", "event", "referral")


def new_code(table, column, old):
    if old is None or old in ("association", "public"):
        return old
    if old == "autre":
        return "other"
    return EXPECTED[old]


def up_to_v7():
    return [(version, module) for version, module in migrations.steps() if version <= 7]


def rows(execute, table):
    cursor = execute(f'SELECT * FROM "{table}" ORDER BY id')
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def without_pending_changes(table_rows):
    """Every column but the JSON of proposed changes (checked on its own)."""
    return {
        row_id: {name: value for name, value in row.items() if name != "pending_changes"}
        for row_id, row in table_rows.items()
    }


def converted_rows(table, table_rows):
    """The rows as they must be after the step: only the converted columns differ."""
    converted = {column for name, column in CONVERSIONS if name == table}
    return without_pending_changes(
        {
            row_id: {
                name: new_code(table, name, value) if name in converted else value
                for name, value in row.items()
            }
            for row_id, row in table_rows.items()
        }
    )


def copy_row(connection, table, row_id, new_id, **changes):
    cursor = connection.execute(f'SELECT * FROM "{table}" WHERE id = ?', (row_id,))
    row = dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))
    row.update(id=new_id, **changes)
    marks = ", ".join("?" for _ in row)
    connection.execute(f'INSERT INTO "{table}" ({", ".join(row)}) VALUES ({marks})', list(row.values()))


def v6_database(path):
    """The committed v6 fixture, with a row for every old code it lacks."""
    with older_database(f"sqlite:///{path}", "relais-v6.sql") as connection:
        proposed = json.dumps({"name": "Autre structure", "kind": "collectivite", "themes": []})
        copy_row(
            connection,
            "partner",
            9,
            900,
            kind="autre",
            slug="autre",
            source_id=None,
            pending_changes=proposed,
        )
        copy_row(connection, "event", 1, 900, kind="autre")
        for new_id, reason in enumerate(["hors_competence", "pas_de_place", "deja_suivie", "autre"], 900):
            copy_row(connection, "referral", 4, new_id, decline_reason=reason, urgency="urgente")
    return path


def check_clauses(sql, table):
    """The IN (...) lists of the converted columns in a CREATE TABLE statement."""
    found = {}
    for (name, column), _ in CONVERSIONS.items():
        if name == table:
            found[column] = re.search(rf"(?<![\w\"]){column} IN \([^)]*\)", sql)[0]
            found[f"{column} type"] = re.search(rf'"{column}" VARCHAR\(\d+\)', sql)[0]
    return found


def table_sql(execute, table):
    return execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]


def fresh_clauses(tmp_path):
    """The CHECK lists and types of a database made from today's models."""
    fresh = bind(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade()
    clauses = {table: check_clauses(table_sql(fresh.execute_sql, table), table) for table in TABLES}
    fresh.close()
    return clauses


def test_the_v6_database_gets_english_codes_and_keeps_every_row(tmp_path):
    fresh = fresh_clauses(tmp_path)

    path = v6_database(tmp_path / "relais.db")
    with sqlite3.connect(path) as connection:
        tables = [
            name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        counts = {t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        before = {table: rows(connection.execute, table) for table in TABLES}
        indexes = connection.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'")
        indexes = sorted(indexes.fetchall())
    for key, codes in OLD_CODES.items():  # every old code is there to convert
        assert {row[key[1]] for row in before[key[0]].values()} >= set(codes), key

    database = bind(f"sqlite:///{path}")
    assert current_version() == 6
    assert upgrade(up_to_v7()) == [7]
    assert current_version() == 7
    execute = database.execute_sql
    for table, count in counts.items():
        if table != "schema_version":
            assert execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == count, table
    for table in TABLES:
        assert without_pending_changes(rows(execute, table)) == converted_rows(table, before[table])
        assert check_clauses(table_sql(execute, table), table) == fresh[table]
    for key, vocabulary in VOCABULARIES.items():
        stored = {value for (value,) in execute(f'SELECT DISTINCT "{key[1]}" FROM "{key[0]}"').fetchall()}
        assert stored - {None} <= set(vocabulary), key
    assert sorted(execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'")) == indexes
    assert execute("PRAGMA foreign_key_check").fetchall() == []

    # Raw SQL: the models describe the newest schema, this database is at v7.
    pending = dict(execute("SELECT id, pending_changes FROM partner WHERE id IN (1, 900)").fetchall())
    assert json.loads(pending[900]) == {"name": "Autre structure", "kind": "local_authority", "themes": []}
    assert pending[1] == ""
    refuses_the_old_codes()
    database.close()


def refuses_the_old_codes():
    for table in TABLES:  # an UPDATE of no row would refuse nothing
        assert db.execute_sql(f'SELECT count(*) FROM "{table}"').fetchone()[0] > 0, table
    for (table, column), codes in OLD_CODES.items():
        for old in codes:
            if new_code(table, column, old) != old:
                with pytest.raises(IntegrityError), db.atomic():
                    db.execute_sql(f'UPDATE "{table}" SET "{column}" = \'{old}\'')
    db.execute_sql("UPDATE \"partner\" SET kind = 'neighbourhood_enterprise'")  # the longest one fits


def test_the_first_release_database_reaches_english_codes_too(tmp_path):
    """From v1 (tables built by older peewee steps), through every step."""
    fresh = fresh_clauses(tmp_path)
    sqlite_url = f"sqlite:///{tmp_path / 'relais.db'}"
    with older_database(sqlite_url, "relais-v1.sql") as connection:
        kinds = dict(connection.execute("SELECT slug, kind FROM partner").fetchall())
    database = bind(sqlite_url)
    upgrade(up_to_v7())
    after = dict(database.execute_sql("SELECT slug, kind FROM partner").fetchall())
    assert after == {slug: new_code("partner", "kind", kind) for slug, kind in kinds.items()}
    for table in TABLES:
        assert check_clauses(table_sql(database.execute_sql, table), table) == fresh[table]
    assert database.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    database.close()


# -- PostgreSQL ---------------------------------------------------------------

OLD_CHECKS = {
    ("partner", "kind"): "kind IN ('association', 'institution', 'collectivite', 'bailleur', 'regie', "
    "'employeur', 'sante', 'autre')",
    ("event", "kind"): "kind IN ('rencontre', 'forum-emploi', 'aller-vers', 'concertation', 'autre')",
    ("event", "audience"): "audience IN ('public', 'partenaires')",
    ("referral", "urgency"): "urgency IN ('normale', 'urgente')",
    ("referral", "decline_reason"): "(decline_reason IS NULL OR decline_reason IN ('hors_competence', "
    "'hors_secteur', 'pas_de_place', 'deja_suivie', 'autre'))",
}


def constraint_definitions():
    return dict(
        db.execute_sql(
            "SELECT conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'c' AND conrelid::regclass::text IN ('partner', 'event', 'referral')"
        ).fetchall()
    )


def back_to_v6():
    """What a v6 PostgreSQL database had: the French CHECKs and a 20-character partner kind."""
    for (table, column), clause in OLD_CHECKS.items():
        db.execute_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{table}_{column}_check"')
        db.execute_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_{column}_check" CHECK ({clause})')
    db.execute_sql('ALTER TABLE "partner" ALTER COLUMN "kind" TYPE VARCHAR(20)')
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=6)


def v6_rows():
    """One row for every old code, written as v6 wrote them."""
    start = utcnow()
    partners = [
        Partner.create(name=f"Structure {kind}", slug=kind, kind=kind)
        for kind in OLD_CODES[("partner", "kind")]
    ]
    partners[0].pending_changes = json.dumps({"name": "Structure", "kind": "bailleur"})
    partners[0].save()
    for kind in OLD_CODES[("event", "kind")]:
        for audience in OLD_CODES[("event", "audience")]:
            Event.create(kind=kind, audience=audience, title=kind, starts_at=start, ends_at=start)
    sender = User.create(email="m@relais.test", password_hash="x", role="mediator")
    for urgency in OLD_CODES[("referral", "urgency")]:
        for reason in [None, *OLD_CODES[("referral", "decline_reason")]]:
            Referral.create(sender=sender, partner=partners[1], urgency=urgency, decline_reason=reason)


def test_postgresql_converts_the_codes_and_replaces_its_checks(postgres_url):
    app = make_app(postgres_url)
    with app.app_context():
        fresh = constraint_definitions()
        back_to_v6()
        v6_rows()
        before = {table: rows(db.execute_sql, table) for table in TABLES}
        assert upgrade(up_to_v7()) == [7]

        assert constraint_definitions() == fresh
        for table in TABLES:
            assert without_pending_changes(rows(db.execute_sql, table)) == converted_rows(
                table, before[table]
            )
        assert json.loads(Partner.get(Partner.slug == "association").pending_changes) == {
            "name": "Structure",
            "kind": "social_landlord",
        }
        refuses_the_old_codes()
    db.close()
