"""Topics get a log of their status moves: who, when, from where to where, why.

Existing topics get no history: nobody knows who accepted or declined them, nor
when, and an invented row would show an actor and a date that are not true.
Their log starts with their next move.
"""

from portal.store.migrations import Frozen, create_table, transition_log


class Topic(Frozen):
    """Only what the new table points to (the table already exists)."""


class User(Frozen):
    class Meta:
        table_name = "user"


TopicTransition = transition_log(
    "topic", Topic, User, ("proposed", "accepted", "held", "declined", "merged"), status_length=10
)


def upgrade(migrator):
    return [create_table(TopicTransition)]
