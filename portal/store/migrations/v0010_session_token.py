"""Accounts get a session token: cookies carry it instead of the account id,
and replacing it ends every earlier login (logout, new password, role, deactivation)."""

import secrets

from peewee import CharField

from portal.store.db import db
from portal.store.migrations import Run


def give_each_account_a_token():
    # Plain SQL on the frozen table name: the User model may change after this step.
    update = f'UPDATE "user" SET session_token = {db.param} WHERE id = {db.param}'
    for (account_id,) in db.execute_sql('SELECT id FROM "user"').fetchall():
        db.execute_sql(update, (secrets.token_urlsafe(32), account_id))


def upgrade(migrator):
    # Existing cookies held the account id: they name no token, so everyone
    # logs in once more after this step, which is what a security fix wants.
    return [
        migrator.add_column("user", "session_token", CharField(max_length=64, default="")),
        Run(give_each_account_a_token),
        migrator.add_index("user", ("session_token",), True),
    ]
