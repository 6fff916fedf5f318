"""`relais maintenance`: the daily chores, safe to run again at any time (cron).

Each step only touches what is due and marks what it did, so a second run on
the same day, or two runs at once, change nothing more and send no email twice.
Emails are only queued here; `relais send-mail` sends them.
"""

from portal.services import referrals as referral_flow
from portal.store.db import utcnow
from portal.web.partners.views import purge_unconfirmed

# (French label, step); order matters: a referral expires before being reminded.
STEPS = [
    ("orientation(s) expirée(s) sans réponse", referral_flow.expire),
    ("relance(s) envoyée(s) aux structures", referral_flow.remind_partners),
    ("rappel(s) envoyé(s) aux médiateurs (acceptée sans prise en charge)", referral_flow.remind_senders),
    ("orientation(s) anonymisée(s) (durée de conservation écoulée)", referral_flow.anonymise),
    ("inscription(s) de partenaire jamais confirmée(s) effacée(s)", purge_unconfirmed),
]


def run_maintenance(now=None):
    """Run every step at ``now`` (tests freeze it); returns [(label, count)]."""
    now = now or utcnow()
    return [(label, step(now)) for label, step in STEPS]
