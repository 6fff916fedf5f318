"""Where the team works: sectors, places, and the themes partners help with."""

import csv
from pathlib import Path

from peewee import CharField, ForeignKeyField, IntegerField, TextField

from portal.store.db import db
from portal.store.models.base import BaseModel


class Sector(BaseModel):
    name = CharField(max_length=120)
    slug = CharField(max_length=80, unique=True)
    areas = TextField(default="")  # communes and quartiers covered, free text
    position = IntegerField(default=0)

    def __str__(self):
        return self.name

    @classmethod
    def ordered(cls):
        """Sectors in the team's order (then by name): every list and menu uses it."""
        return cls.select().order_by(cls.position, cls.name)


class Place(BaseModel):
    name = CharField(max_length=160)
    address = CharField(max_length=200, default="")
    postcode = CharField(max_length=5, default="")
    commune = CharField(max_length=120, default="")
    insee_code = CharField(max_length=5, default="")  # the commune's, for data·inclusion
    sector = ForeignKeyField(Sector, null=True, backref="places", on_delete="SET NULL")
    accessibility = TextField(default="")  # "rez-de-chaussée, accès fauteuil"…

    def __str__(self):
        return self.name

    @property
    def one_line(self):
        """'Maison de quartier, 2 rue Voltaire, 11000 Carcassonne': menus, feeds, emails."""
        town = f"{self.postcode} {self.commune}".strip()
        return ", ".join(part for part in (self.name, self.address, town) if part)


class Theme(BaseModel):
    """A data·inclusion ``thematiques`` entry; slugs are kept unchanged."""

    slug = CharField(max_length=120, unique=True)
    label = CharField(max_length=200)
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="CASCADE")

    def __str__(self):
        return self.label

    @classmethod
    def load_vocabulary(cls, path=Path(__file__).parent.parent.parent / "data" / "thematiques.csv"):
        """Insert or update every data·inclusion theme; returns how many there are.

        Sub-themes are "parent--child": the parent is the part before "--".
        """
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter=";"))
        with db.atomic():
            for row in sorted(rows, key=lambda row: "--" in row["slug"]):
                parent_slug, _, child = row["slug"].partition("--")
                parent = cls.get(cls.slug == parent_slug) if child else None
                theme = cls.get_or_none(cls.slug == row["slug"]) or cls(slug=row["slug"])
                theme.label, theme.parent = row["label"], parent
                theme.save()
        return len(rows)
