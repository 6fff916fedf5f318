"""A topic's decline reason gets its own column (schema v9).

Until now the reason was appended to the description, as
"<description>\\n\\nMotif du refus (équipe) : <reason>" (or the marker alone
when the description was empty). For declined topics, the text after the
last such marker moves to ``decline_reason`` and the description gets back
what the partner wrote. A text without the marker is left as it is.
"""

from peewee import CharField, TextField

from portal.store.migrations import Frozen, Run

MARKER = "Motif du refus (équipe) : "


class Topic(Frozen):
    """The columns this step reads and writes, frozen as they are at v9."""

    description = TextField(default="")
    status = CharField(max_length=10)
    decline_reason = TextField(default="")

    class Meta:
        table_name = "topic"


def split_reason(description):
    """(description, reason) from a description with the reason appended, or None."""
    if description.startswith(MARKER):
        return "", description[len(MARKER) :].strip()
    before, found, reason = description.rpartition("\n\n" + MARKER)
    if not found:
        return None
    return before.strip(), reason.strip()


def move_reasons():
    declined = Topic.select(Topic.id, Topic.description).where(
        (Topic.status == "declined") & Topic.description.contains(MARKER)
    )
    for topic in declined:
        parts = split_reason(topic.description)
        if parts:
            description, reason = parts
            Topic.update(description=description, decline_reason=reason).where(Topic.id == topic.id).execute()


def upgrade(migrator):
    return [
        migrator.add_column("topic", "decline_reason", TextField(default="")),
        Run(move_reasons),
    ]
