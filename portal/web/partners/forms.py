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

from portal.services.datainclusion import clean_email, clean_phone, clean_postcode, clean_siret, clean_website
from portal.store.models import (
    PARTNER_STATUSES,
    PARTNER_TYPES,
    SHARE_LEVELS,
)
from portal.web.fields import REQUIRED, CheckboxesField, ChoiceField, FlaskForm, cleaned, options, strip, text


class PartnerForm(FlaskForm):
    """The public fields, named as in the data·inclusion schema."""

    nom = text("Nom de la structure", 200, required=True)
    siret = text("SIRET (facultatif)", 20, validators=[cleaned(clean_siret)])
    typologie = ChoiceField("Type de structure", choices=lambda: options(PARTNER_TYPES))
    adresse = text("Adresse", 200, required=True)
    complement_adresse = text("Complément d'adresse (facultatif)", 200)
    code_postal = text("Code postal", 5, required=True, validators=[cleaned(clean_postcode)])
    commune = text("Commune", 120, required=True)
    telephone = text("Téléphone d'accueil (facultatif)", 25, validators=[cleaned(clean_phone)])
    courriel = text("E-mail d'accueil (facultatif)", 254, validators=[cleaned(clean_email)])
    site_web = text("Site internet (facultatif)", 300, validators=[cleaned(clean_website)])
    presentation_resume = TextAreaField(
        "Présentation courte (280 caractères au maximum)",
        validators=[DataRequired(REQUIRED), Length(max=280, message="280 caractères au maximum.")],
        filters=[strip],
    )
    presentation_detail = TextAreaField(
        "Présentation détaillée (facultatif)",
        validators=[Optional(), Length(max=5000, message="5 000 caractères au maximum.")],
        filters=[strip],
    )
    thematiques = CheckboxesField(
        "Thématiques", validators=[DataRequired("Choisissez au moins une thématique.")]
    )
    secteurs = CheckboxesField(
        "Quartiers où vous intervenez", validators=[DataRequired("Choisissez au moins un quartier.")]
    )

    def set_choices(self, themes, sectors):
        self.thematiques.choices = [SelectChoice(theme.slug, theme.label) for theme in themes]
        self.secteurs.choices = [SelectChoice(sector.slug, sector.name) for sector in sectors]
        return self


class ContactFields:
    contact_nom = text("Nom de la personne à contacter", 160, required=True)
    contact_courriel = EmailField(
        "Son e-mail",
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(max=254, message="254 caractères au maximum."),
            cleaned(clean_email),
        ],
    )
    contact_telephone = text("Son téléphone (facultatif)", 25, validators=[cleaned(clean_phone)])


class RegistrationForm(ContactFields, PartnerForm):
    consentement = BooleanField(
        "J'accepte que les informations de la structure (tout sauf la personne à contacter) "
        "soient publiées dans l'annuaire public du réseau.",
        validators=[DataRequired("Cochez cette case pour que la structure puisse paraître dans l'annuaire.")],
    )
    # Anti-abuse without tracking: a field people never fill, and the time
    # the form was shown (signed) to refuse robots that post in a blink.
    site_internet_bis = StringField(
        "Ne remplissez pas ce champ", render_kw={"autocomplete": "off", "tabindex": "-1"}
    )
    debut = HiddenField()


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
    courriel = EmailField(
        "E-mail de la personne à contacter de votre structure",
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(max=254, message="254 caractères au maximum."),
            Email("Cette adresse e-mail n'est pas valide.", check_deliverability=False),
        ],
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Motif (il sera envoyé à la structure)",
        filters=[strip],
        validators=[
            DataRequired("Indiquez le motif : la structure le recevra par e-mail."),
            Length(max=2000, message="2 000 caractères au maximum."),
        ],
    )


# -- meetings -------------------------------------------------------------------


class StaffPartnerForm(PartnerForm):
    """A partner as the team enters it: the public fields, the status, and a
    contact person that is optional (the team may not know one yet)."""

    secteurs = CheckboxesField(
        "Quartiers où la structure intervient", validators=[DataRequired("Choisissez au moins un quartier.")]
    )
    statut = ChoiceField("État dans l'annuaire", choices=lambda: options(PARTNER_STATUSES))
    contact_nom = text("Nom de la personne à contacter (facultatif)", 160)
    contact_courriel = text("Son e-mail (facultatif)", 254, validators=[cleaned(clean_email)])
    contact_telephone = text("Son téléphone (facultatif)", 25, validators=[cleaned(clean_phone)])
