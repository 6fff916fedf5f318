"""Accounts of mediators, admins and partners.

A login lasts as long as the account's session token: the session cookie and
the remember cookie hold that token (not the account id), and every event that
must end earlier logins (logout, new password, deactivation, new role) draws a
new one, so that any copy of an old cookie no longer names anyone.
"""

import secrets

from flask_login import UserMixin
from peewee import (
    BooleanField,
    CharField,
    Check,
    ForeignKeyField,
)
from werkzeug.security import check_password_hash, generate_password_hash

from portal.store.db import UTCDateTimeField
from portal.store.models.base import TimestampedModel, one_of
from portal.store.models.partners import Partner
from portal.store.models.vocab import ROLES, STAFF_ROLES


def new_session_token():
    return secrets.token_urlsafe(32)


# Changing one of these ends the account's earlier logins (see User.save).
ENDS_SESSIONS = {"password_hash", "role", "partner", "active"}


class User(UserMixin, TimestampedModel):
    email = CharField(max_length=254, unique=True)
    name = CharField(max_length=160, default="")
    password_hash = CharField(max_length=255)
    role = CharField(max_length=10, constraints=[one_of("role", ROLES)])
    partner = ForeignKeyField(Partner, null=True, backref="users", on_delete="CASCADE")
    active = BooleanField(default=True)
    last_login_at = UTCDateTimeField(null=True)
    # Mediators with the same team see each other's referrals ("" is one team too).
    team = CharField(max_length=80, default="")
    # What the session and remember cookies carry; replaced to end every login.
    session_token = CharField(max_length=64, unique=True, default=new_session_token)

    class Meta:
        constraints = [Check("role <> 'partner' OR partner_id IS NOT NULL")]

    def __str__(self):
        return self.name or self.email

    def get_id(self):
        """Flask-Login's "alternative id": cookies name the token, never the id."""
        return self.session_token

    @classmethod
    def by_session_token(cls, token):
        if not token:
            return None
        return cls.get_or_none((cls.session_token == token) & cls.active)

    def end_sessions(self):
        """Every session and remember cookie of this account stops working (logout)."""
        self.session_token = new_session_token()
        User.update(session_token=self.session_token).where(User.id == self.id).execute()

    def save(self, *args, **kwargs):
        """A new password, role or partner, or a deactivation, ends every earlier
        login, whichever page or command saves it."""
        if self.id is not None and self.changes_ending_sessions():
            self.session_token = new_session_token()
        return super().save(*args, **kwargs)

    def changes_ending_sessions(self):
        """Whether a watched column really differs from the stored row: peewee
        marks a field dirty on any assignment, the same value included (a form
        saved with only a new name must not log the person out)."""
        watched = [field for field in self.dirty_fields if field.name in ENDS_SESSIONS]
        if not watched:
            return False
        stored = User.select(*watched).where(User.id == self.id).dicts().get_or_none()
        return stored is None or any(stored[field.name] != self.__data__.get(field.name) for field in watched)

    @property
    def is_active(self):
        return self.active

    @property
    def is_staff(self):
        return self.role in STAFF_ROLES

    @classmethod
    def register(cls, email, password, role, name="", partner=None):
        user = cls(email=email.strip().lower(), name=name, role=role, partner=partner)
        user.set_password(password)
        user.save()
        return user

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    @classmethod
    def by_email(cls, email):
        return cls.get_or_none(cls.email == email.strip().lower())
