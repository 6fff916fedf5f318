"""Domain errors: what a service raises instead of an HTTP error.

The web layer turns them into pages (``NotFound`` → 404, ``Refused`` → 409 with
its French message); the CLI and `relais maintenance` catch them as they are.
"""


class DomainError(Exception):
    """Base of every error a rule raises; ``str(error)`` is French, for the user."""


class NotFound(DomainError):
    """The record does not exist (or not for this caller)."""

    def __init__(self, message="Cette page n'existe pas ou n'existe plus."):
        super().__init__(message)


class Refused(DomainError):
    """The rules refuse this action now; the message says why and what to do."""
