"""Activity statistics for funders: referrals and what became of them,
meetings held and who came, permanences held. Filters: period and sector.

Nothing here reads personal data: only states, dates, themes, sectors and
partners, which anonymisation keeps, so figures do not change when the
personal data of old referrals is erased. Charts are SVG drawn on the server.
"""

import csv
import io
from collections import Counter
from datetime import datetime, time, timedelta
from statistics import median

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from portal.services import referrals as flow
from portal.services.datainclusion import spreadsheet_safe
from portal.services.schedule import PARIS, occurrences
from portal.store.db import utcnow
from portal.store.models import (
    DECLINE_REASONS,
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
from portal.web.helpers import query_day, roles_required

bp = Blueprint("stats", __name__, url_prefix="/portail")
DAY_SECONDS = 86400


# -- filters ------------------------------------------------------------------------


class Filters:
    """The period (two days, Paris time, both included) and the sector asked for."""

    def __init__(self, args, today=None):
        today = today or datetime.now(PARIS).date()
        default_start = (today.replace(day=1) - timedelta(days=335)).replace(day=1)  # twelve months
        self.start = parse_day(args.get("du")) or default_start
        self.end = parse_day(args.get("au")) or today
        if self.end < self.start:
            self.start, self.end = self.end, self.start
        self.sector = Sector.get_or_none(Sector.slug == args.get("secteur", ""))
        self.today = today

    @property
    def since(self):
        return datetime.combine(self.start, time(), tzinfo=PARIS)

    @property
    def until(self):
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=PARIS)

    def args(self):
        return {
            "du": self.start.isoformat(),
            "au": self.end.isoformat(),
            "secteur": self.sector.slug if self.sector else "",
        }


def parse_day(value):
    try:
        return query_day(value)
    except ValueError:
        return None  # a mistyped date falls back to the default period


# -- referrals ------------------------------------------------------------------------


def referrals_in(filters):
    query = flow.visible_to(current_user).where(
        (Referral.created_at >= filters.since) & (Referral.created_at < filters.until)
    )
    if filters.sector:
        query = query.where(Referral.sector == filters.sector)
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


SHORT_MONTHS = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]


def month_label(key):
    """'2026-11' -> 'nov. 2026'."""
    year, month = key.split("-")
    return f"{SHORT_MONTHS[int(month) - 1]} {year}"


def months(filters):
    """Every month of the period, empty ones included, so the chart has no gaps."""
    keys, day = [], filters.start.replace(day=1)
    while day <= filters.end:
        keys.append(f"{day:%Y-%m}")
        day = (day + timedelta(days=32)).replace(day=1)
    return keys


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


def meetings(filters, now):
    """Per kind of event held in the period: how many, seats booked, people present."""
    held = Event.select().where(
        (Event.status == "scheduled")
        & (Event.starts_at >= filters.since)
        & (Event.starts_at < filters.until)
        & (Event.ends_at <= now)
    )
    if filters.sector:
        held = held.where(Event.sector == filters.sector)
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


def permanences(filters):
    """Per sector: office hours held in the period (up to today), and those closed."""
    last = min(filters.end, filters.today)
    query = Permanence.select().where(
        ~Permanence.draft
        & (Permanence.valid_from <= last)
        & (Permanence.valid_to.is_null() | (Permanence.valid_to >= filters.start))
    )
    if filters.sector:
        query = query.where(Permanence.sector == filters.sector)
    table = {}
    for permanence in query:
        entry = table.setdefault(permanence.sector.name, {"held": 0, "closed": 0})
        for _, closed_because in (
            occurrences(permanence, filters.start, last) if last >= filters.start else []
        ):
            entry["closed" if closed_because else "held"] += 1
    return sorted(table.items())


# -- pages ------------------------------------------------------------------------------


def days_text(value):
    """A delay in days as people say it: '3 h', '1,5 jour', '12,0 jours'."""
    if value is None:
        return "—"
    if value < 1:
        hours = round(value * 24)
        return f"{hours} h" if hours else "moins d'une heure"
    return f"{value:.1f}".replace(".", ",") + (" jour" if value < 2 else " jours")


@bp.get("/statistiques")
@roles_required("admin", "mediator")
def overview():
    filters = Filters(request.args)
    rows = facts(referrals_in(filters))
    per_month = Counter(row["month"] for row in rows)
    return render_template(
        "stats/overview.html",
        filters=filters,
        summary=summary(rows),
        days_text=days_text,
        months=[(month_label(key), per_month[key]) for key in months(filters)],
        themes=counted(rows, "theme"),
        sectors=counted(rows, "sector"),
        partners=by_partner(rows),
        results=Counter(result_label(row) for row in rows).most_common(),
        meetings=meetings(filters, utcnow()),
        permanences=permanences(filters),
        sector_choices=Sector.select().order_by(Sector.position, Sector.name),
    )


CSV_COLUMNS = {
    "numero": "id",
    "date_envoi": "sent",
    "mois": "month",
    "thematique": "theme",
    "thematique_detail": "theme_detail",
    "quartier": "sector",
    "structure": "partner",
    "urgence": "urgency",
    "etat": "status",
    "resultat": "outcome",
    "motif_refus": "decline_reason",
    "jours_avant_reponse": "days_to_answer",
    "jours_avant_prise_en_charge": "days_to_care",
}


def csv_value(row, key):
    value = row[key]
    if key == "sent":
        return value.astimezone(PARIS).strftime("%d/%m/%Y")
    if key in ("days_to_answer", "days_to_care"):
        return "" if value is None else f"{value:.1f}".replace(".", ",")
    labels = {"status": REFERRAL_STATUSES, "outcome": REFERRAL_OUTCOMES, "decline_reason": DECLINE_REASONS}
    if key in labels:
        return labels[key].get(value, "")
    return spreadsheet_safe(value)


@bp.get("/statistiques.csv")
@roles_required("admin", "mediator")
def export_csv():
    """One line per referral, no personal data, ready for a spreadsheet (; and UTF-8 BOM)."""
    filters = Filters(request.args)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in facts(referrals_in(filters)):
        writer.writerow([csv_value(row, key) for key in CSV_COLUMNS.values()])
    name = f"orientations-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    return Response(
        "\ufeff" + buffer.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
