"""The moderation queue: mediators and admins validate what partners submit."""

import json

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from portal.mail import outbox as mail
from portal.site.publish import request_rebuild
from portal.store.db import for_update, utcnow, write_lock
from portal.store.models import Partner, Sector, Theme
from portal.web.helpers import roles_required, settings
from portal.web.partners.forms import PartnerForm, ReasonForm
from portal.web.partners.views import PUBLIC_FIELDS, apply_public_values, current_values, self_service_link

bp = Blueprint("moderation", __name__, url_prefix="/portail/moderation")
STAFF = ("admin", "mediator")


def field_labels():
    form = PartnerForm(meta={"csrf": False})
    labels = {column: getattr(form, name).label.text for name, column in PUBLIC_FIELDS.items()}
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
    before, after = current_values(partner), json.loads(partner.pending_changes)
    return [
        (labels[column], readable(column, before[column]), readable(column, after[column]))
        for column in labels
        if before[column] != after[column]
    ]


QUEUE_PAGE = 20  # oldest first; each item costs a few queries (duplicates, themes)


def queue_items():
    labels = field_labels()
    return [
        {
            "partner": partner,
            "changes": changes_of(partner, labels),
            "duplicates": partner.duplicates(),
            "values": [(labels[c], readable(c, v)) for c, v in current_values(partner).items()],
        }
        for partner in Partner.awaiting_moderation().limit(QUEUE_PAGE)
    ]


@bp.get("/", endpoint="queue")
@roles_required(*STAFF)
def show_queue(forms=None, status=200):
    return render_template(
        "moderation/queue.html",
        items=queue_items(),
        forms=forms or {},
        waiting=Partner.awaiting_moderation().count(),
        public_url=lambda partner: settings().public_url("partner", partner),
    ), status


def locked_request(partner_id):
    """The partner row, locked, if it still awaits moderation; else 404/409."""
    partner = for_update(Partner.select().where(Partner.id == partner_id)).get_or_none()
    if partner is None:
        abort(404)
    if partner.id not in {p.id for p in Partner.awaiting_moderation()}:
        abort(409, "Cette demande a déjà été traitée par quelqu'un d'autre.")
    return partner


@bp.post("/<int:partner_id>/approuver")
@roles_required(*STAFF)
def approve(partner_id):
    with write_lock():
        partner = locked_request(partner_id)
        if partner.status == "pending":
            partner.status, partner.published_at = "published", utcnow()
            partner.save()
            template, subject = "partner_approved", "Votre structure est publiée dans l'annuaire"
        else:
            apply_public_values(partner, json.loads(partner.pending_changes))
            partner.pending_changes = ""
            partner.save()
            template, subject = "partner_changes_approved", "Vos modifications sont en ligne"
        if partner.contact_email:  # an imported structure may have no contact person
            mail.queue(
                partner.contact_email,
                subject,
                template,
                partner=partner,
                public_link=settings().public_url("partner", partner),
                link=self_service_link(partner),
                base_url=settings().base_url,
            )
    request_rebuild()
    flash(f"« {partner.name} » est validé : le site public sera mis à jour dans quelques minutes.", "success")
    return redirect(url_for("moderation.queue"))


@bp.post("/<int:partner_id>/refuser")
@roles_required(*STAFF)
def reject(partner_id):
    form = ReasonForm()
    if not form.validate_on_submit():
        return show_queue(forms={partner_id: form}, status=400)
    with write_lock():
        partner = locked_request(partner_id)
        if partner.status == "pending":
            partner.status, partner.rejection_reason = "rejected", form.reason.data
            template, subject = "partner_rejected", "Votre demande d'inscription n'a pas été retenue"
        else:
            partner.pending_changes = ""
            template, subject = "partner_changes_rejected", "Vos modifications n'ont pas été retenues"
        partner.save()
        if partner.contact_email:  # an imported structure may have no contact person
            mail.queue(
                partner.contact_email,
                subject,
                template,
                partner=partner,
                reason=form.reason.data,
                link=self_service_link(partner),
                base_url=settings().base_url,
            )
    flash(f"La demande de « {partner.name} » est refusée ; la structure est prévenue par e-mail.", "success")
    return redirect(url_for("moderation.queue"))
