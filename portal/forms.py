"""Flask-WTF forms. Every message a user reads is French."""
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .datainclusion import clean_email, clean_phone, clean_postcode, clean_siret, clean_website
from .models import PARTNER_STATUSES, PARTNER_TYPES, RECURRENCES, SHARE_LEVELS, WEEKDAYS

REQUIRED = "Ce champ est obligatoire."


class LoginForm(FlaskForm):
    email = EmailField(
        "Adresse e-mail",
        validators=[
            DataRequired(REQUIRED),
            Email("Cette adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr).", check_deliverability=False),
            Length(max=254, message="Cette adresse est trop longue."),
        ],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Mot de passe",
        validators=[DataRequired(REQUIRED), Length(max=200, message="Ce mot de passe est trop long.")],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Rester connecté sur cet appareil")


# -- partners -------------------------------------------------------------------


def cleaned(cleaner):
    """A WTForms validator from a datainclusion cleaner: normalises the value
    (SIRET without spaces, phone as '04 65 71 40 00') or explains in French."""

    def validate(form, field):
        try:
            field.data = cleaner(field.data)
        except ValueError as error:
            message = str(error)
            raise ValidationError(message[0].upper() + message[1:] + ".") from None

    return validate


class ChoiceField(SelectField):
    """A drop-down list with a French message for a forged value."""

    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError("Ce choix n'existe pas. Rechargez la page et recommencez.")


class NumberField(IntegerField):
    """A whole number, with a French message when it is not one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Indiquez un nombre entier, en chiffres.") from None


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes, with a French message for a forged value."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        known = {choice.value for choice in self.choices}
        if any(value not in known for value in self.data or []):
            raise ValidationError("Un des choix envoyés n'existe pas. Rechargez la page et recommencez.")


def options(vocabulary):
    return [SelectChoice(code, label) for code, label in vocabulary.items()]


def text(label, max_length, required=False, **kwargs):
    checks = [DataRequired(REQUIRED)] if required else [Optional()]
    checks.append(Length(max=max_length, message=f"{max_length} caractères au maximum."))
    return StringField(label, validators=checks + kwargs.pop("validators", []), filters=[strip], **kwargs)


def strip(value):
    return value.strip() if isinstance(value, str) else value


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
        validators=[DataRequired(REQUIRED), Length(max=280, message="280 caractères au maximum.")], filters=[strip])
    presentation_detail = TextAreaField(
        "Présentation détaillée (facultatif)", validators=[Optional(), Length(max=5000, message="5 000 caractères au maximum.")],
        filters=[strip])
    thematiques = CheckboxesField("Thématiques", validators=[DataRequired("Choisissez au moins une thématique.")])
    secteurs = CheckboxesField("Quartiers où vous intervenez", validators=[DataRequired("Choisissez au moins un quartier.")])

    def set_choices(self, themes, sectors):
        self.thematiques.choices = [SelectChoice(theme.slug, theme.label) for theme in themes]
        self.secteurs.choices = [SelectChoice(sector.slug, sector.name) for sector in sectors]
        return self


class ContactFields:
    contact_nom = text("Nom de la personne à contacter", 160, required=True)
    contact_courriel = EmailField(
        "Son e-mail", filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=254, message="254 caractères au maximum."),
                    cleaned(clean_email)])
    contact_telephone = text("Son téléphone (facultatif)", 25, validators=[cleaned(clean_phone)])


class RegistrationForm(ContactFields, PartnerForm):
    consentement = BooleanField(
        "J'accepte que les informations de la structure (tout sauf la personne à contacter) "
        "soient publiées dans l'annuaire public du réseau.",
        validators=[DataRequired("Cochez cette case pour que la structure puisse paraître dans l'annuaire.")])
    # Anti-abuse without tracking: a field people never fill, and the time
    # the form was shown (signed) to refuse robots that post in a blink.
    site_internet_bis = StringField("Ne remplissez pas ce champ", render_kw={"autocomplete": "off", "tabindex": "-1"})
    debut = HiddenField()


class SelfServiceForm(ContactFields, PartnerForm):
    referral_notes = TextAreaField(
        "Comment nous orienter quelqu'un (démarches, documents à apporter, délais…)",
        validators=[Optional(), Length(max=3000, message="3 000 caractères au maximum.")], filters=[strip])
    share_contact_name = ChoiceField("Qui peut voir le nom de la personne à contacter ?", choices=lambda: options(SHARE_LEVELS))
    share_contact_phone = ChoiceField("Qui peut voir son téléphone ?", choices=lambda: options(SHARE_LEVELS))
    share_contact_email = ChoiceField("Qui peut voir son e-mail ?", choices=lambda: options(SHARE_LEVELS))
    share_referral_notes = ChoiceField("Qui peut voir vos consignes d'orientation ?", choices=lambda: options(SHARE_LEVELS))


class LinkRequestForm(FlaskForm):
    courriel = EmailField(
        "E-mail de la personne à contacter de votre structure", filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=254, message="254 caractères au maximum."),
                    Email("Cette adresse e-mail n'est pas valide.", check_deliverability=False)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Motif (il sera envoyé à la structure)", filters=[strip],
        validators=[DataRequired("Indiquez le motif : la structure le recevra par e-mail."),
                    Length(max=2000, message="2 000 caractères au maximum.")])


# -- meetings -------------------------------------------------------------------


class MeetingRegistrationForm(FlaskForm):
    organisation = text("Votre structure ou association", 200, required=True)
    nom = text("Votre nom", 160, required=True)
    courriel = EmailField(
        "Votre e-mail (pour la confirmation et le lien d'annulation)", filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=254, message="254 caractères au maximum."),
                    cleaned(clean_email)])
    places = NumberField("Nombre de places", default=1,
                          validators=[InputRequired("Indiquez le nombre de places (un nombre entier).")])
    message = TextAreaField("Message pour l'équipe (facultatif)", filters=[strip],
                            validators=[Optional(), Length(max=1000, message="1 000 caractères au maximum.")])

    def __init__(self, *args, max_seats=5, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_seats = max_seats
        self.places.render_kw = {"min": 1, "max": max_seats, "inputmode": "numeric"}

    def validate_places(self, field):
        if field.data is None or not 1 <= field.data <= self.max_seats:
            raise ValidationError(f"Choisissez entre 1 et {self.max_seats} place{'s' if self.max_seats > 1 else ''}.")
