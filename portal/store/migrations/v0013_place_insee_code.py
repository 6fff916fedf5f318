"""Places get their commune's INSEE code, which data·inclusion services carry
(``code_insee``) so that national directories find a permanence by commune."""

from peewee import CharField


def upgrade(migrator):
    return [migrator.add_column("place", "insee_code", CharField(max_length=5, default=""))]
