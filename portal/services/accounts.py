"""The portal's accounts: an admin invites them and changes their role; their
passwords follow one rule, are changed knowing the current one, or chosen
through an emailed link (a forgotten password, an invitation).

Any new password, role, partner or deactivation ends every earlier login of
the account (User.save draws a new session token); a new password is told to
the account's address.
"""

import hashlib
import secrets
from typing import NamedTuple

from portal.mail import outbox as mail
from portal.services import tokens
from portal.services.errors import NotFound, Refused
from portal.store.db import for_update, write_lock
from portal.store.models import User

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200


class PasswordLink(NamedTuple):
    """An emailed link that leads to choosing the account's password."""

    endpoint: str
    max_age: int  # seconds
    validity: str  # as the email says it
    subject: str
    template: str


LINKS = {
    "password": PasswordLink(
        "auth.reset_password",
        2 * tokens.HOUR,
        "2 heures",
        "Choisir un nouveau mot de passe",
        "password_reset",
    ),
    "invitation": PasswordLink(
        "auth.welcome", 7 * tokens.DAY, "7 jours", "Votre compte sur le portail Relais", "account_invitation"
    ),
}
LINK_USED = "Ce lien a déjà servi, ou un autre mot de passe a été choisi depuis. Demandez-en un nouveau."


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


def link_nonce(user):
    """Changes with the password: a link works once, and no longer once the
    password was changed some other way."""
    return hashlib.sha256(f"reset:{user.password_hash}".encode()).hexdigest()[:16]


def send_password_link(user, purpose, settings):
    """The link to choose the account's password (works once, see link_nonce)."""
    link = LINKS[purpose]
    token = settings.make_token(purpose, user.id, link_nonce(user))
    mail.queue(
        user.email,
        link.subject,
        link.template,
        user=user,
        link=settings.portal_url(link.endpoint, token=token),
        validity=link.validity,
        base_url=settings.base_url,
    )


def send_reset_link(email, settings):
    """A link to choose a new password, to an active account with this address;
    nothing at all for an unknown one (the page says the same either way)."""
    user = User.by_email(email)
    if user is not None and user.active:
        send_password_link(user, "password", settings)


def account_of_link(purpose, token, settings):
    """The active account a password link names, or Refused (LinkError when the
    link is mangled or too old). Locked when called inside write_lock()."""
    user_id, nonce = settings.read_token(purpose, token, LINKS[purpose].max_age)
    user = for_update(User.select().where((User.id == user_id) & User.active)).get_or_none()
    if user is None or nonce != link_nonce(user):
        raise Refused(LINK_USED)
    return user


def choose_password(purpose, token, password, settings):
    """The password chosen through an emailed link; the link is used up."""
    with write_lock():
        user = account_of_link(purpose, token, settings)
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


# -- managed by an admin ------------------------------------------------------------


def invite(settings, *, email, role, name="", partner=None, team=""):
    """A new account, and an email to its address with the link to choose its
    password (until then nobody can log in with it)."""
    needs_a_partner(role, partner)
    with write_lock():
        if User.by_email(email):
            raise Refused("Un compte existe déjà avec cette adresse e-mail.")
        user = User(email=email.strip().lower(), name=name, role=role, team=team)
        user.partner = partner if role == "partner" else None
        user.set_password(secrets.token_urlsafe(32))  # known to nobody
        user.save()
        send_password_link(user, "invitation", settings)
    return user


def needs_a_partner(role, partner):
    if role == "partner" and partner is None:
        raise Refused("Un compte partenaire est rattaché à une structure : choisissez-la.")


def update(user_id, actor_id, *, name, role, partner, team, active):
    """An admin changes an account. A new role or partner, or a deactivation,
    ends its logins (User.save). Admins cannot lock themselves out: the one
    saving stays an active admin, so the portal always keeps one."""
    needs_a_partner(role, partner)
    with write_lock():
        user = for_update(User.select().where(User.id == user_id)).get_or_none()
        if user is None:
            raise NotFound("Ce compte n'existe pas.")
        if user.id == actor_id and (role != "admin" or not active):
            raise Refused(
                "Vous ne pouvez pas retirer vos propres droits d'administrateur ni désactiver votre compte."
            )
        user.name, user.role, user.team, user.active = name, role, team, active
        user.partner = partner if role == "partner" else None
        user.save()
    return user
