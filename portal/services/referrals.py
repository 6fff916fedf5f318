"""What happens to a referral, whoever makes it happen: the rules of its
lifecycle, the emails each step sends, and the steps of `relais maintenance`.

A referral moves only through ``transition()``: one transaction that takes the
write lock, re-reads the row, checks the move against ``TRANSITIONS``, writes
the log row and queues the emails, so that two answers at the same time
cannot both win and an email never leaves for a change that rolled back.
"""

import secrets
from datetime import timedelta

from flask import abort, current_app
from werkzeug.exceptions import Conflict

from portal.mail import outbox as mail
from portal.services import actors, tokens
from portal.services.actors import SYSTEM, Actor
from portal.settings import Settings
from portal.store.db import db, for_update, utcnow, write_lock
from portal.store.models import (
    REFERRAL_OUTCOMES,
    REFERRAL_STATUSES,
    Referral,
    ReferralAccess,
    ReferralTransition,
    User,
)

# Who may move a referral from each state, and where to. "partner": the
# receiving partner (account or emailed link); "sender": the sender's team
# (or an admin); "system": `relais maintenance`.
TRANSITIONS = {
    "sent": {"partner": {"seen", "accepted", "declined"}, "sender": {"withdrawn"}, "system": {"expired"}},
    "seen": {"partner": {"accepted", "declined"}, "sender": {"withdrawn"}, "system": {"expired"}},
    "accepted": {"partner": {"in_care", "closed"}, "sender": {"withdrawn"}},
    "in_care": {"partner": {"closed"}, "sender": {"withdrawn"}},
    "closed": {},
    "declined": {},
    "expired": {},
    "withdrawn": {},
}
OPEN = ("sent", "seen", "accepted", "in_care")
WAITING = ("sent", "seen")  # no answer yet
FINISHED = ("closed", "declined", "expired", "withdrawn")
# Accepted but never taken in charge: only "unreachable" may close it, so
# that no referral counts as resolved without a prise en charge.
CLOSE_FROM_ACCEPTED = {"person_unreachable"}
ANSWERS = ("accepted", "declined", "in_care", "closed")  # the sender is told of each
DONE = {
    "seen": "marquée comme vue",
    "accepted": "acceptée",
    "declined": "refusée",
    "in_care": "marquée « prise en charge »",
    "closed": "clôturée",
    "withdrawn": "retirée",
    "expired": "expirée",
}
LINK_PURPOSE = "referral"
LINK_MAX_AGE = 7 * tokens.DAY


def actor_for(user):
    return actors.actor_for(user, "sender")


def link_actor(referral):
    return Actor(
        "partner", None, f"{referral.partner.name} (lien envoyé à {partner_address(referral.partner)})"
    )


def new_nonce():
    return secrets.token_hex(8)


# -- who sees what ---------------------------------------------------------------------


def visible_to(user):
    """The referrals ``user`` may see: an admin all, a partner account those
    addressed to its partner, a mediator those sent by its team."""
    query = Referral.select()
    if user.role == "admin":
        return query
    if user.role == "partner":
        return query.where(Referral.partner == user.partner_id)
    team = User.select(User.id).where((User.team == user.team) & User.role.in_(["admin", "mediator"]))
    return query.where(Referral.sender.in_(team))


def milestones(referral_ids):  # a list of ids or a query selecting them
    """{referral id: {status: first time it got there}}, from the transition log
    (which anonymisation keeps), for ages and delays."""
    found = {}
    rows = (
        ReferralTransition.select(
            ReferralTransition.referral, ReferralTransition.to_status, ReferralTransition.created_at
        )
        .where(ReferralTransition.referral.in_(referral_ids))
        .order_by(ReferralTransition.created_at, ReferralTransition.id)
        .tuples()
    )
    for referral_id, status, moment in rows:
        found.setdefault(referral_id, {}).setdefault(status, moment)
    return found


def log_access(referral, actor):
    """Personal data was shown: keep who and when."""
    ReferralAccess.create(referral=referral, user=actor.user, actor_label=actor.label)


# -- the one way a referral changes state -----------------------------------------------


def refusal(status, target, actor_kind):
    """The French reason a move is not allowed, or None if it is."""
    if target in TRANSITIONS[status].get(actor_kind, set()):
        return None
    if not any(target in row.get(actor_kind, set()) for row in TRANSITIONS.values()):
        return (
            "Seule l'équipe qui a envoyé l'orientation peut la retirer."
            if target == "withdrawn"
            else "Seule la structure qui reçoit l'orientation peut faire cela."
        )
    return (
        f"Impossible : cette orientation est « {REFERRAL_STATUSES[status]} », "
        f"elle ne peut pas être {DONE[target]}. Rechargez la page pour voir où elle en est."
    )


