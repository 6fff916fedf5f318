"""Partners of the network and what they share."""

import json

from peewee import CharField, Check, DateField, DeferredForeignKey, ForeignKeyField, TextField, fn

from portal.store.db import UTCDateTimeField, utcnow
from portal.store.models.base import BaseModel, TimestampedModel, normalise_name, one_of
from portal.store.models.places import Sector, Theme
from portal.store.models.vocab import PARTNER_STATUSES, PARTNER_TYPES


class Partner(TimestampedModel):
    name = CharField(max_length=200)
    slug = CharField(max_length=80, unique=True)
    kind = CharField(max_length=30, default="association", constraints=[one_of("kind", PARTNER_TYPES)])
    siret = CharField(max_length=14, null=True, constraints=[Check("siret IS NULL OR length(siret) = 14")])
    address = CharField(max_length=200, default="")
    address_extra = CharField(max_length=200, default="")
    postcode = CharField(max_length=5, default="")
    commune = CharField(max_length=120, default="")
    phone = CharField(max_length=20, default="")
    email = CharField(max_length=254, default="")
    website = CharField(max_length=300, default="")
    summary = CharField(max_length=280, default="")
    description = TextField(default="")
    status = CharField(max_length=12, default="pending", constraints=[one_of("status", PARTNER_STATUSES)])
    # The contact person is private: never on the public site or in exports.
    contact_name = CharField(max_length=160, default="")
    contact_email = CharField(max_length=254, default="")
    contact_phone = CharField(max_length=20, default="")
    # Id of the record in an imported directory, so a re-import updates it.
    source_id = CharField(max_length=120, null=True, unique=True)
    # Where an imported record came from (data·inclusion "source", "date_maj",
    # "lien_source"), and its official codes (schema version 11). The export
    # keeps the original source and id, so the record is not duplicated.
    source = CharField(max_length=60, null=True)
    source_updated_on = DateField(null=True)
    source_url = CharField(max_length=500, default="")
    insee_code = CharField(max_length=5, default="")
    rna = CharField(max_length=10, default="")
    published_at = UTCDateTimeField(null=True)
    # Self-registration and self-service (schema version 2).
    consent_at = UTCDateTimeField(null=True)  # consent to publish the public fields
    confirmed_at = UTCDateTimeField(null=True)  # the contact clicked the confirmation link
    token_nonce = CharField(max_length=32, default="")  # changing it voids every emailed link
    pending_changes = TextField(default="")  # JSON: public fields awaiting moderation
    rejection_reason = TextField(default="")
    referral_notes = TextField(default="")  # how to refer someone to this partner
    sharing = TextField(default="{}")  # JSON: {field: "public" | "network" | "private"}
    name_key = CharField(max_length=200, default="", index=True)  # normalise_name(name), schema v5
    # A new contact address waits here until a link sent to it is clicked (schema v8):
    # until then every email, referrals included, goes to contact_email.
    pending_contact_email = CharField(max_length=254, default="")

    def save(self, *args, **kwargs):
        self.name_key = normalise_name(self.name)
        return super().save(*args, **kwargs)

    def __str__(self):
        return self.name

    @classmethod
    def published(cls):
        return cls.select().where(cls.status == "published")

    @classmethod
    def awaiting_moderation(cls):
        """Confirmed registrations, and published partners with changes to check."""
        new = (cls.status == "pending") & cls.confirmed_at.is_null(False)
        changed = (cls.status == "published") & (cls.pending_changes != "")
        return cls.select().where(new | changed).order_by(cls.updated_at)

    def duplicates(self):
        """Other partners with the same SIRET, or the same name in the same commune."""
        same_name = (Partner.name_key == normalise_name(self.name)) & (
            fn.LOWER(Partner.commune) == self.commune.lower()
        )
        same_siret = (Partner.siret == self.siret) if self.siret else same_name
        return list(Partner.select().where((Partner.id != self.id) & (same_name | same_siret)))

    def share_level(self, field):
        return json.loads(self.sharing or "{}").get(field, "private")

    def shared_fields(self, audience):
        """{field: value} of the contact fields this audience may see ("public" or "network")."""
        allowed = {"public"} if audience == "public" else {"public", "network"}
        return {
            f: getattr(self, f)
            for f in SHAREABLE_FIELDS
            if getattr(self, f) and self.share_level(f) in allowed
        }

    @property
    def themes(self):
        return Theme.select().join(PartnerTheme).where(PartnerTheme.partner == self).order_by(Theme.label)

    @property
    def sectors(self):
        return Sector.select().join(PartnerSector).where(PartnerSector.partner == self)


# What a partner may choose to show, to the public or to the network only.
SHAREABLE_FIELDS = {
    "contact_name": "Personne à contacter",
    "contact_phone": "Ligne directe",
    "contact_email": "E-mail direct",
    "referral_notes": "Comment nous orienter quelqu'un",
}
SHARE_LEVELS = {
    "private": "Privé (équipe de médiation seulement)",
    "network": "Réseau (partenaires connectés)",
    "public": "Public (site internet)",
}


class PartnerTheme(BaseModel):
    partner = ForeignKeyField(Partner, backref="theme_links", on_delete="CASCADE")
    theme = ForeignKeyField(Theme, backref="partner_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("partner", "theme"), True),)


class PartnerSector(BaseModel):
    partner = ForeignKeyField(Partner, backref="sector_links", on_delete="CASCADE")
    sector = ForeignKeyField(Sector, backref="partner_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("partner", "sector"), True),)


class PartnerTransition(BaseModel):
    """One move of a partner's status (or a moderation of its changes, from and
    to "published"): who, when, from where to where, and why."""

    partner = ForeignKeyField(Partner, backref="transitions", on_delete="CASCADE")
    # User is declared after Partner (it points to it): resolved once accounts.py is
    # imported; models/__init__ then lets create_table write the constraint.
    actor = DeferredForeignKey("User", null=True, backref="partner_transitions", on_delete="SET NULL")
    actor_label = CharField(max_length=200, default="")
    from_status = CharField(max_length=12, null=True)
    to_status = CharField(max_length=12, constraints=[one_of("to_status", PARTNER_STATUSES)])
    reason = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)
