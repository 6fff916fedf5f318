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
from portal.services.rows import locked
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
LINK_USED = (
    "Ce lien a déjà servi. Si vous venez de choisir votre mot de passe, connectez-vous avec lui ; "
    "sinon, demandez un nouveau lien."
)
PASSWORD_HELP = (
    f"{PASSWORD_MIN_LENGTH} caractères au moins. Une phrase de quelques mots est facile à retenir."
)
PARTNER_NEEDED = "Un compte partenaire est rattaché à une structure : choisissez-la."


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
    try:
        user = locked(User, user_id)
    except NotFound:
        raise Refused(LINK_USED) from None
    if not user.active or nonce != link_nonce(user):
        raise Refused(LINK_USED)
    return user


def choose_password(purpose, token, password, settings):
    """The password chosen through an emailed link; the link is used up. A
    forgotten password's change is told to the address (someone else may have
    used the link); a first password, after an invitation, is not."""
    with write_lock():
        user = account_of_link(purpose, token, settings)
        _set_password(user, password, settings, tell=purpose == "password")
    return user


def change_password(user_id, current, password, settings):
    """A logged-in account changes its password, knowing the current one."""
    with write_lock():
        user = locked(User, user_id)
        if not user.active or not user.check_password(current):
            raise WrongPassword("Le mot de passe actuel n'est pas le bon.")
        _set_password(user, password, settings, tell=True)
    return user


def _set_password(user, password, settings, tell):
    problem = password_problem(password, user.email)
    if problem:
        raise Refused(problem)
    user.set_password(password)
    user.save()  # ends every earlier login (User.save)
    if tell:
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
    partner = partner_for(role, partner)
    with write_lock():
        if User.by_email(email):
            raise Refused("Un compte existe déjà avec cette adresse e-mail.")
        user = User(email=email.strip().lower(), name=name, role=role, team=team, partner=partner)
        user.set_password(secrets.token_urlsafe(32))  # known to nobody
        user.save()
        send_password_link(user, "invitation", settings)
    return user


def invite_again(user_id, settings):
    """A fresh invitation, for a person who never logged in (the link expired,
    the email was lost). Someone who did uses « Mot de passe oublié ? »."""
    with write_lock():
        user = locked(User, user_id)
        if not user.active or user.last_login_at is not None:
            raise Refused(
                "Cette personne s'est déjà connectée (ou son compte est désactivé) : "
                "si elle a oublié son mot de passe, elle utilise « Mot de passe oublié ? »."
            )
        send_password_link(user, "invitation", settings)
    return user


def partner_for(role, partner):
    """The structure an account of ``role`` belongs to: required for a partner
    account, none for the mediation team's."""
    if role != "partner":
        return None
    if partner is None:
        raise Refused(PARTNER_NEEDED)
    return partner


class LockOut(Refused):
    """The change would leave the one making it without the right to make it."""


def update(user_id, actor_id, *, name, role, partner, team, active):
    """An admin changes an account. A new role or partner, or a deactivation,
    ends its logins (User.save). The one saving must still be an active admin
    (two admins demoting each other at once: the second is refused) and cannot
    demote or deactivate themselves, so the portal always keeps an admin."""
    partner = partner_for(role, partner)
    with write_lock():
        # Both rows locked in one statement, in id order: no deadlock between two admins.
        rows = for_update(User.select().where(User.id.in_([user_id, actor_id])).order_by(User.id))
        found = {row.id: row for row in rows}
        user, actor = found.get(user_id), found.get(actor_id)
        if user is None:
            raise NotFound("Ce compte n'existe pas.")
        if actor is None or actor.role != "admin" or not actor.active:
            raise LockOut("Seul un administrateur peut modifier les comptes.")
        if user.id == actor.id and (role != "admin" or not active):
            raise LockOut(
                "Vous ne pouvez pas retirer vos propres droits d'administrateur ni désactiver votre compte."
            )
        user.name, user.role, user.team, user.active, user.partner = name, role, team, active, partner
        user.save()
    return user