def transition(referral_id, target, actor, comment="", now=None, nonce=None, **changes):
    """Move a referral to ``target``; 409 (French message) when the rules refuse.

    ``nonce``: the emailed link's, which must still be the referral's (single use).
    ``changes``: decline_reason, outcome, first_appointment, as the target needs.
    """
    now = now or utcnow()
    with write_lock():
        referral = for_update(Referral.select().where(Referral.id == referral_id)).get_or_none()
        if referral is None:
            abort(404)
        if nonce is not None and nonce != referral.token_nonce:
            abort(409, "Ce lien a déjà servi. Demandez-en un nouveau depuis la page du lien.")
        reason = refusal(referral.status, target, actor.kind) or missing_detail(referral, target, changes)
        if reason:
            abort(409, reason)
        before = referral.status
        for name, value in changes.items():
            setattr(referral, name, value)
        referral.status, referral.status_changed_at = target, now
        if actor.kind != "partner" or target != "seen":
            referral.token_nonce = new_nonce()  # an answer uses the link up
        referral.save()
        ReferralTransition.create(
            referral=referral,
            actor=actor.user,
            actor_label=actor.label,
            from_status=before,
            to_status=target,
            comment=comment or "",
            created_at=now,
        )
        notify(referral, actor, comment)
    return referral


def missing_detail(referral, target, changes):
    if target == "declined" and not changes.get("decline_reason"):
        return "Choisissez le motif du refus."
    if target == "closed":
        outcome = changes.get("outcome")
        if outcome not in REFERRAL_OUTCOMES:
            return "Choisissez le résultat de l'accompagnement."
        if referral.status == "accepted" and outcome not in CLOSE_FROM_ACCEPTED:
            return (
                "La personne n'a pas encore été prise en charge : indiquez d'abord la prise en charge, "
                "ou clôturez avec « Personne injoignable »."
            )
    return None


def create(sender, values, now=None):
    """A new referral, logged as sent, with the partner's email queued."""
    now = now or utcnow()
    with db.atomic():
        referral = Referral.create(
            sender=sender,
            status="sent",
            token_nonce=new_nonce(),
            created_at=now,
            updated_at=now,
            status_changed_at=now,
            **values,
        )
        ReferralTransition.create(
            referral=referral,
            actor=sender,
            actor_label=str(sender),
            from_status=None,
            to_status="sent",
            created_at=now,
        )
        to_partner(
            referral,
            f"Nouvelle orientation : {theme_label(referral)}",
            "referral_new",
            link=answer_link(referral),
            days=LINK_MAX_AGE // tokens.DAY,
        )
        for account in referral.partner.users.where(User.active):
            if account.email != partner_address(referral.partner):
                mail.queue(
                    account.email,
                    f"Nouvelle orientation : {theme_label(referral)}",
                    "referral_new",
                    referral=referral,
                    link=absolute("referrals.show", referral_id=referral.id),
                    days=None,
                    base_url=current_app.config["BASE_URL"],
                )
    return referral


# -- emails ---------------------------------------------------------------------------


def partner_address(partner):
    return partner.contact_email or partner.email


def to_partner(referral, subject, template, **context):
    """Email the partner's address; a partner whose data was erased since
    (partners.erase keeps the row for statistics) has none and gets nothing."""
    address = partner_address(referral.partner)
    if address:
        mail.queue(
            address, subject, template, referral=referral, **context, base_url=current_app.config["BASE_URL"]
        )


def theme_label(referral):
    return referral.theme.label if referral.theme_id else "sans thématique"


def absolute(endpoint, **values):
    """An address for an email, also outside any request (cron runs maintenance)."""
    return Settings.from_config(current_app.config).portal_url(endpoint, **values)


def answer_link(referral):
    return absolute(
        "referrals.answer",
        token=tokens.make(current_app.config["SECRET_KEY"], LINK_PURPOSE, referral.id, referral.token_nonce),
    )


def send_link(referral, intro):
    """A fresh link to the partner's address (the referral's nonce is unchanged)."""
    to_partner(
        referral,
        f"Orientation n° {referral.id} : votre lien pour répondre",
        "referral_link",
        intro=intro,
        link=answer_link(referral),
        days=LINK_MAX_AGE // tokens.DAY,
    )


