"""Statistics pages for funders: the filters (period and sector) read from the
address, the figures from services/stats.py, drawn as a page (SVG charts drawn
on the server) or a CSV download."""

from datetime import datetime

from flask import Blueprint, render_template, request
from flask_login import current_user

from portal.services import stats
from portal.services.datainclusion.cleaning import spreadsheet_safe
from portal.services.schedule import PARIS
from portal.store.db import utcnow
from portal.store.models import DECLINE_REASONS, REFERRAL_OUTCOMES, REFERRAL_STATUSES, Sector
from portal.web.helpers import csv_response, query_day, roles_required

bp = Blueprint("stats", __name__, url_prefix="/portail")


# -- filters ------------------------------------------------------------------------


def asked_period(args):
    """The period and sector in the address (?du=2026-01-01&au=…&secteur=slug):
    a mistyped day is the default one, a day outside the years the portal
    knows a French 400 (query_day)."""
    return stats.period(
        query_day(args.get("du")),
        query_day(args.get("au")),
        Sector.get_or_none(Sector.slug == args.get("secteur", "")),
        datetime.now(PARIS).date(),
    )


def asked_facts():
    """The period asked for in the address, and the facts of the referrals in
    it that this user may count (services.stats.referrals_in)."""
    period = asked_period(request.args)
    return period, stats.facts(stats.referrals_in(current_user, period))


def query_args(period):
    return {
        "du": period.start.isoformat(),
        "au": period.end.isoformat(),
        "secteur": period.sector.slug if period.sector else "",
    }


# -- page ---------------------------------------------------------------------------


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
    period, rows = asked_facts()
    return render_template(
        "stats/overview.html",
        filters=period,
        filter_args=query_args(period),
        summary=stats.summary(rows),
        days_text=days_text,
        months=[(month_label(key), count) for key, count in stats.per_month(rows, period)],
        themes=stats.counted(rows, "theme"),
        sectors=stats.counted(rows, "sector"),
        partners=stats.by_partner(rows),
        results=stats.results(rows),
        meetings=stats.meetings(period, utcnow()),
        permanences=stats.permanences(period),
        sector_choices=Sector.ordered(),
    )


# -- CSV ------------------------------------------------------------------------------


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
    period, rows = asked_facts()
    return csv_response(
        f"orientations-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv",
        list(CSV_COLUMNS),
        ([csv_value(row, key) for key in CSV_COLUMNS.values()] for row in rows),
    )
