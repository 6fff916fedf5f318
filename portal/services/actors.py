"""Who moves something along its lifecycle (a partner, a referral): the log
and the timeline show ``label``; ``kind`` picks the row of the lifecycle's
TRANSITIONS table that says what this actor may do."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    kind: str
    user: object = None
    label: str = ""


SYSTEM = Actor("system", None, "Relais (automatique)")


def actor_for(user, staff_kind):
    """A partner's account acts as "partner"; anyone else as ``staff_kind``,
    the name the lifecycle gives the team's row."""
    if user.role == "partner":
        return Actor("partner", user, f"{user} ({user.partner.name})")
    return Actor(staff_kind, user, str(user))
