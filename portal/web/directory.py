"""The network-only directory: the public one, plus what partners share inside the network."""

from flask import Blueprint, render_template, request
from flask_login import login_required
from peewee import fn

from portal.store.models import SHAREABLE_FIELDS, Partner, PartnerSector, PartnerTheme, Sector, Theme
from portal.web.helpers import page_number

bp = Blueprint("directory", __name__, url_prefix="/portail")
PER_PAGE = 30


def search(words="", theme=None, sector=None):
    query = Partner.published()
    if words:  # contains() is a case-insensitive LIKE on both engines
        query = query.where(Partner.name.contains(words) | Partner.summary.contains(words))
    if theme:
        # A top-level theme also finds the partners of its sub-themes.
        themes = Theme.select(Theme.id).where((Theme.slug == theme.slug) | (Theme.parent == theme))
        query = query.where(
            Partner.id.in_(PartnerTheme.select(PartnerTheme.partner).where(PartnerTheme.theme.in_(themes)))
        )
    if sector:
        query = query.where(
            Partner.id.in_(PartnerSector.select(PartnerSector.partner).where(PartnerSector.sector == sector))
        )
    return query.order_by(fn.LOWER(Partner.name))


def filter_menus(theme, sector):
    """What the theme and quarter menus of a search read (the directory, the
    referral form): the chosen ones, and the choices (top-level themes only)."""
    return {
        "theme": theme,
        "sector": sector,
        "themes": Theme.select().where(Theme.parent.is_null()).order_by(Theme.label),
        "sectors": Sector.ordered(),
    }


@bp.get("/annuaire")
@login_required
def network_directory():
    words = request.args.get("q", "").strip()[:100]
    theme = Theme.get_or_none(Theme.slug == request.args.get("thematique", ""))
    sector = Sector.get_or_none(Sector.slug == request.args.get("secteur", ""))
    page = page_number()
    query = search(words, theme, sector)
    return render_template(
        "directory.html",
        partners=list(query.paginate(page, PER_PAGE)),
        total=query.count(),
        page=page,
        per_page=PER_PAGE,
        words=words,
        labels=SHAREABLE_FIELDS,
        **filter_menus(theme, sector),
    )
