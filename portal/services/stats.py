"""Activity statistics for funders: referrals and what became of them,
meetings held and who came, permanences held, over a period and a sector.

Nothing here reads personal data: only states, dates, themes, sectors and
partners, which anonymisation keeps, so figures do not change when the
personal data of old referrals is erased. No Flask: the view parses the
filters and draws the page or the CSV.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median

from portal.services import referrals as flow
from portal.services.schedule import PARIS, occurrences
from portal.store.models import (
    EVENT_KINDS,
    REFERRAL_OUTCOMES,
    REFERRAL_STATUSES,
    URGENCIES,
    Event,
    Partner,
    Permanence,
    Referral,
    Registration,
    Sector,
    Theme,
)

DAY_SECONDS = 86400
# Relais has no data before this day; a period is also cut at the end of next
# year. Both keep every date computation (the day after the end, each month of
# the period) far from the calendar's limits, whatever a hand-typed address asks.
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Period:
    """Two days, Paris time, both included, and a sector (None: all of them)."""

    start: date
    end: date
    sector: Sector | None
    today: date
    clamped: bool = False  # the days asked for were moved into the allowed range

    @property
    def since(self):
        return datetime.combine(self.start, time(), tzinfo=PARIS)

    @property
    def until(self):
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=PARIS)


def default_start(today):
    return (today.replace(day=1) - timedelta(days=335)).replace(day=1)  # twelve months


def period(start, end, sector, today):
    """The period asked for (None: the last twelve months, up to today), in
    order and within the allowed range."""
    start, end = start or default_start(today), end or today
    if end < start:
        start, end = end, start
    latest = date(today.year + 1, 12, 31)
    kept = (min(max(start, EARLIEST), latest), min(max(end, EARLIEST), latest))
    return Period(kept[0], kept[1], sector, today, clamped=kept != (start, end))


# -- referrals ------------------------------------------------------------------------


def referrals_in(user, period):
    """The referrals ``user`` may see, sent in the period (and sector)."""
    query = flow.visible_to(user).where(
        (Referral.created_at >= period.since) & (Referral.created_at < period.until)
    )
    if period.sector:
        query = query.where(Referral.sector == period.sector)
    return list(query.order_by(Referral.created_at, Referral.id))


def days_between(start, end):
    return (end - start).total_seconds() / DAY_SECONDS


def facts(referrals):
    """One dict of plain values per referral: what the page and the CSV count."""
    themes = {theme.id: theme for theme in Theme.select()}
    sectors = {sector.id: sector.name for sector in Sector.select()}
    partners = dict(Partner.select(Partner.id, Partner.name).tuples())
    steps = flow.milestones([r.id for r in referrals])
    rows = []
    for r in referrals:
        reached = steps.get(r.id, {})
        answered = min([reached[s] for s in ("accepted", "declined") if s in reached], default=None)
        theme = themes.get(r.theme_id)
        top = themes.get(theme.parent_id) if theme and theme.parent_id else theme
        rows.append(
            {
                "id": r.id,
                "sent": r.created_at,
                "month": r.created_at.astimezone(PARIS).strftime("%Y-%m"),
                "theme": top.label if top else "Non précisée",
                "theme_detail": theme.label if theme else "",
                "sector": sectors.get(r.sector_id, "Non précisé"),
                "partner": partners.get(r.partner_id, ""),
                "urgency": URGENCIES.get(r.urgency, r.urgency),
                "status": r.status,
                "outcome": r.outcome,
                "decline_reason": r.decline_reason,
                "days_to_answer": days_between(r.created_at, answered) if answered else None,
                "days_to_care": days_between(r.created_at, reached["in_care"])
                if "in_care" in reached
                else None,
            }
        )
    return rows


def result_label(row):
    if row["status"] == "closed":
        return f"Clôturée — {REFERRAL_OUTCOMES.get(row['outcome'], 'sans résultat')}"
    if row["status"] in flow.OPEN:
        return "En cours"
    return REFERRAL_STATUSES[row["status"]]


def results(rows):
    """[(what became of them, count)], most frequent first."""
    return Counter(result_label(row) for row in rows).most_common()


def months(period):
    """Every month of the period as '2026-11', empty ones included, so the chart has no gaps."""
    keys, day = [], period.start.replace(day=1)
    while day <= period.end:
        keys.append(f"{day:%Y-%m}")
        day = (day + timedelta(days=32)).replace(day=1)
    return keys


def per_month(rows, period):
    """[(month key, count)] for every month of the period."""
    counts = Counter(row["month"] for row in rows)
    return [(key, counts[key]) for key in months(period)]


def counted(rows, key):
    """[(label, count)], most frequent first."""
    return Counter(row[key] for row in rows).most_common()


def by_partner(rows):
    table = {}
    for row in rows:
        entry = table.setdefault(row["partner"], {"sent": 0, "in_care": 0})
        entry["sent"] += 1
        entry["in_care"] += row["days_to_care"] is not None
    return sorted(table.items(), key=lambda item: (-item[1]["sent"], item[0]))


def summary(rows):
    """The figures funders ask for first."""
    answered = [row["days_to_answer"] for row in rows if row["days_to_answer"] is not None]
    cared = [row["days_to_care"] for row in rows if row["days_to_care"] is not None]
    # Withdrawn referrals are the sender's decision, not the partner's: they
    # don't count against the hand-off rate.
    counted_rows = [row for row in rows if row["status"] != "withdrawn"]
    return {
        "total": len(rows),
        "in_care": len(cared),
        "base": len(counted_rows),
        "rate": round(100 * len(cared) / len(counted_rows)) if counted_rows else None,
        "median_answer": median(answered) if answered else None,
        "median_care": median(cared) if cared else None,
    }


# -- meetings and permanences ------------------------------------------------------------


def meetings(period, now):
    """Per kind of event held in the period: how many, seats booked, people present."""
    held = Event.select().where(
        (Event.status == "scheduled")
        & (Event.starts_at >= period.since)
        & (Event.starts_at < period.until)
        & (Event.ends_at <= now)
    )
    if period.sector:
        held = held.where(Event.sector == period.sector)
    table = {}
    for event in held:
        entry = table.setdefault(event.kind, {"events": 0, "registered": 0, "checked": 0, "present": 0})
        entry["events"] += 1
        for registration in event.registrations.where(Registration.status == "confirmed"):
            entry["registered"] += registration.seats
            entry["checked"] += registration.attended is not None
            entry["present"] += registration.seats if registration.attended else 0
    rows = [(EVENT_KINDS[kind], entry) for kind, entry in table.items()]
    return sorted(rows, key=lambda row: row[0])  # in the order of the names users read


def permanences(period):
    """Per sector: office hours held in the period (up to today), and those closed."""
    last = min(period.end, period.today)
    query = Permanence.select().where(
        ~Permanence.draft
        & (Permanence.valid_from <= last)
        & (Permanence.valid_to.is_null() | (Permanence.valid_to >= period.start))
    )
    if period.sector:
        query = query.where(Permanence.sector == period.sector)
    table = {}
    for permanence in query:
        entry = table.setdefault(permanence.sector.name, {"held": 0, "closed": 0})
        for _, closed_because in occurrences(permanence, period.start, last) if last >= period.start else []:
            entry["closed" if closed_because else "held"] += 1
    return sorted(table.items())
