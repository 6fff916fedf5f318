"""Forms of partners: registration, self-service, staff edits, moderation."""

from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.services.datainclusion.cleaning import (
    clean_email,
    clean_phone,
    clean_postcode,
    clean_siret,
    clean_website,
)
from portal.store.models import (
    PARTNER_STATUSES,
    PARTNER_TYPES,
    SHARE_LEVELS,
)
from portal.web.fields import (
    REQUIRED,
    CheckboxesField,
    ChoiceField,
    FlaskForm,
    cleaned,
    email_field,
    options,
    strip,
    text,
)


class PartnerForm(FlaskForm):
    """The public fields, named as the Partner columns (``data`` is what the service takes)."""

    name = text("Nom de la structure", 200, required=True)
    siret = text("SIRET (facultatif)", 20, validators=[cleaned(clean_siret)])
    kind = ChoiceField("Type de structure", choices=lambda: options(PARTNER_TYPES))
    address = text("Adresse", 200, required=True)
    address_extra = text("Complément d'adresse (facultatif)", 200)
    postcode = text("Code postal", 5, required=True, validators=[cleaned(clean_postcode)])
    commune = text("Commune", 120, required=True)
    phone = text("Téléphone d'accueil (facultatif)", 25, validators=[cleaned(clean_phone)])
    email = text("E-mail d'accueil (facultatif)", 254, validators=[cleaned(clean_email)])
    website = text("Site internet (facultatif)", 300, validators=[cleaned(clean_website)])
    summary = TextAreaField(
        "Présentation courte (280 caractères au maximum)",
        validators=[DataRequired(REQUIRED), Length(max=280, message="280 caractères au maximum.")],
        filters=[strip],
    )
    description = TextAreaField(
        "Présentation détaillée (facultatif)",
        validators=[Optional(), Length(max=5000, message="5 000 caractères au maximum.")],
        filters=[strip],
    )
    themes = CheckboxesField("Thématiques", validators=[DataRequired("Choisissez au moins une thématique.")])
    sectors = CheckboxesField(
        "Quartiers où vous intervenez", validators=[DataRequired("Choisissez au moins un quartier.")]
    )

    def set_choices(self, themes, sectors):
        self.themes.choices = [SelectChoice(theme.slug, theme.label) for theme in themes]
        self.sectors.choices = [SelectChoice(sector.slug, sector.name) for sector in sectors]
        return self


class ContactFields:
    contact_name = text("Nom de la personne à contacter", 160, required=True)
    contact_email = email_field("Son e-mail")
    contact_phone = text("Son téléphone (facultatif)", 25, validators=[cleaned(clean_phone)])


class RegistrationForm(ContactFields, PartnerForm):
    consent = BooleanField(
        "J'accepte que les informations de la structure (tout sauf la personne à contacter) "
        "soient publiées dans l'annuaire public du réseau.",
        validators=[DataRequired("Cochez cette case pour que la structure puisse paraître dans l'annuaire.")],
    )
    # Anti-abuse without tracking: a field people never fill, and the time
    # the form was shown (signed) to refuse robots that post in a blink.
    url = StringField("Ne remplissez pas ce champ", render_kw={"autocomplete": "off", "tabindex": "-1"})
    started = HiddenField()


class SelfServiceForm(ContactFields, PartnerForm):
    referral_notes = TextAreaField(
        "Comment nous orienter quelqu'un (démarches, documents à apporter, délais…)",
        validators=[Optional(), Length(max=3000, message="3 000 caractères au maximum.")],
        filters=[strip],
    )
    share_contact_name = ChoiceField(
        "Qui peut voir le nom de la personne à contacter ?", choices=lambda: options(SHARE_LEVELS)
    )
    share_contact_phone = ChoiceField("Qui peut voir son téléphone ?", choices=lambda: options(SHARE_LEVELS))
    share_contact_email = ChoiceField("Qui peut voir son e-mail ?", choices=lambda: options(SHARE_LEVELS))
    share_referral_notes = ChoiceField(
        "Qui peut voir vos consignes d'orientation ?", choices=lambda: options(SHARE_LEVELS)
    )


class LinkRequestForm(FlaskForm):
    email = EmailField(
        "E-mail de la personne à contacter de votre structure",
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(max=254, message="254 caractères au maximum."),
            Email("Cette adresse e-mail n'est pas valide.", check_deliverability=False),
        ],
    )


class ReasonForm(FlaskForm):
    version = HiddenField()
    reason = TextAreaField(
        "Motif (il sera envoyé à la structure)",
        filters=[strip],
        validators=[
            DataRequired("Indiquez le motif : la structure le recevra par e-mail."),
            Length(max=2000, message="2 000 caractères au maximum."),
        ],
    )


# -- staff ---------------------------------------------------------------------


class StaffPartnerForm(PartnerForm):
    """A partner as the team enters it: the public fields and a contact person
    that is optional (the team may not know one yet). Its status changes through
    explicit actions (MoveForm), never through this form."""

    sectors = CheckboxesField(
        "Quartiers où la structure intervient", validators=[DataRequired("Choisissez au moins un quartier.")]
    )
    contact_name = text("Nom de la personne à contacter (facultatif)", 160)
    contact_email = text("Son e-mail (facultatif)", 254, validators=[cleaned(clean_email)])
    contact_phone = text("Son téléphone (facultatif)", 25, validators=[cleaned(clean_phone)])


class MoveForm(FlaskForm):
    """One explicit action on a partner's status, from the staff page."""

    target = ChoiceField(choices=lambda: options(PARTNER_STATUSES))
    reason = TextAreaField(
        "Motif (envoyé à la structure ; obligatoire pour un refus)",
        filters=[strip],
        validators=[Optional(), Length(max=2000, message="2 000 caractères au maximum.")],
    )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if valid and self.target.data == "rejected" and not self.reason.data:
            self.reason.errors.append("Indiquez le motif du refus : la structure le recevra par e-mail.")
            return False
        return valid


class ModerationForm(FlaskForm):
    """Approve or reject, with the version of the request that was shown."""

    version = HiddenField()
