"""data·inclusion v1: where imported partners came from, draft permanences,
imported services kept as they came, and stored theme codes moved to v1."""

import json
from pathlib import Path

from peewee import (
    BooleanField,
    CharField,
    DateField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from portal.store.db import UTCDateTimeField, utcnow
from portal.store.migrations import Frozen, Run, create_table

# Earlier data·inclusion theme codes -> their v1 equivalent, as this step
# applies them. Data, kept in a file of its own next to the step (package data,
# see pyproject.toml) and read by the importer too (datainclusion.vocab): the
# one copy. It must never change once shipped, since databases already moved
# hold what it said; a later change of the vocabulary is a new step.
# Codes found neither here nor in v1 are kept (listed on a staff page).
THEME_MAP = json.loads(Path(__file__).with_name("v0011_themes.json").read_text(encoding="utf-8"))


class Partner(Frozen):
    pass


class Permanence(Frozen):
    pass


class ImportedService(Frozen):
    """The table as this step creates it (frozen: see v0006)."""

    partner = ForeignKeyField(Partner, on_delete="CASCADE")
    source_id = CharField(max_length=200, unique=True)
    record = TextField()
    permanence = ForeignKeyField(Permanence, null=True, on_delete="SET NULL")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "imported_service"


class Theme(Frozen):
    slug = CharField()
    label = CharField()
    parent = IntegerField(null=True, column_name="parent_id")


class PartnerTheme(Frozen):
    partner = IntegerField(column_name="partner_id")
    theme = IntegerField(column_name="theme_id")


class Referral(Frozen):
    theme = IntegerField(null=True, column_name="theme_id")


def move_themes():
    """Links to an old theme code go to its v1 theme; the old code then goes."""
    themes = {theme.slug: theme for theme in Theme.select()}
    for old, new in THEME_MAP.items():
        if old not in themes:
            continue
        if new not in themes:  # the vocabulary was never loaded: rename in place
            Theme.update(slug=new).where(Theme.id == themes[old].id).execute()
            themes[new] = themes.pop(old)
            continue
        old_id, new_id = themes[old].id, themes[new].id
        already = {link.partner for link in PartnerTheme.select().where(PartnerTheme.theme == new_id)}
        for link in PartnerTheme.select().where(PartnerTheme.theme == old_id):
            if link.partner not in already:
                PartnerTheme.create(partner=link.partner, theme=new_id)
                already.add(link.partner)
        PartnerTheme.delete().where(PartnerTheme.theme == old_id).execute()
        Referral.update(theme=new_id).where(Referral.theme == old_id).execute()
        Theme.delete().where(Theme.id == old_id).execute()


def upgrade(migrator):
    return [
        migrator.add_column("partner", "source", CharField(max_length=60, null=True)),
        migrator.add_column("partner", "source_updated_on", DateField(null=True)),
        migrator.add_column("partner", "source_url", CharField(max_length=500, default="")),
        migrator.add_column("partner", "insee_code", CharField(max_length=5, default="")),
        migrator.add_column("partner", "rna", CharField(max_length=10, default="")),
        migrator.add_column("permanence", "draft", BooleanField(default=False)),
        create_table(ImportedService),
        Run(move_themes),
    ]
