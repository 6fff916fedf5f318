"""A partner's data: registration and its confirmation, self-service and staff
edits, the contact address that waits for its own confirmation, erasure, purge.

Status changes go through ``lifecycle.move``; this module only logs a partner's
first status (registered, or entered by the team).
"""

import hashlib
import json
import secrets
from datetime import timedelta

from peewee import fn

from portal.mail import outbox as mail
from portal.services import tokens
from portal.services.actors import Actor
from portal.services.errors import Refused
from portal.services.partners.lifecycle import TRANSITIONS, log, move_locked
from portal.services.partners.values import (
    CONTACT_COLUMNS,
    PUBLIC_COLUMNS,
    apply_public_values,
    current_values,
    locked,
    public_values,
)
from portal.store.db import db, utcnow, write_lock
from portal.store.models import (
    SHARE_LEVELS,
    SHAREABLE_FIELDS,
    Partner,
    PartnerTheme,
    Referral,
)

CONFIRM_MAX_AGE = 48 * tokens.HOUR
CONTACT_MAX_AGE = 48 * tokens.HOUR
SELF_SERVICE_MAX_AGE = 7 * tokens.DAY
UNCONFIRMED_KEPT = timedelta(days=7)


def new_nonce():
    return secrets.token_hex(8)


def self_service_link(partner, settings):
    token = settings.make_token("self-service", partner.id, partner.token_nonce)
    return settings.portal_url("partners.open_space", token=token)


def send_self_service_links(email, settings):
    """A fresh self-service link to every partner (not rejected) whose contact
    address is ``email``; nothing at all for an unknown address."""
    with db.atomic():
        for partner in Partner.select().where(
            (fn.LOWER(Partner.contact_email) == email.lower()) & (Partner.status != "rejected")
        ):
            mail.queue(
                partner.contact_email,
                "Votre lien pour modifier votre structure",
                "partner_link",
                partner=partner,
                link=self_service_link(partner, settings),
                base_url=settings.base_url,
            )


def proposed_values(partner):
    """What the partner sees in its form: its proposal if one waits, else the online version."""
    return json.loads(partner.pending_changes) if partner.pending_changes else current_values(partner)


# -- registration -------------------------------------------------------------------------


def register(data, *, settings, now=None):
    """A new partner, pending until its contact confirms by email."""
    now = now or utcnow()
    with db.atomic():
        partner = Partner(status="pending", consent_at=now, token_nonce=new_nonce(), slug="")
        for column in CONTACT_COLUMNS:
            setattr(partner, column, data.get(column) or "")
        apply_public_values(partner, public_values(data))
        label = f"Inscription en ligne ({partner.contact_email})"
        log(partner, Actor("partner", None, label), None, "pending", "", now)
        link = settings.portal_url(
            "partners.confirm", token=settings.make_token("confirm", partner.id, partner.token_nonce)
        )
        mail.queue(
            partner.contact_email,
            "Confirmez l'inscription de votre structure",
            "partner_confirm",
            partner=partner,
            link=link,
            base_url=settings.base_url,
        )
    return partner


def confirm(partner_id, nonce, *, settings, now=None):
    """The contact clicked the emailed link: the registration goes to the
    moderation queue. Returns (partner, already confirmed before)."""
    now = now or utcnow()
    with write_lock():  # two clicks at once confirm once
        partner = locked(partner_id)
        if partner.confirmed_at is not None:
            return partner, True
        if nonce != partner.token_nonce:
            raise Refused("Ce lien n'est plus valable.")
        partner.confirmed_at = now
        partner.token_nonce = new_nonce()  # the confirmation link is single-use
        partner.save()
        mail.queue_to_staff(
            f"Nouvelle inscription à valider : {partner.name}",
            "staff_new_partner",
            partner=partner,
            link=settings.portal_url("moderation.queue"),
            base_url=settings.base_url,
        )
    return partner, False


def purge_unconfirmed(now=None):
    """Registrations never confirmed are deleted after 7 days (nothing was published)."""
    limit = (now or utcnow()) - UNCONFIRMED_KEPT
    stale = Partner.select(Partner.id).where(
        (Partner.status == "pending") & Partner.confirmed_at.is_null() & (Partner.created_at < limit)
    )
    return Partner.delete().where(Partner.id.in_(stale)).execute()


# -- edits -------------------------------------------------------------------------------------


