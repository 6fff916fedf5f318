"""Stored codes in English: kinds of partner and of event, audiences,
urgencies and decline reasons were stored as French words.

Each column gets its values converted and its CHECK constraint replaced.
PostgreSQL changes a constraint in place; SQLite keeps a CHECK inside the
table's definition, so the table is rebuilt the way SQLite documents it
(https://sqlite.org/lang_altertable.html#otheralter): create the new table,
copy the rows, drop the old one, rename, recreate its indexes. The migration
framework has turned foreign keys off for the step, and checks them after.

Everything here is frozen (codes, lengths): a later change of the vocabulary
is a later step, and must not change what this one did.
"""

import json
import re

from portal.store.db import is_sqlite
from portal.store.migrations import Run

# (table, column): ({old code: new code}, every new code in order, nullable, new length)
CONVERSIONS = {
    ("partner", "kind"): (
        {
            "institution": "public_service",
            "collectivite": "local_authority",
            "bailleur": "social_landlord",
            "regie": "neighbourhood_enterprise",
            "employeur": "employer",
            "sante": "health",
            "autre": "other",
        },
        (
            "association",
            "public_service",
            "local_authority",
            "social_landlord",
            "neighbourhood_enterprise",
            "employer",
            "health",
            "other",
        ),
        False,
        30,  # "neighbourhood_enterprise" does not fit in the former 20
    ),
    ("event", "kind"): (
        {
            "rencontre": "partner_meeting",
            "forum-emploi": "job_fair",
            "aller-vers": "outreach",
            "concertation": "consultation",
            "autre": "other",
        },
        ("partner_meeting", "job_fair", "outreach", "consultation", "other"),
        False,
        None,
    ),
    ("event", "audience"): ({"partenaires": "partners"}, ("public", "partners"), False, None),
    ("referral", "urgency"): ({"normale": "normal", "urgente": "urgent"}, ("normal", "urgent"), False, None),
    ("referral", "decline_reason"): (
        {
            "hors_competence": "out_of_scope",
            "hors_secteur": "out_of_area",
            "pas_de_place": "no_capacity",
            "deja_suivie": "already_followed",
            "autre": "other",
        },
        ("out_of_scope", "out_of_area", "no_capacity", "already_followed", "other"),
        True,
        None,
    ),
}
TABLES = ("partner", "event", "referral")


def quoted(code):
    return "'" + code.replace("'", "''") + "'"


def in_list(column, codes):
    """The clause the models write (base.one_of), so both paths give one schema."""
    return f"{column} IN ({', '.join(quoted(code) for code in codes)})"


def check_clause(column, codes, nullable):
    clause = in_list(column, codes)
    return f"({column} IS NULL OR {clause})" if nullable else clause


def converted(column, mapping):
    """SQL giving the column's new value from its old one."""
    cases = " ".join(f"WHEN {quoted(old)} THEN {quoted(new)}" for old, new in mapping.items())
    return f'CASE "{column}" {cases} ELSE "{column}" END'


def columns_of(table):
    return [(column, *spec) for (name, column), spec in CONVERSIONS.items() if name == table]


# -- PostgreSQL: constraints change in place -----------------------------------


def upgrade_postgres(database):
    for table in TABLES:
        for column, mapping, codes, nullable, length in columns_of(table):
            for (name,) in column_checks(database, table, column):
                database.execute_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            if length:
                database.execute_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE VARCHAR({length})')
            database.execute_sql(f'UPDATE "{table}" SET "{column}" = {converted(column, mapping)}')
            # The name PostgreSQL gives a column's CHECK on a fresh database.
            database.execute_sql(
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_{column}_check" '
                f"CHECK ({check_clause(column, codes, nullable)})"
            )


def column_checks(database, table, column):
    """The CHECK constraints on this one column (not those spanning several)."""
    return database.execute_sql(
        "SELECT con.conname FROM pg_constraint con "
        "JOIN pg_attribute att ON att.attrelid = con.conrelid AND con.conkey = ARRAY[att.attnum] "
        "WHERE con.contype = 'c' AND con.conrelid = to_regclass(%s) AND att.attname = %s",
        (f'"{table}"', column),
    ).fetchall()


# -- SQLite: the table is rebuilt ------------------------------------------------


def upgrade_sqlite(database):
    for table in TABLES:
        rebuild(database, table, columns_of(table))


def new_definition(sql, table, columns):
    """The stored CREATE TABLE with the new CHECK lists, lengths and a temporary name."""
    sql, renamed = re.subn(rf'^CREATE TABLE\s+"?{table}"?', f'CREATE TABLE "{table}__new"', sql)
    replaced = [renamed]
    for column, _mapping, codes, _nullable, length in columns:
        sql, found = re.subn(rf"(?<![\w\"]){column} IN \([^)]*\)", in_list(column, codes), sql)
        replaced.append(found)
        if length:
            sql = re.sub(rf'("{column}" VARCHAR)\(\d+\)', rf"\1({length})", sql)
    if replaced != [1] * len(replaced):  # not the table this step was written for: touch nothing
        raise RuntimeError(f"Définition inattendue de la table {table} : mise à jour annulée.")
    return sql


def rebuild(database, table, columns):
    (sql,) = database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    others = [
        row[0]
        for row in database.execute_sql(
            "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? "
            "AND sql IS NOT NULL",
            (table,),
        )
    ]
    names = [row[1] for row in database.execute_sql(f'PRAGMA table_info("{table}")')]
    mappings = {column: mapping for column, mapping, *_ in columns}
    values = [converted(name, mappings[name]) if name in mappings else f'"{name}"' for name in names]
    listed = ", ".join(f'"{name}"' for name in names)
    database.execute_sql(new_definition(sql, table, columns))
    database.execute_sql(f'INSERT INTO "{table}__new" ({listed}) SELECT {", ".join(values)} FROM "{table}"')
    database.execute_sql(f'DROP TABLE "{table}"')
    database.execute_sql(f'ALTER TABLE "{table}__new" RENAME TO "{table}"')
    for statement in others:
        database.execute_sql(statement)


# -- both ----------------------------------------------------------------------


def convert_pending_changes(database):
    """A published partner's proposed changes (JSON) may name a kind too."""
    mapping = CONVERSIONS[("partner", "kind")][0]
    marker = database.param
    rows = database.execute_sql("SELECT id, pending_changes FROM \"partner\" WHERE pending_changes <> ''")
    for partner_id, text in rows.fetchall():
        try:
            values = json.loads(text)
        except ValueError:
            continue  # not ours to repair: moderation shows it as it is
        if isinstance(values, dict) and values.get("kind") in mapping:
            values["kind"] = mapping[values["kind"]]
            database.execute_sql(
                f'UPDATE "partner" SET pending_changes = {marker} WHERE id = {marker}',
                (json.dumps(values), partner_id),
            )


def upgrade(migrator):
    database = migrator.database
    tables = upgrade_sqlite if is_sqlite() else upgrade_postgres
    return [Run(tables, database), Run(convert_pending_changes, database)]
