"""Passwords of the portal's accounts: the rule a new one follows, changing it,
and the emailed link to choose a new one when it is forgotten.

Any new password ends every earlier login of the account (User.save draws a
new session token), and the account's address is told that it changed.
"""

import hashlib

from portal.mail import outbox as mail
from portal.services import tokens
from portal.services.errors import Refused
from portal.store.db import for_update, write_lock
from portal.store.models import User

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200
RESET_PURPOSE = "password"
RESET_MAX_AGE = 2 * tokens.HOUR
RESET_USED = "Ce lien a déjà servi, ou un autre mot de passe a été choisi depuis. Demandez-en un nouveau."


class WrongPassword(Refused):
    """The current password typed to change it is not the right one."""


def password_problem(password, email=""):
    """What is wrong with a new password, in French, or None. One rule for the
    pages and for `relais create-user`."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Choisissez un mot de passe d'au moins {PASSWORD_MIN_LENGTH} caractères."
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Ce mot de passe est trop long ({PASSWORD_MAX_LENGTH} caractères au plus)."
    if email and password.strip().lower() == email.strip().lower():
        return "Le mot de passe ne peut pas être votre adresse e-mail."
    return None


def reset_nonce(user):
    """Changes with the password: a link works once, and no longer once the
    password was changed some other way."""
    return hashlib.sha256(f"reset:{user.password_hash}".encode()).hexdigest()[:16]


def send_reset_link(email, settings):
    """A link to choose a new password, to an active account with this address;
    nothing at all for an unknown one (the page says the same either way)."""
    user = User.by_email(email)
    if user is None or not user.active:
        return
    token = settings.make_token(RESET_PURPOSE, user.id, reset_nonce(user))
    mail.queue(
        user.email,
        "Choisir un nouveau mot de passe",
        "password_reset",
        user=user,
        link=settings.portal_url("auth.reset_password", token=token),
        hours=RESET_MAX_AGE // tokens.HOUR,
        base_url=settings.base_url,
    )


def account_of_reset_link(token, settings):
    """The active account a reset link names, or Refused (LinkError when the
    link is mangled or too old). Locked when called inside write_lock()."""
    user_id, nonce = settings.read_token(RESET_PURPOSE, token, RESET_MAX_AGE)
    user = for_update(User.select().where((User.id == user_id) & User.active)).get_or_none()
    if user is None or nonce != reset_nonce(user):
        raise Refused(RESET_USED)
    return user


def reset_password(token, password, settings):
    """The password chosen through an emailed link; the link is used up."""
    with write_lock():
        user = account_of_reset_link(token, settings)
        _set_password(user, password, settings)
    return user


def change_password(user_id, current, password, settings):
    """A logged-in account changes its password, knowing the current one."""
    with write_lock():
        user = for_update(User.select().where((User.id == user_id) & User.active)).get_or_none()
        if user is None or not user.check_password(current):
            raise WrongPassword("Le mot de passe actuel n'est pas le bon.")
        _set_password(user, password, settings)
    return user


def _set_password(user, password, settings):
    problem = password_problem(password, user.email)
    if problem:
        raise Refused(problem)
    user.set_password(password)
    user.save()  # ends every earlier login (User.save)
    mail.queue(
        user.email,
        "Votre mot de passe a été changé",
        "password_changed",
        user=user,
        base_url=settings.base_url,
    )
