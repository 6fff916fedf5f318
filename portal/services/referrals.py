"""What happens to a referral, whoever makes it happen: the rules of its
lifecycle and the emails each step sends (the daily chores of `relais
maintenance` are in services/maintenance.py).

A referral moves only through ``transition()``: one transaction that takes the
write lock, re-reads the row, checks the move against ``TRANSITIONS``, writes
the log row and queues the emails, so that two answers at the same time
cannot both win and an email never leaves for a change that rolled back.

No Flask here: callers pass the ``Settings`` (base URL, secret key, delays)
and ``now``; a refused move raises ``Refused`` (French), a missing or hidden
referral ``NotFound``. The web turns them into 409/404, maintenance skips them.
"""

import secrets

from portal.mail import outbox as mail
from portal.services import actors, tokens
from portal.services.actors import Actor
from portal.services.errors import NotFound, Refused
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


# Ids beyond a signed 64-bit integer exist in no table, and would overflow the
# database driver: such an address is simply not found.
MAX_ID = 2**63 - 1


# -- who sees what ---------------------------------------------------------------------


def visible_to(user):
    """The referrals ``user`` may see: an admin all, a partner account those
    addressed to its partner, a mediator those sent by its team, or only their
    own when they have no team (an empty team is no team)."""
    query = Referral.select()
    if user.role == "admin":
        return query
    if user.role == "partner":
        return query.where(Referral.partner == user.partner_id)
    if not (user.team or "").strip():
        return query.where(Referral.sender == user.id)
    team = User.select(User.id).where((User.team == user.team) & User.role.in_(["admin", "mediator"]))
    return query.where(Referral.sender.in_(team))


def visible(user, referral_id):
    """The referral, if ``user`` may see it; another team's or partner's looks
    exactly like a missing one (NotFound)."""
    if not 0 < referral_id <= MAX_ID:
        raise NotFound()
    referral = visible_to(user).where(Referral.id == referral_id).get_or_none()
    if referral is None:
        raise NotFound()
    return referral


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


# -- what the lists show -----------------------------------------------------------------


def age_days(moment, now):
    return max((now - moment).days, 0)


def overdue(settings, referral, now):
    """Waiting too long for an answer, or accepted and never taken in charge."""
    if referral.status in WAITING:
        return age_days(referral.created_at, now) >= settings.referral_remind_days
    if referral.status == "accepted":
        return age_days(referral.status_changed_at, now) >= settings.referral_sender_remind_days
    return False


def rows(settings, query, now):
    """What a list shows of each referral: no personal data, so no access to log."""
    referrals = list(query.order_by(Referral.created_at.desc()))
    steps = milestones([r.id for r in referrals])
    return [
        {
            "referral": r,
            "state_age": age_days(r.status_changed_at, now),
            "overdue": overdue(settings, r, now),
            "in_care_days": days_to(r, steps.get(r.id, {}), "in_care"),
        }
        for r in referrals
    ]


def days_to(referral, steps, status):
    reached = steps.get(status)
    return age_days(referral.created_at, reached) if reached else None


def allowed_targets(referral, actor_kind):
    """The states this actor may move this referral to now."""
    return TRANSITIONS[referral.status].get(actor_kind, set())


def allowed_outcomes(referral):
    """The outcomes a close may give now (None: any of REFERRAL_OUTCOMES)."""
    return CLOSE_FROM_ACCEPTED if referral.status == "accepted" else None


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


def check(referral, target, actor_kind):
    """Refused (French) if the rules forbid this move now; callers check before
    validating a form, so that a refused move is a 409 and not a form error."""
    reason = refusal(referral.status, target, actor_kind)
    if reason:
        raise Refused(reason)


USED_LINK = "Ce lien a déjà servi. Demandez-en un nouveau depuis la page du lien."


def locked(referral_id, nonce):
    """Inside write_lock(): the referral, re-read; NotFound, or Refused for a used link."""
    if not 0 < referral_id <= MAX_ID:
        raise NotFound()
    referral = for_update(Referral.select().where(Referral.id == referral_id)).get_or_none()
    if referral is None:
        raise NotFound()
    if nonce is not None and nonce != referral.token_nonce:
        raise Refused(USED_LINK)
    return referral


def transition(settings, referral_id, target, actor, comment="", now=None, nonce=None, **changes):
    """Move a referral to ``target``; Refused (French message) when the rules refuse.

    ``nonce``: the emailed link's, which must still be the referral's (single use).
    ``changes``: decline_reason, outcome, first_appointment, as the target needs.
    """
    now = now or utcnow()
    with write_lock():
        referral = locked(referral_id, nonce)
        reason = refusal(referral.status, target, actor.kind) or missing_detail(referral, target, changes)
        if reason:
            raise Refused(reason)
        move(settings, referral, target, actor, comment, now, changes)
    return referral


