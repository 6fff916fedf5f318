"""Forms of the referrals: the hand-off, and each answer to it. Every message is French."""

from datetime import datetime

from wtforms import BooleanField, DateField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.services.datainclusion.cleaning import clean_phone
from portal.services.schedule import PARIS
from portal.store.models import CONSENT_METHODS, DECLINE_REASONS, REFERRAL_OUTCOMES, URGENCIES
from portal.web.fields import (
    ChoiceField,
    FlaskForm,
    cleaned,
    email_field,
    options,
    row_choices,
    strip,
    text,
    within_years,
)

NEED_MAX = 2000
COMMENT_MAX = 1000

BAD_DATE = "Cette date n'est pas valide : choisissez-la dans le calendrier ou écrivez-la comme 23/11/2026."


def day(label, required=None):
    """A date from a browser's date picker. InputRequired, not DataRequired:
    the latter would hide the "not a valid date" message behind "required"."""
    checks = [InputRequired(required)] if required else [Optional()]
    return DateField(label, validators=[*checks, within_years], invalid_value_message=BAD_DATE)


def comment_field(label):
    return TextAreaField(
        label,
        filters=[strip],
        validators=[Optional(), Length(max=COMMENT_MAX, message=f"{COMMENT_MAX} caractères au maximum.")],
    )


def blank(label):
    return [SelectChoice("", label)]


class ReferralForm(FlaskForm):
    """Field names are Referral's columns (partner, theme and sector carry an id or a slug)."""

    partner = ChoiceField(
        "Structure vers qui vous orientez la personne", validators=[DataRequired("Choisissez la structure.")]
    )
    theme = ChoiceField(
        "Thématique du besoin", validators=[DataRequired("Choisissez la thématique du besoin.")]
    )
    sector = ChoiceField("Quartier où vit la personne", validators=[DataRequired("Choisissez le quartier.")])
    person_name = text("Prénom ou initiales de la personne", 80, required=True)
    person_phone = text("Son téléphone", 25, validators=[cleaned(clean_phone)])
    person_email = email_field("Son e-mail", required=False)
    need = TextAreaField(
        "Son besoin, en quelques phrases",
        filters=[strip],
        validators=[
            DataRequired("Décrivez le besoin en quelques phrases."),
            Length(max=NEED_MAX, message=f"{NEED_MAX} caractères au maximum."),
        ],
    )
    urgency = ChoiceField("Urgence", choices=lambda: options(URGENCIES), default="normal", radios=True)
    consent = BooleanField(
        "La personne est d'accord pour que ses coordonnées et son besoin soient transmis à cette structure.",
        validators=[DataRequired("Sans l'accord de la personne, l'orientation ne peut pas être envoyée.")],
    )
    consent_date = day("Date de son accord", required="Indiquez la date de son accord.")
    consent_method = ChoiceField(
        "Comment elle a donné son accord",
        choices=lambda: blank("Choisissez…") + options(CONSENT_METHODS),
        validators=[DataRequired("Indiquez comment la personne a donné son accord.")],
    )

    def set_choices(self, partners, themes, sectors):
        self.partner.choices = row_choices("Choisissez une structure…", partners)
        self.theme.choices = blank("Choisissez une thématique…") + theme_choices(themes)
        self.sector.choices = blank("Choisissez un quartier…") + [
            SelectChoice(s.slug, s.name) for s in sectors
        ]
        return self

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # A hand-off nobody can follow up is useless: one way to reach the person.
        # (Here, not in validate_person_email: Optional() skips inline checks of an empty field.)
        if not self.person_email.data and not self.person_phone.data and not self.person_phone.errors:
            self.person_phone.errors.append(
                "Indiquez au moins un moyen de joindre la personne : téléphone ou e-mail."
            )
            return False
        return valid

    def validate_consent_date(self, field):
        if field.data and field.data > datetime.now(PARIS).date():
            raise ValidationError("La date de l'accord ne peut pas être dans le futur.")


def theme_choices(themes):
    """Sub-themes grouped under their data·inclusion category (one <optgroup> each)."""
    parents = {t.id: t.label for t in themes if t.parent_id is None}
    choices = []
    for theme in sorted(
        themes, key=lambda t: (parents.get(t.parent_id or t.id, ""), t.parent_id is not None, t.label)
    ):
        group = parents.get(theme.parent_id or theme.id)
        label = f"{theme.label} (en général)" if theme.parent_id is None else theme.label
        choices.append(SelectChoice(theme.slug, label, optgroup=group))
    return choices


# -- answers: one small form per action, each with its own prefix so that
# -- several can share a page with unique ids ----------------------------------


class AcceptForm(FlaskForm):
    comment = comment_field("Un mot pour le médiateur (facultatif)")


class DeclineForm(FlaskForm):
    decline_reason = ChoiceField(
        "Motif du refus",
        choices=lambda: blank("Choisissez…") + options(DECLINE_REASONS),
        validators=[DataRequired("Choisissez le motif du refus.")],
    )
    comment = comment_field("Précisions (obligatoires pour « Autre raison »)")

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.decline_reason.data == "other" and not self.comment.data:
            self.comment.errors.append("Expliquez la raison du refus en quelques mots.")
            return False
        return valid


class InCareForm(FlaskForm):
    first_appointment = day("Date du premier rendez-vous (facultatif)")
    comment = comment_field("Un mot pour le médiateur (facultatif)")


class CloseForm(FlaskForm):
    outcome = ChoiceField(
        "Résultat de l'accompagnement",
        choices=lambda: options(REFERRAL_OUTCOMES),
        validators=[DataRequired("Choisissez le résultat.")],
        radios=True,
    )
    comment = comment_field("Un mot pour le médiateur (facultatif)")


class WithdrawForm(FlaskForm):
    comment = comment_field("Pourquoi la retirez-vous ? (facultatif, envoyé à la structure)")


# Action in the URL (French) -> (target status, form class). The target status
# prefixes the form's fields ("accepted-comment"), so that several forms share
# a page with unique ids; the other field names are Referral's columns.
ACTIONS = {
    "accepter": ("accepted", AcceptForm),
    "refuser": ("declined", DeclineForm),
    "prise-en-charge": ("in_care", InCareForm),
    "cloturer": ("closed", CloseForm),
    "retirer": ("withdrawn", WithdrawForm),
}


def answer_forms(formdata=None, only=None):
    """{action: form} with prefixes, for one page; ``only`` binds the posted one."""
    forms = {}
    for action, (target, form_class) in ACTIONS.items():
        bound = formdata if action == only else None
        forms[action] = form_class(formdata=bound, prefix=target)
    return forms


def changes(form):
    """The columns an answer sets besides its comment: its fields, named as them."""
    return {name: field.data for name, field in form._fields.items() if name not in ("comment", "csrf_token")}