def edit(partner_id, data, actor, *, settings, now=None):
    """Self-service: contact and sharing choices apply at once (a new contact
    address once confirmed); public fields of a published partner wait for
    moderation, the online version unchanged. Returns what waits: a subset of
    {"moderation", "contact_email"}."""
    now = now or utcnow()
    waiting = set()
    with write_lock():
        partner = locked(partner_id)
        partner.contact_name = data.get("contact_name") or ""
        partner.contact_phone = data.get("contact_phone") or ""
        if ask_contact_change(partner, data.get("contact_email") or "", settings):
            waiting.add("contact_email")
        partner.referral_notes = data.get("referral_notes") or ""
        partner.sharing = json.dumps(
            {field: share_level(data.get(f"share_{field}")) for field in SHAREABLE_FIELDS}
        )
        values = public_values(data)
        if partner.status != "published":
            apply_public_values(partner, values)
        else:
            partner.pending_changes = "" if values == current_values(partner) else json.dumps(values)
            partner.save()
            waiting |= {"moderation"} if partner.pending_changes else set()
    if partner.status == "published":
        settings.public_content_changed()  # sharing choices show on the public page
    return waiting


def share_level(value):
    return value if value in SHARE_LEVELS else "private"


def save_by_staff(partner_id, data, actor, *, settings, now=None):
    """Staff edits apply at once, contact address included; what the partner
    proposed is superseded. ``partner_id`` None: a partner the team knows,
    published at once."""
    now = now or utcnow()
    with write_lock():
        if partner_id is None:
            partner = Partner(slug="", token_nonce=new_nonce(), status="published", published_at=now)
        else:
            partner = locked(partner_id)
        for column in CONTACT_COLUMNS:
            setattr(partner, column, data.get(column) or "")
        partner.pending_contact_email, partner.pending_changes = "", ""
        apply_public_values(partner, public_values(data))
        if partner_id is None:
            log(partner, actor, None, "published", "Saisie par l'équipe.", now)
    settings.public_content_changed()
    return partner


# -- the contact address ------------------------------------------------------------------------


def contact_nonce(partner):
    """Binds a confirmation link to the address it was sent to (and to the partner's links)."""
    seed = f"{partner.token_nonce}:{partner.pending_contact_email.lower()}"
    return hashlib.sha256(seed.encode()).hexdigest()[:16]


def ask_contact_change(partner, address, settings):
    """A new contact address waits until a link sent to it is clicked; the old
    address is told. Returns True when an address waits."""
    if address.lower() == partner.contact_email.lower():
        partner.pending_contact_email = ""
        return False
    if address.lower() == partner.pending_contact_email.lower():
        return True  # already asked: the link sent then still works
    partner.pending_contact_email = address
    token = settings.make_token("contact-email", partner.id, contact_nonce(partner))
    mail.queue(
        address,
        "Confirmez votre adresse e-mail",
        "partner_contact_confirm",
        partner=partner,
        link=settings.portal_url("partners.confirm_contact_email", token=token),
        base_url=settings.base_url,
    )
    if partner.contact_email:
        mail.queue(
            partner.contact_email,
            "Demande de changement de l'adresse de contact",
            "partner_contact_notice",
            partner=partner,
            new_address=address,
            base_url=settings.base_url,
        )
    return True


def confirm_contact_email(partner_id, nonce, *, now=None):
    """The link sent to the new address was clicked: it becomes the contact address."""
    with write_lock():
        partner = locked(partner_id)
        if not partner.pending_contact_email or nonce != contact_nonce(partner):
            raise Refused("Ce lien n'est plus valable : l'adresse a déjà été confirmée, ou changée depuis.")
        partner.contact_email, partner.pending_contact_email = partner.pending_contact_email, ""
        partner.save()
    return partner


# -- leaving -------------------------------------------------------------------------------------


def erase(partner_id, actor, *, settings, now=None):
    """RGPD erasure: delete the partner; if referrals must keep pointing to it
    (statistics), blank everything but its name and kind, and withdraw it."""
    now = now or utcnow()
    with write_lock():
        partner = locked(partner_id)
        if not Referral.select().where(Referral.partner == partner).exists():
            partner.delete_instance()
        else:
            if "withdrawn" in TRANSITIONS[partner.status].get(actor.kind, set()):
                reason = "Données effacées à la demande de la structure."
                move_locked(partner, "withdrawn", actor, reason, now, settings)
            for column in PUBLIC_COLUMNS + CONTACT_COLUMNS + ("referral_notes", "pending_contact_email"):
                if column not in ("name", "kind"):
                    setattr(partner, column, None if column == "siret" else "")
            partner.sharing, partner.token_nonce = "{}", new_nonce()
            partner.save()
            PartnerTheme.delete().where(PartnerTheme.partner == partner).execute()
    settings.public_content_changed()
