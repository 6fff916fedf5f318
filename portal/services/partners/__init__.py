"""What happens to a partner, whoever makes it happen (registration form, emailed
links, moderation, staff pages, `relais maintenance`): Flask-free rules.

- ``lifecycle``: the status moves (one table, one locked and logged ``move``),
  moderation of registrations and of proposed changes;
- ``records``: registration, confirmation, self-service and staff edits, the
  contact address that waits for confirmation, erasure and purge.
"""

from portal.services.actors import SYSTEM, Actor
from portal.services.partners.lifecycle import (
    TRANSITIONS,
    Changed,
    actor_for,
    allowed_moves,
    approve,
    link_actor,
    move,
    reject,
    review_version,
)
from portal.services.partners.records import (
    CONFIRM_MAX_AGE,
    CONTACT_MAX_AGE,
    SELF_SERVICE_MAX_AGE,
    confirm,
    confirm_contact_email,
    contact_nonce,
    current_values,
    edit,
    erase,
    proposed_values,
    purge_unconfirmed,
    register,
    save_by_staff,
    self_service_link,
    send_self_service_links,
)

__all__ = [
    "CONFIRM_MAX_AGE",
    "CONTACT_MAX_AGE",
    "SELF_SERVICE_MAX_AGE",
    "SYSTEM",
    "TRANSITIONS",
    "Actor",
    "Changed",
    "actor_for",
    "allowed_moves",
    "approve",
    "confirm",
    "confirm_contact_email",
    "contact_nonce",
    "current_values",
    "edit",
    "erase",
    "link_actor",
    "move",
    "proposed_values",
    "purge_unconfirmed",
    "register",
    "reject",
    "review_version",
    "save_by_staff",
    "self_service_link",
    "send_self_service_links",
]
