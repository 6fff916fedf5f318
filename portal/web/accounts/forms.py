"""The admin's account forms: who the person is, what they may do."""

from wtforms import BooleanField
from wtforms.validators import DataRequired, ValidationError

from portal.services.accounts import PARTNER_NEEDED
from portal.store.models import ROLES, Partner
from portal.web.fields import (
    ChoiceField,
    FlaskForm,
    email_field,
    id_choice,
    options,
    partner_label,
    row_choices,
    text,
)


class AccountForm(FlaskForm):
    name = text("Nom affiché", 160, required=True)
    role = ChoiceField(
        "Rôle", choices=options(ROLES), radios=True, validators=[DataRequired("Choisissez le rôle.")]
    )
    partner_id = id_choice("Structure (comptes partenaires)")
    team = text("Équipe (médiateurs)", 80)

    def set_partner_choices(self, current=None):
        """Published structures and confirmed registrations (an unconfirmed one is
        deleted after 7 days, with its accounts), plus the account's own, whatever
        it became (refused, withdrawn: the account can still be saved)."""
        confirmed = (Partner.status == "pending") & Partner.confirmed_at.is_null(False)
        usable = (Partner.status == "published") | confirmed
        if current is not None:
            usable |= Partner.id == current
        partners = Partner.select().where(usable).order_by(Partner.name)
        self.partner_id.choices = row_choices("Aucune (équipe de médiation)", partners, partner_label)
        return self

    def validate_partner_id(self, field):
        if self.role.data == "partner" and not field.data:
            raise ValidationError(PARTNER_NEEDED)

    def chosen_partner(self):
        return Partner.get_or_none(Partner.id == int(self.partner_id.data)) if self.partner_id.data else None


class InvitationForm(AccountForm):
    email = email_field("Adresse e-mail (son identifiant)")


class EditAccountForm(AccountForm):
    active = BooleanField("Compte actif (décochez pour empêcher toute connexion)")
