"""Accounts of mediators, admins and partners."""

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

    class Meta:
        constraints = [Check("role <> 'partner' OR partner_id IS NOT NULL")]

    def __str__(self):
        return self.name or self.email

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
