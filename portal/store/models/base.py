"""What every model shares: the database, timestamps, iCalendar SEQUENCE, CHECKs."""

import re
import unicodedata

from peewee import (
    Check,
    Model,
)

from portal.store.db import UTCDateTimeField, db, utcnow


def one_of(column, choices, nullable=False):
    """A CHECK constraint that keeps ``column`` inside a vocabulary."""
    values = ", ".join(f"'{code}'" for code in choices)
    clause = f"{column} IN ({values})"
    if nullable:
        clause = f"({column} IS NULL OR {clause})"
    return Check(clause)


def slugify(text, max_length=80):
    """'Maison des Solidarités — Viguier' -> 'maison-des-solidarites-viguier'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "sans-nom"


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class TimestampedModel(BaseModel):
    """Keeps created_at/updated_at current; feeds and caches rely on them."""

    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    def save(self, *args, **kwargs):
        if self._pk is not None:
            self.updated_at = utcnow()
        return super().save(*args, **kwargs)


class Sequenced(TimestampedModel):
    """An iCalendar item: SEQUENCE goes up when something subscribers must
    see changes (date, time, place, status), so calendar apps update it."""

    SEQUENCE_FIELDS = ()

    def save(self, *args, **kwargs):
        if self._pk is not None:
            stored = type(self).get_or_none(type(self)._meta.primary_key == self._pk)
            if stored and any(getattr(stored, f) != getattr(self, f) for f in self.SEQUENCE_FIELDS):
                self.sequence = stored.sequence + 1
        return super().save(*args, **kwargs)

    def touch(self):
        """Something attached to it changed (a closure): subscribers must refetch."""
        type(self).update(sequence=type(self).sequence + 1, updated_at=utcnow()).where(
            type(self)._meta.primary_key == self._pk
        ).execute()


def normalise_name(name):
    """'Association « Les Amis » du Viguier' and 'association les amis du viguier' match."""
    return " ".join(slugify(name).split("-"))
