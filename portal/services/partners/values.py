"""A partner's public fields as one dict, the unit of moderation.

Form fields carry the column names, so a form's ``data`` is such a dict and no
field-to-column map is needed; this module only knows which columns are public
(they wait for moderation once the partner is published) and which are the
contact person's.
"""

from portal.services import rows
from portal.store.models import Partner, PartnerSector, PartnerTheme, Sector, Theme

PUBLIC_COLUMNS = (
    "name",
    "siret",
    "kind",
    "address",
    "address_extra",
    "postcode",
    "commune",
    "phone",
    "email",
    "website",
    "summary",
    "description",
)
CONTACT_COLUMNS = ("contact_name", "contact_email", "contact_phone")


def public_values(data):
    """{column: value, "themes": [slugs], "sectors": [slugs]} from submitted data."""
    values = {column: data.get(column) or "" for column in PUBLIC_COLUMNS}
    values["siret"] = values["siret"] or None  # unique identifier: absent, not blank
    values["themes"] = sorted(data.get("themes") or [])
    values["sectors"] = sorted(data.get("sectors") or [])
    return values


def current_values(partner):
    """The online version, in the same shape."""
    values = {column: getattr(partner, column) for column in PUBLIC_COLUMNS}
    values["themes"] = sorted(theme.slug for theme in partner.themes)
    values["sectors"] = sorted(sector.slug for sector in partner.sectors)
    return values


def apply_public_values(partner, values):
    from portal.services.datainclusion.cleaning import unique_slug

    for column in PUBLIC_COLUMNS:
        setattr(partner, column, values[column])
    if not partner.slug:
        partner.slug = unique_slug(partner.name)
    partner.save()
    PartnerTheme.delete().where(PartnerTheme.partner == partner).execute()
    PartnerSector.delete().where(PartnerSector.partner == partner).execute()
    for theme in Theme.select().where(Theme.slug.in_(values["themes"])):
        PartnerTheme.create(partner=partner, theme=theme)
    for sector in Sector.select().where(Sector.slug.in_(values["sectors"])):
        PartnerSector.create(partner=partner, sector=sector)


def address_of(partner):
    """Where the partner's emails go: the confirmed contact address, else its public one."""
    return partner.contact_email or partner.email


def locked(partner_id):
    """The partner row, locked until the end of the write_lock() transaction."""
    return rows.locked(Partner, partner_id, "Cette structure n'existe pas ou n'existe plus.")
