"""A partner's status moves only through ``move``: one transaction that takes
the write lock, re-reads the row, checks the move against ``TRANSITIONS``, sets
what goes with the new status, writes the log row and queues the email; then
the public site is asked to rebuild.

Moderation (the queue) uses the same move for new registrations, and logs the
approval or refusal of a published partner's proposed changes as a step from
"published" to "published" with its reason.
"""

import hashlib
import json

from portal.mail import outbox as mail
from portal.services import actors
from portal.services.actors import Actor
from portal.services.errors import Refused
from portal.services.partners.values import address_of, apply_public_values, current_values, locked
from portal.store.db import utcnow, write_lock
from portal.store.models import PARTNER_STATUSES, Partner, PartnerTransition

# Who may move a partner from each status, and where to. "staff": a mediator or
# an admin; "partner": its account or the holder of its emailed link.
TRANSITIONS = {
    "pending": {"staff": {"published", "rejected"}, "partner": {"withdrawn"}},
    "published": {"staff": {"withdrawn"}, "partner": {"withdrawn"}},
    "withdrawn": {"staff": {"published"}},
    "rejected": {"staff": {"published"}},
}
# What the partner is told when the team moves it: (template, subject).
EMAILS = {
    "published": ("partner_approved", "Votre structure est publiée dans l'annuaire"),
    "rejected": ("partner_rejected", "Votre demande d'inscription n'a pas été retenue"),
    "withdrawn": ("partner_withdrawn", "Votre structure est retirée de l'annuaire"),
}
NEEDS_REASON = {"rejected"}


def actor_for(user):
    return actors.actor_for(user, "staff")


def link_actor(partner):
    return Actor("partner", None, f"{partner.name} (lien envoyé à {address_of(partner)})")


class Changed(Refused):
    """What was reviewed is no longer what is stored: review it again."""

    def __init__(self):
        super().__init__(
            "La demande a changé depuis que vous l'avez ouverte : rien n'est fait. "
            "Relisez la nouvelle version ci-dessous, puis décidez à nouveau."
        )


def allowed_moves(partner, actor_kind="staff"):
    return sorted(TRANSITIONS[partner.status].get(actor_kind, set()))


def review_version(partner):
    """A fingerprint of everything a moderator reads about this partner: the
    approve and reject forms carry it, so that nobody approves an unseen version."""
    shown = {
        "status": partner.status,
        "values": current_values(partner),
        "proposed": partner.pending_changes,
        "contact": [partner.contact_name, partner.contact_email, partner.contact_phone],
    }
    return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()[:20]


# -- the one way a partner changes status -------------------------------------------------


def move(partner_id, target, actor, *, settings, reason="", now=None):
    """Move a partner to ``target``; Refused (French message) when the rules refuse."""
    now = now or utcnow()
    with write_lock():
        partner = locked(partner_id)
        move_locked(partner, target, actor, reason, now, settings)
    settings.public_content_changed()
    return partner


def move_locked(partner, target, actor, reason, now, settings):
    """The move itself, inside a write_lock() transaction holding the partner's row."""
    if target not in TRANSITIONS[partner.status].get(actor.kind, set()):
        raise Refused(
            f"Impossible : cette structure est « {PARTNER_STATUSES[partner.status]} », elle ne peut pas "
            f"passer à « {PARTNER_STATUSES.get(target, target)} ». Rechargez la page pour voir où elle en est."
        )
    reason = (reason or "").strip()
    if target in NEEDS_REASON and not reason:
        raise Refused("Indiquez le motif : la structure le recevra par e-mail.")
    before = partner.status
    partner.status = target
    partner.published_at = now if target == "published" else None
    partner.rejection_reason = reason if target == "rejected" else ""
    partner.pending_changes = ""  # proposals die with a move: published ones were never reviewed
    partner.save()
    log(partner, actor, before, target, reason, now)
    if actor.kind == "staff":
        template, subject = EMAILS[target]
        tell_partner(partner, template, subject, settings, reason=reason)


def log(partner, actor, before, after, reason, now):
    PartnerTransition.create(
        partner=partner,
        actor=actor.user,
        actor_label=actor.label[:200],
        from_status=before,
        to_status=after,
        reason=reason or "",
        created_at=now,
    )


def tell_partner(partner, template, subject, settings, **context):
    """Email the partner; one the team entered without any address gets nothing."""
    from portal.services.partners.records import self_service_link

    address = address_of(partner)
    if address:
        mail.queue(
            address,
            subject,
            template,
            partner=partner,
            public_link=settings.public_url("partner", partner),
            link=self_service_link(partner, settings),
            base_url=settings.base_url,
            **context,
        )


# -- moderation ------------------------------------------------------------------------------


def awaiting(partner_id, version):
    """The partner row, locked, if it still awaits moderation in the version shown."""
    partner = locked(partner_id)
    if not Partner.awaiting_moderation().where(Partner.id == partner.id).exists():
        raise Refused("Cette demande a déjà été traitée par quelqu'un d'autre.")
    if version != review_version(partner):
        raise Changed()
    return partner


def approve(partner_id, actor, version, *, settings, now=None):
    """Publish a confirmed registration, or put a published partner's changes online."""
    now = now or utcnow()
    with write_lock():
        partner = awaiting(partner_id, version)
        if partner.status == "pending":
            move_locked(partner, "published", actor, "", now, settings)
        else:
            apply_public_values(partner, json.loads(partner.pending_changes))
            partner.pending_changes = ""
            partner.save()
            log(partner, actor, "published", "published", "Modifications validées.", now)
            tell_partner(partner, "partner_changes_approved", "Vos modifications sont en ligne", settings)
    settings.public_content_changed()
    return partner


def reject(partner_id, actor, version, reason, *, settings, now=None):
    """Refuse a registration, or a published partner's changes (the online version stays)."""
    now = now or utcnow()
    with write_lock():
        partner = awaiting(partner_id, version)
        if partner.status == "pending":
            move_locked(partner, "rejected", actor, reason, now, settings)
        else:
            if not (reason or "").strip():
                raise Refused("Indiquez le motif : la structure le recevra par e-mail.")
            partner.pending_changes = ""
            partner.save()
            log(partner, actor, "published", "published", f"Modifications refusées : {reason}", now)
            tell_partner(
                partner,
                "partner_changes_rejected",
                "Vos modifications n'ont pas été retenues",
                settings,
                reason=reason,
            )
    return partner
