"""Signed links sent by email: expiring, bound to one purpose, revocable.

A token carries the record's id and its current ``token_nonce``; changing the
nonce (after use, on withdrawal or erasure…) makes every older link void.
Nothing needs to be stored per link, so any worker can check any link.
"""

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

HOUR = 3600
DAY = 24 * HOUR


class LinkError(Exception):
    """A link that cannot be used; the message is French and says what to do."""


def _serializer(secret_key, purpose):
    return URLSafeTimedSerializer(secret_key, salt=f"relais-{purpose}")


def make(secret_key, purpose, record_id, nonce):
    return _serializer(secret_key, purpose).dumps([record_id, nonce])


def read(secret_key, purpose, token, max_age):
    """(record_id, nonce) from a token, or LinkError."""
    try:
        record_id, nonce = _serializer(secret_key, purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkError("Ce lien a expiré.") from None
    except (BadSignature, ValueError, TypeError):
        raise LinkError("Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier.") from None
    return record_id, nonce