def notify(referral, actor, comment):
    """The emails a transition sends, queued in its transaction."""
    status, label = referral.status, REFERRAL_STATUSES[referral.status]
    sender_page = absolute("referrals.show", referral_id=referral.id)
    if status in ANSWERS and actor.kind == "partner":
        mail.queue(
            referral.sender.email,
            f"Orientation n° {referral.id} {label.lower()} par {referral.partner.name}",
            "referral_notice",
            referral=referral,
            comment=comment,
            link=sender_page,
            message=f"{referral.partner.name} a répondu : l'orientation est maintenant « {label} ».",
            base_url=current_app.config["BASE_URL"],
        )
    if status == "expired":
        mail.queue(
            referral.sender.email,
            f"Orientation n° {referral.id} expirée sans réponse",
            "referral_notice",
            referral=referral,
            comment="",
            link=sender_page,
            message=f"{referral.partner.name} n'a pas répondu en {config_days('EXPIRE')} jours : "
            "l'orientation est expirée. Vous pouvez orienter la personne vers une autre structure.",
            base_url=current_app.config["BASE_URL"],
        )
    if status == "withdrawn":
        to_partner(
            referral,
            f"Orientation n° {referral.id} retirée",
            "referral_notice",
            comment=comment,
            link=None,
            message="L'équipe de médiation a retiré cette orientation : "
            "vous n'avez plus rien à faire. Merci.",
        )
    if actor.kind == "partner" and actor.user is None and status in ("accepted", "in_care"):
        send_link(referral, next_step(status))


def next_step(status):
    if status == "accepted":
        return (
            "Merci d'avoir accepté cette orientation. Quand la personne sera prise en charge "
            "(premier rendez-vous fixé), indiquez-le avec ce nouveau lien :"
        )
    return "Merci. Quand l'accompagnement sera terminé, indiquez son résultat avec ce nouveau lien :"


def config_days(name):
    return current_app.config[f"REFERRAL_{name}_DAYS"]


# -- maintenance (cron) ---------------------------------------------------------------


def expire(now):
    """No answer after REFERRAL_EXPIRE_DAYS: expired, and the sender is told."""
    limit = now - timedelta(days=config_days("EXPIRE"))
    stale = Referral.select(Referral.id).where(Referral.status.in_(WAITING) & (Referral.created_at <= limit))
    count = 0
    for row in list(stale):
        try:
            transition(row.id, "expired", SYSTEM, now=now)
            count += 1
        except Conflict:
            pass  # answered between the query and the lock: nothing to expire
    return count


def remind_partners(now):
    """No answer after REFERRAL_REMIND_DAYS: one reminder, with a fresh link."""
    limit = now - timedelta(days=config_days("REMIND"))
    waiting = Referral.status.in_(WAITING) & (Referral.created_at <= limit) & Referral.reminded_at.is_null()
    return claim_and_send(
        waiting,
        "reminded_at",
        now,
        lambda referral: send_link(
            referral,
            f"Une orientation vous attend depuis le {referral.created_at:%d/%m/%Y} et n'a pas encore "
            "de réponse. Pouvez-vous l'accepter ou la refuser ?",
        ),
    )


def remind_senders(now):
    """Accepted for REFERRAL_SENDER_REMIND_DAYS with no prise en charge: the sender is told once."""
    limit = now - timedelta(days=config_days("SENDER_REMIND"))
    stuck = (
        (Referral.status == "accepted")
        & (Referral.status_changed_at <= limit)
        & Referral.sender_reminded_at.is_null()
    )
    return claim_and_send(
        stuck,
        "sender_reminded_at",
        now,
        lambda referral: mail.queue(
            referral.sender.email,
            f"Orientation n° {referral.id} : toujours pas de prise en charge",
            "referral_notice",
            referral=referral,
            comment="",
            link=absolute("referrals.show", referral_id=referral.id),
            message=f"{referral.partner.name} a accepté cette orientation il y a plus de "
            f"{config_days('SENDER_REMIND')} jours, mais n'a pas encore indiqué de prise en charge. "
            "Un appel à la personne ou à la structure peut débloquer la situation.",
            base_url=current_app.config["BASE_URL"],
        ),
    )


def claim_and_send(condition, flag, now, send):
    """Mark each matching referral, then email: a conditional UPDATE, so that
    two runs at the same time send each email once."""
    count = 0
    for row in list(Referral.select(Referral.id).where(condition)):
        with db.atomic():
            claimed = Referral.update({flag: now}).where((Referral.id == row.id) & condition).execute()
            if claimed:
                send(Referral.get_by_id(row.id))
                count += 1
    return count


PERSONAL_FIELDS = {
    "person_name": "",
    "person_phone": "",
    "person_email": "",
    "need": "",
    "consent_method": "",
}


def anonymise(now):
    """Finished referrals past the retention period lose their personal data;
    what statistics need (dates, states, theme, sector, partner) stays."""
    limit = now - timedelta(days=config_days("RETENTION"))
    old = (
        Referral.status.in_(FINISHED)
        & (Referral.status_changed_at <= limit)
        & Referral.anonymised_at.is_null()
    )
    with db.atomic():
        ids = [row.id for row in Referral.select(Referral.id).where(old)]
        if ids:
            Referral.update(**PERSONAL_FIELDS, anonymised_at=now, token_nonce=new_nonce()).where(
                Referral.id.in_(ids) & old
            ).execute()
            # Free-text comments may name the person too.
            ReferralTransition.update(comment="").where(ReferralTransition.referral.in_(ids)).execute()
    return len(ids)
