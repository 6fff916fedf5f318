"""The admin's account form: who the person is, what they may do."""

from wtforms import BooleanField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from portal.store.models import ROLES, Partner
from portal.web.admin.forms import optional_id
from portal.web.fields import ChoiceField, FlaskForm, email_field, options, text


def partner_choices():
    """Structures an account can belong to: registered and not refused or withdrawn."""
    partners = Partner.select().where(Partner.status.in_(("pending", "published"))).order_by(Partner.name)
    return [SelectChoice("", "Aucune (équipe de médiation)")] + [
        SelectChoice(str(partner.id), partner.name) for partner in partners
    ]


class AccountForm(FlaskForm):
    name = text("Nom affiché", 160, required=True)
    role = ChoiceField(
        "Rôle", choices=options(ROLES), radios=True, validators=[DataRequired("Choisissez le rôle.")]
    )
    partner_id = ChoiceField("Structure (comptes partenaires)", choices=partner_choices, coerce=optional_id)
    team = text("Équipe (médiateurs)", 80)

    def validate_partner_id(self, field):
        if self.role.data == "partner" and not field.data:
            raise ValidationError("Un compte partenaire est rattaché à une structure : choisissez-la.")

    def chosen_partner(self):
        return Partner.get_or_none(Partner.id == int(self.partner_id.data)) if self.partner_id.data else None


class InvitationForm(AccountForm):
    email = email_field("Adresse e-mail (son identifiant)")


class EditAccountForm(AccountForm):
    active = BooleanField("Compte actif (décochez pour empêcher toute connexion)")