def mark_seen(settings, referral_id, actor, now=None, nonce=None):
    """The receiving partner looked at it for real (logged in, or a click on the
    emailed page): "vue" the first time, nothing after. Never on a mere GET of
    the emailed link, which mail scanners prefetch."""
    now = now or utcnow()
    with write_lock():
        referral = locked(referral_id, nonce)
        if referral.status == "sent" and actor.kind == "partner":
            move(settings, referral, "seen", actor, "", now, {})
    return referral


def move(settings, referral, target, actor, comment, now, changes):
    """Inside write_lock(), once the move is allowed: the row, its log, its emails."""
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
    notify(settings, referral, actor, comment)


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


def create(settings, sender, values, now=None):
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
        subject = f"Nouvelle orientation : {theme_label(referral)}"
        to_partner(
            settings,
            referral,
            subject,
            "referral_new",
            link=answer_link(settings, referral),
            days=LINK_MAX_AGE // tokens.DAY,
        )
        for account in referral.partner.users.where(User.active):
            if account.email != partner_address(referral.partner):
                mail.queue(
                    account.email,
                    subject,
                    "referral_new",
                    referral=referral,
                    link=settings.portal_url("referrals.show", referral_id=referral.id),
                    days=None,
                    base_url=settings.base_url,
                )
    return referral


# -- emails ---------------------------------------------------------------------------


def partner_address(partner):
    return partner.contact_email or partner.email


def to_partner(settings, referral, subject, template, **context):
    """Email the partner's address; a partner whose data was erased since
    (partners.erase keeps the row for statistics) has none and gets nothing."""
    address = partner_address(referral.partner)
    if address:
        mail.queue(address, subject, template, referral=referral, **context, base_url=settings.base_url)


def theme_label(referral):
    return referral.theme.label if referral.theme_id else "sans thématique"


def answer_link(settings, referral):
    token = settings.make_token(LINK_PURPOSE, referral.id, referral.token_nonce)
    return settings.portal_url("referrals.answer", token=token)


def send_link(settings, referral, intro):
    """A fresh link to the partner's address (the referral's nonce is unchanged)."""
    to_partner(
        settings,
        referral,
        f"Orientation n° {referral.id} : votre lien pour répondre",
        "referral_link",
        intro=intro,
        link=answer_link(settings, referral),
        days=LINK_MAX_AGE // tokens.DAY,
    )


def renew_link(settings, referral_id):
    """A used or expired (but authentic) link asks for a fresh one, sent to the
    partner's own address: whoever asks cannot choose where it goes."""
    with db.atomic():
        referral = Referral.get_or_none(Referral.id == referral_id) if 0 < referral_id <= MAX_ID else None
        if referral is None:
            raise NotFound()
        if referral.status not in OPEN:
            raise Refused(
                f"Cette orientation est « {REFERRAL_STATUSES[referral.status]} » : "
                "il n'y a plus rien à y répondre."
            )
        send_link(settings, referral, "Voici un nouveau lien pour voir l'orientation et y répondre :")
    return referral


def notify(settings, referral, actor, comment):
    """The emails a transition sends, queued in its transaction."""
    status, label = referral.status, REFERRAL_STATUSES[referral.status]
    if status in ANSWERS and actor.kind == "partner":
        to_sender(
            settings,
            referral,
            f"Orientation n° {referral.id} {label.lower()} par {referral.partner.name}",
            f"{referral.partner.name} a répondu : l'orientation est maintenant « {label} ».",
            comment,
        )
    if status == "expired":
        to_sender(
            settings,
            referral,
            f"Orientation n° {referral.id} expirée sans réponse",
            f"{referral.partner.name} n'a pas répondu en {settings.referral_expire_days} jours : "
            "l'orientation est expirée. Vous pouvez orienter la personne vers une autre structure.",
        )
    if status == "withdrawn":
        to_partner(
            settings,
            referral,
            f"Orientation n° {referral.id} retirée",
            "referral_notice",
            comment=comment,
            link=None,
            message="L'équipe de médiation a retiré cette orientation : "
            "vous n'avez plus rien à faire. Merci.",
        )
    if actor.kind == "partner" and actor.user is None and status in ("accepted", "in_care"):
        send_link(settings, referral, next_step(status))


def to_sender(settings, referral, subject, message, comment=""):
    mail.queue(
        referral.sender.email,
        subject,
        "referral_notice",
        referral=referral,
        comment=comment,
        link=settings.portal_url("referrals.show", referral_id=referral.id),
        message=message,
        base_url=settings.base_url,
    )


def next_step(status):
    if status == "accepted":
        return (
            "Merci d'avoir accepté cette orientation. Quand la personne sera prise en charge "
            "(premier rendez-vous fixé), indiquez-le avec ce nouveau lien :"
        )
    return "Merci. Quand l'accompagnement sera terminé, indiquez son résultat avec ce nouveau lien :"
