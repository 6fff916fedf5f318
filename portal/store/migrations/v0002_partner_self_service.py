"""Partners register, confirm their email and edit themselves; they choose what they share."""

from peewee import CharField, TextField

from portal.store.db import UTCDateTimeField


def upgrade(migrator):
    return [
        migrator.add_column("partner", "consent_at", UTCDateTimeField(null=True)),
        migrator.add_column("partner", "confirmed_at", UTCDateTimeField(null=True)),
        migrator.add_column("partner", "token_nonce", CharField(max_length=32, default="")),
        migrator.add_column("partner", "pending_changes", TextField(default="")),
        migrator.add_column("partner", "rejection_reason", TextField(default="")),
        migrator.add_column("partner", "referral_notes", TextField(default="")),
        migrator.add_column("partner", "sharing", TextField(default="{}")),
    ]
