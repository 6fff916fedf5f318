"""Database binding: one peewee proxy, bound from a URL at app start.

SQLite is the embedded default; PostgreSQL is used when the URL says so.
Models never import a concrete database, only this proxy.
"""

from contextlib import contextmanager
from datetime import UTC, datetime

from peewee import DatabaseProxy, DateTimeField, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect

db = DatabaseProxy()

# WAL lets readers work while one writer writes; busy_timeout makes a second
# writer wait for the lock instead of failing at once.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
}


def make_database(url, busy_timeout_ms=None):
    """Return an unconnected peewee database for ``url``."""
    if url.startswith(("sqlite:", "sqliteext:")):
        pragmas = dict(SQLITE_PRAGMAS)
        if busy_timeout_ms is not None:
            pragmas["busy_timeout"] = busy_timeout_ms
        return connect(url, pragmas=pragmas)
    return connect(url)


def bind(url, busy_timeout_ms=None):
    """Bind the proxy to ``url`` and return the concrete database."""
    database = make_database(url, busy_timeout_ms)
    db.initialize(database)
    return database


def is_sqlite():
    return isinstance(db.obj, SqliteDatabase)


def is_postgres():
    return isinstance(db.obj, PostgresqlDatabase)


@contextmanager
def write_lock():
    """A transaction that holds the write lock from its first statement.

    For check-then-act writes (capacity, status transitions, one-time tokens):
    SQLite takes the database lock with BEGIN IMMEDIATE; on PostgreSQL the
    caller adds ``.for_update()`` to the row it reads first.
    """
    if is_sqlite():
        with db.atomic("IMMEDIATE") as txn:
            yield txn
    else:
        with db.atomic() as txn:
            yield txn


def for_update(query):
    """``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite, write_lock() already
    holds the whole database (and peewee refuses FOR UPDATE there)."""
    return query.for_update() if is_postgres() else query


def utcnow():
    return datetime.now(UTC)


class UTCDateTimeField(DateTimeField):
    """A timezone-aware timestamp, stored as naive UTC on every engine.

    Naive datetimes are refused: they are the classic source of one-hour
    shifts around the clock change.
    """

    def db_value(self, value):
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError(f"{self.name}: naive datetime refused, use an aware one")
            value = value.astimezone(UTC).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value
