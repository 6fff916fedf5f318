"""Versioned schema migrations on ``playhouse.migrate``.

A fresh database gets the current schema from the models and is stamped with
the newest version (as Alembic does with create_all + stamp). An existing one
is upgraded step by step: each module ``vNNNN_what.py`` here holds one step,
``upgrade(migrator)`` returning the ``playhouse.migrate`` operations to run.
Every step runs in its own transaction (DDL is transactional on SQLite and
PostgreSQL), so a failed step leaves the database at the previous version.
"""

import importlib
import pkgutil
import re
from contextlib import contextmanager

from peewee import CharField, Check, ForeignKeyField, IntegerField, Model, TextField
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from portal.store.db import UTCDateTimeField, db, is_sqlite, utcnow
from portal.store.models import MODELS, BaseModel

BASELINE = 1  # the schema of the first release, built straight from the models


class SchemaVersion(BaseModel):
    version = IntegerField(primary_key=True)
    applied_at = UTCDateTimeField(default=utcnow)


class Run:
    """A playhouse.migrate operation made of a plain function (it only calls .run())."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def run(self):
        self.function(*self.args)


class Frozen(Model):
    """Base of a step's frozen table definitions: a copy as the step sees the
    table, not the current model, so that a later change to the model does not
    change what the step did on the databases it already ran on."""

    class Meta:
        database = db
        legacy_table_names = False  # index names as a fresh database has them


def create_table(model):
    """The operation creating a step's frozen table."""
    return Run(lambda: model.create_table(safe=False))


def transition_log(subject_name, subject, user, statuses, status_length):
    """The frozen log table of a lifecycle (v0008 partners, v0012 topics): one
    row a move of ``subject`` (a step's frozen model), with who, from, to, why
    and when; named ``<subject_name>_transition``. Steps already ran with it:
    any change must still create the very same tables."""
    allowed = ", ".join(f"'{status}'" for status in statuses)
    columns = {
        subject_name: ForeignKeyField(subject, on_delete="CASCADE"),
        "actor": ForeignKeyField(user, null=True, on_delete="SET NULL"),
        "actor_label": CharField(max_length=200, default=""),
        "from_status": CharField(max_length=status_length, null=True),
        "to_status": CharField(max_length=status_length, constraints=[Check(f"to_status IN ({allowed})")]),
        "reason": TextField(default=""),
        "created_at": UTCDateTimeField(default=utcnow),
        "Meta": type("Meta", (), {"table_name": f"{subject_name}_transition"}),
    }
    return type(f"{subject_name.title()}Transition", (Frozen,), columns)


def steps():
    """[(version, module)] of every migration step, in order."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        match = re.fullmatch(r"v(\d{4})_\w+", info.name)
        if match:
            found.append((int(match[1]), importlib.import_module(f"{__name__}.{info.name}")))
    return sorted(found, key=lambda step: step[0])


def head(all_steps=None):
    all_steps = steps() if all_steps is None else all_steps
    return max([BASELINE] + [version for version, _ in all_steps])


def current_version():
    if not SchemaVersion.table_exists():
        return None
    return SchemaVersion.select().order_by(SchemaVersion.version.desc()).scalar()


def migrator():
    return SqliteMigrator(db.obj) if is_sqlite() else PostgresqlMigrator(db.obj)


def upgrade(all_steps=None):
    """Create or upgrade the schema; returns the list of versions applied."""
    all_steps = steps() if all_steps is None else all_steps
    version = current_version()
    if version is None:
        if db.get_tables():
            raise RuntimeError(
                "La base contient des tables mais pas de numéro de version du schéma : "
                "ce n'est pas une base Relais, ou elle est trop ancienne pour être mise à jour."
            )
        with db.atomic():
            db.create_tables([SchemaVersion, *MODELS])
            SchemaVersion.create(version=head(all_steps))
        return [head(all_steps)]
    applied = []
    with foreign_keys_off():
        for step_version, module in all_steps:
            if step_version <= version:
                continue
            with db.atomic():
                migrate(*module.upgrade(migrator()))
                check_foreign_keys()
                SchemaVersion.create(version=step_version)
            applied.append(step_version)
    return applied


@contextmanager
def foreign_keys_off():
    """SQLite rebuilds a table for some changes (copy, drop, rename): with
    foreign keys on, dropping the old table would cascade-delete the rows
    that point to it. SQLite's documented procedure: keys off, change,
    check, keys on."""
    if not is_sqlite():
        yield
        return
    db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        db.execute_sql("PRAGMA foreign_keys = ON")


def check_foreign_keys():
    if is_sqlite() and db.execute_sql("PRAGMA foreign_key_check").fetchall():
        raise RuntimeError("La mise à jour du schéma casserait des liens entre les données : annulée.")
