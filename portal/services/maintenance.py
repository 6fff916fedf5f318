"""`relais maintenance`: the daily chores, safe to run again at any time (cron).

Each step only touches what is due and marks what it did, so a second run on
the same day, or two runs at once, change nothing more and send no email twice.
Emails are only queued here; `relais send-mail` sends them. No Flask: the CLI
passes the Settings (delays, base URL for the links in the emails).
"""

from datetime import timedelta

from portal.services import referrals
from portal.services.actors import SYSTEM
from portal.services.errors import Refused
from portal.services.partners import purge_unconfirmed
from portal.store.db import db, utcnow
from portal.store.models import Referral, ReferralTransition


def run_maintenance(settings, now=None):
    """Run every step at ``now`` (tests freeze it); returns [(French label, count)]."""
    now = now or utcnow()
    return [(label, step(settings, now)) for label, step in STEPS]


def expire(settings, now):
    """No answer after referral_expire_days: expired, and the sender is told."""
    limit = now - timedelta(days=settings.referral_expire_days)
    stale = Referral.select(Referral.id).where(
        Referral.status.in_(referrals.WAITING) & (Referral.created_at <= limit)
    )
    count = 0
    for row in list(stale):
        try:
            referrals.transition(settings, row.id, "expired", SYSTEM, now=now)
            count += 1
        except Refused:
            pass  # answered between the query and the lock: nothing to expire
    return count


def remind_partners(settings, now):
    """No answer after referral_remind_days: one reminder, with a fresh link."""
    limit = now - timedelta(days=settings.referral_remind_days)
    waiting = Referral.status.in_(referrals.WAITING) & (Referral.created_at <= limit)
    return claim_and_send(
        waiting,
        Referral.reminded_at,
        now,
        lambda referral: referrals.send_link(
            settings,
            referral,
            f"Une orientation vous attend depuis le {referral.created_at:%d/%m/%Y} et n'a pas encore "
            "de réponse. Pouvez-vous l'accepter ou la refuser ?",
        ),
    )


def remind_senders(settings, now):
    """Accepted for referral_sender_remind_days with no prise en charge: the sender is told once."""
    days = settings.referral_sender_remind_days
    limit = now - timedelta(days=days)
    stuck = (Referral.status == "accepted") & (Referral.status_changed_at <= limit)
    return claim_and_send(
        stuck,
        Referral.sender_reminded_at,
        now,
        lambda referral: referrals.to_sender(
            settings,
            referral,
            f"Orientation n° {referral.id} : toujours pas de prise en charge",
            f"{referral.partner.name} a accepté cette orientation il y a plus de {days} jours, "
            "mais n'a pas encore indiqué de prise en charge. "
            "Un appel à la personne ou à la structure peut débloquer la situation.",
        ),
    )


def claim_and_send(condition, flag, now, send):
    """Mark each matching referral whose ``flag`` (a timestamp field) is not
    set yet, then email: a conditional UPDATE, so that two runs at the same
    time, or one after the other, send each email once."""
    condition &= flag.is_null()
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


def anonymise(settings, now):
    """Finished referrals past the retention period lose their personal data;
    what statistics need (dates, states, theme, sector, partner) stays."""
    limit = now - timedelta(days=settings.referral_retention_days)
    old = (
        Referral.status.in_(referrals.FINISHED)
        & (Referral.status_changed_at <= limit)
        & Referral.anonymised_at.is_null()
    )
    with db.atomic():
        ids = [row.id for row in Referral.select(Referral.id).where(old)]
        if ids:
            Referral.update(**PERSONAL_FIELDS, anonymised_at=now, token_nonce=referrals.new_nonce()).where(
                Referral.id.in_(ids) & old
            ).execute()
            # Free-text comments may name the person too.
            ReferralTransition.update(comment="").where(ReferralTransition.referral.in_(ids)).execute()
    return len(ids)


# (French label, step); order matters: a referral expires before being reminded.
STEPS = [
    ("orientation(s) expirée(s) sans réponse", expire),
    ("relance(s) envoyée(s) aux structures", remind_partners),
    ("rappel(s) envoyé(s) aux médiateurs (acceptée sans prise en charge)", remind_senders),
    ("orientation(s) anonymisée(s) (durée de conservation écoulée)", anonymise),
    (
        "inscription(s) de partenaire jamais confirmée(s) effacée(s)",
        lambda settings, now: purge_unconfirmed(now),
    ),
]
