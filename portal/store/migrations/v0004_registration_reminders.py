"""Meeting registrations: the day-before reminder is sent once; one active seat request per email."""

from portal.store.db import UTCDateTimeField

ONE_ACTIVE_PER_EMAIL = (
    'CREATE UNIQUE INDEX IF NOT EXISTS "registration_one_active_per_email" '
    'ON "registration" ("event_id", "contact_email") WHERE "status" <> \'cancelled\''
)


def upgrade(migrator):
    # A partial unique index (SQLite and PostgreSQL both have them): the
    # database itself refuses a second active registration for one email.
    migrator.database.execute_sql(ONE_ACTIVE_PER_EMAIL)
    return [migrator.add_column("registration", "reminded_at", UTCDateTimeField(null=True))]
