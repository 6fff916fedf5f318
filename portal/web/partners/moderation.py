"""The moderation queue: mediators and admins validate what partners submit.

Each approve or reject form carries the version of the request it showed: if
the partner changed it in between, nothing is done and the new version is shown.
"""

import json

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.services import partners
from portal.services.partners.values import PUBLIC_COLUMNS
from portal.store.models import Partner, Sector, Theme
from portal.web.helpers import settings, staff_required
from portal.web.partners.forms import ModerationForm, PartnerForm, ReasonForm

bp = Blueprint("moderation", __name__, url_prefix="/portail/moderation")
QUEUE_PAGE = 20  # oldest first; each item costs a few queries (duplicates, themes)


def field_labels():
    form = PartnerForm(meta={"csrf": False})
    labels = {column: form[column].label.text for column in PUBLIC_COLUMNS}
    return {**labels, "themes": "Thématiques", "sectors": "Quartiers"}


def readable(column, value):
    if column == "themes":
        return ", ".join(t.label for t in Theme.select().where(Theme.slug.in_(value)).order_by(Theme.label))
    if column == "sectors":
        return ", ".join(s.name for s in Sector.select().where(Sector.slug.in_(value)))
    return value or ""


def changes_of(partner, labels):
    """[(label, online value, proposed value)] of a published partner's pending changes."""
    if partner.status != "published" or not partner.pending_changes:
        return []
    before, after = partners.current_values(partner), json.loads(partner.pending_changes)
    return [
        (labels[column], readable(column, before[column]), readable(column, after[column]))
        for column in labels
        if before[column] != after[column]
    ]


def queue_items():
    labels = field_labels()
    return [
        {
            "partner": partner,
            "changes": changes_of(partner, labels),
            "duplicates": partner.duplicates(),
            "values": [(labels[c], readable(c, v)) for c, v in partners.current_values(partner).items()],
            "version": partners.review_version(partner),
        }
        for partner in Partner.awaiting_moderation().limit(QUEUE_PAGE)
    ]


@bp.get("/", endpoint="queue")
@staff_required
def show_queue(forms=None, status=200):
    return render_template(
        "moderation/queue.html",
        items=queue_items(),
        forms=forms or {},
        waiting=Partner.awaiting_moderation().count(),
        public_url=lambda partner: settings().public_url("partner", partner),
    ), status


def changed_meanwhile(error):
    """409 with the queue as it is now: the moderator sees the new version."""
    flash(str(error), "error")
    return show_queue(status=409)


@bp.post("/<int:partner_id>/approuver")
@staff_required
def approve(partner_id):
    form = ModerationForm()
    if not form.validate_on_submit():
        return show_queue(status=400)
    try:
        partner = partners.approve(
            partner_id, partners.actor_for(current_user), form.version.data, settings=settings()
        )
    except partners.Changed as error:
        return changed_meanwhile(error)
    flash(f"« {partner.name} » est validé : le site public sera mis à jour dans quelques minutes.", "success")
    return redirect(url_for("moderation.queue"))


@bp.post("/<int:partner_id>/refuser")
@staff_required
def reject(partner_id):
    form = ReasonForm()
    if not form.validate_on_submit():
        return show_queue(forms={partner_id: form}, status=400)
    try:
        partner = partners.reject(
            partner_id,
            partners.actor_for(current_user),
            form.version.data,
            form.reason.data,
            settings=settings(),
        )
    except partners.Changed as error:
        return changed_meanwhile(error)
    flash(f"La demande de « {partner.name} » est refusée ; la structure est prévenue par e-mail.", "success")
    return redirect(url_for("moderation.queue"))
