"""Flask-WTF forms. Every message a user reads is French."""

from datetime import UTC, datetime, time

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
from .models import (
    AUDIENCES,
    EVENT_KINDS,
    PARTNER_STATUSES,
    PARTNER_TYPES,
    RECURRENCES,
    SHARE_LEVELS,
    WEEKDAYS,
)
from .schedule import PARIS, occurrences

REQUIRED = "Ce champ est obligatoire."


class LoginForm(FlaskForm):
    email = EmailField(
        "Adresse e-mail",
        validators=[
            DataRequired(REQUIRED),
            Email(
                "Cette adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr).",
                check_deliverability=False,
            ),
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


class MeetingRegistrationForm(FlaskForm):
    organisation = text("Votre structure ou association", 200, required=True)
    nom = text("Votre nom", 160, required=True)
    courriel = EmailField(
        "Votre e-mail (pour la confirmation et le lien d'annulation)",
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(max=254, message="254 caractères au maximum."),
            cleaned(clean_email),
        ],
    )
    places = NumberField(
        "Nombre de places",
        default=1,
        validators=[InputRequired("Indiquez le nombre de places (un nombre entier).")],
    )
    message = TextAreaField(
        "Message pour l'équipe (facultatif)",
        filters=[strip],
        validators=[Optional(), Length(max=1000, message="1 000 caractères au maximum.")],
    )

    def __init__(self, *args, max_seats=5, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_seats = max_seats
        self.places.render_kw = {"min": 1, "max": max_seats, "inputmode": "numeric"}

    def validate_places(self, field):
        if field.data is None or not 1 <= field.data <= self.max_seats:
            raise ValidationError(
                f"Choisissez entre 1 et {self.max_seats} place{'s' if self.max_seats > 1 else ''}."
            )


# -- staff administration (portal/admin.py) ---------------------------------------

INVALID_DATE = "Indiquez une date, par exemple 15/09/2026."
INVALID_TIME = "Indiquez une heure, par exemple 14:30."
# Ranks of the weekday in a month for monthly permanences (-1 = the last one).
MONTH_WEEKS = {"": "—", "1": "1er", "2": "2e", "3": "3e", "4": "4e", "-1": "dernier"}


def date_field(label, required=True):
    # Browsers send 2026-09-15; someone typing by hand writes 15/09/2026.
    return DateField(
        label,
        format=["%Y-%m-%d", "%d/%m/%Y"],
        invalid_value_message=INVALID_DATE,
        validators=[InputRequired(REQUIRED) if required else Optional()],
    )


def time_field(label):
    return TimeField(
        label,
        format=["%H:%M", "%H:%M:%S", "%Hh%M"],
        invalid_value_message=INVALID_TIME,
        validators=[InputRequired(REQUIRED)],
    )


def every_n_weeks_options():
    labels = {1: "Chaque semaine", 2: "Une semaine sur deux"}
    return [SelectChoice(str(n), labels.get(n, f"Toutes les {n} semaines")) for n in range(1, 13)]


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


class PlaceFields:
    """A place; the permanence form embeds them to create its place on the spot."""

    lieu_nom = text("Nom du lieu", 160)
    lieu_adresse = text("Adresse (facultatif)", 200)
    lieu_code_postal = text("Code postal (facultatif)", 5, validators=[cleaned(clean_postcode)])
    lieu_commune = text("Commune (facultatif)", 120)
    lieu_accessibilite = TextAreaField(
        "Accessibilité (facultatif)",
        filters=[strip],
        validators=[Optional(), Length(max=1000, message="1 000 caractères au maximum.")],
    )


class PlaceForm(PlaceFields, FlaskForm):
    lieu_nom = text("Nom du lieu", 160, required=True)
    lieu_secteur = ChoiceField("Quartier")

    def set_choices(self, sectors):
        self.lieu_secteur.choices = [SelectChoice("", "Aucun en particulier")] + [
            SelectChoice(str(sector.id), sector.name) for sector in sectors
        ]
        return self


class PermanenceForm(PlaceFields, FlaskForm):
    titre = text("Titre", 160, required=True)
    partenaire = ChoiceField("Qui tient la permanence ?")
    secteur = ChoiceField("Quartier", validators=[DataRequired("Choisissez le quartier.")])
    lieu = ChoiceField("Lieu")
    jours = CheckboxesField(
        "Jours",
        choices=lambda: [SelectChoice(code, day.capitalize()) for code, day in WEEKDAYS.items()],
        validators=[DataRequired("Cochez au moins un jour.")],
    )
    heure_debut = time_field("Heure de début")
    heure_fin = time_field("Heure de fin")
    recurrence = ChoiceField("Fréquence", choices=lambda: options(RECURRENCES))
    toutes_les_n_semaines = ChoiceField(
        "Si toutes les semaines : à quel rythme ?", choices=every_n_weeks_options
    )
    semaine_du_mois = ChoiceField(
        "Si le n-ième jour du mois : quelle semaine ?", choices=lambda: options(MONTH_WEEKS)
    )
    debut_validite = date_field("À partir du")
    fin_validite = date_field("Jusqu'au (facultatif)", required=False)
    notes = TextAreaField(
        "Informations pour les habitants (facultatif)",
        filters=[strip],
        validators=[Optional(), Length(max=1000, message="1 000 caractères au maximum.")],
    )

    def set_choices(self, partners, sectors, places):
        self.partenaire.choices = [SelectChoice("", "L'équipe de médiation")] + [
            SelectChoice(
                str(p.id), p.name if p.status == "published" else f"{p.name} ({PARTNER_STATUSES[p.status]})"
            )
            for p in partners
        ]
        self.secteur.choices = [SelectChoice("", "Choisissez un quartier")] + [
            SelectChoice(str(sector.id), sector.name) for sector in sectors
        ]
        self.lieu.choices = [SelectChoice("", "Un nouveau lieu, décrit plus bas")] + [
            SelectChoice(str(place.id), ", ".join(filter(None, [place.name, place.address, place.commune])))
            for place in places
        ]
        return self

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        problems = list(self.inconsistencies())
        for field, message in problems:
            field.errors.append(message)
        return valid and not problems

    def inconsistencies(self):
        """Rules across several fields: (field to flag, French message)."""
        opens, closes = self.heure_debut.data, self.heure_fin.data
        if opens and closes and closes <= opens:
            yield self.heure_fin, "L'heure de fin doit être après l'heure de début."
        if self.recurrence.data == "monthly":
            if not self.semaine_du_mois.data:
                yield self.semaine_du_mois, "Pour une permanence mensuelle, choisissez la semaine du mois."
            if len(self.jours.data or []) > 1:
                yield self.jours, "Pour une permanence mensuelle, cochez un seul jour."
        start, end = self.debut_validite.data, self.fin_validite.data
        if start and end and end < start:
            yield self.fin_validite, "La date de fin ne peut pas être avant la date de début."
        if not self.lieu.data and not self.lieu_nom.data:
            yield self.lieu, "Choisissez un lieu dans la liste, ou donnez le nom d'un nouveau lieu plus bas."
        if self.lieu.data and self.lieu_nom.data:
            yield (
                self.lieu_nom,
                "Vous avez choisi un lieu dans la liste : videz ce champ, ou choisissez « Un nouveau lieu ».",
            )


class ClosureForm(FlaskForm):
    fermeture_debut = date_field("Premier jour de fermeture")
    fermeture_fin = date_field("Dernier jour (facultatif : vide pour un seul jour)", required=False)
    fermeture_motif = text("Motif, lu par les habitants (facultatif)", 200)

    def validate_fermeture_fin(self, field):
        if field.data and self.fermeture_debut.data and field.data < self.fermeture_debut.data:
            raise ValidationError("Le dernier jour ne peut pas être avant le premier.")


class OccurrenceChangeForm(FlaskForm):
    """One occurrence at other hours and/or in another place."""

    exception_jour = date_field("Jour de la permanence concernée")
    exception_debut = time_field("Heure de début ce jour-là")
    exception_fin = time_field("Heure de fin ce jour-là")
    exception_lieu = ChoiceField("Lieu ce jour-là")
    exception_note = text("Précision, lue par les habitants (facultatif)", 200)

    def set_choices(self, places, permanence):
        self.permanence = permanence
        self.exception_lieu.choices = [SelectChoice("", "Le lieu habituel")] + [
            SelectChoice(str(place.id), ", ".join(filter(None, [place.name, place.address, place.commune])))
            for place in places
        ]
        return self

    def validate_exception_jour(self, field):
        """The day must be one the permanence happens: a closed one stays closed."""
        if field.data is None:
            return
        found = dict(occurrences(self.permanence, field.data, field.data))
        if field.data not in found:
            raise ValidationError("Ce jour-là, il n'y a pas de permanence.")
        if found[field.data]:
            raise ValidationError(f"Ce jour-là, il n'y a pas de permanence ({found[field.data]}).")

    def validate_exception_fin(self, field):
        if field.data and self.exception_debut.data and field.data <= self.exception_debut.data:
            raise ValidationError("L'heure de fin doit être après l'heure de début.")


class SectorForm(FlaskForm):
    nom = text("Nom du quartier", 120, required=True)
    communes_quartiers = TextAreaField(
        "Communes et quartiers couverts (facultatif)",
        filters=[strip],
        validators=[Optional(), Length(max=1000, message="1 000 caractères au maximum.")],
    )
    ordre = NumberField(
        "Ordre d'affichage (le plus petit en premier)",
        default=0,
        validators=[InputRequired("Indiquez un nombre entier, en chiffres.")],
    )

    def validate_ordre(self, field):
        if field.data is not None and not -1000 <= field.data <= 1000:
            raise ValidationError("Indiquez un nombre entre -1000 et 1000.")


# -- events and topics (portal/events.py, portal/topics.py) ---------------------

# What employers write on a forum's job offers; stored as the label itself.
CONTRACTS = ["CDI", "CDD", "Intérim", "Alternance", "Stage", "Autre"]
ALL_DAY_END = time(23, 59)  # an all-day event lasts until the end of its last day


def optional_time_field(label):
    return TimeField(
        label,
        format=["%H:%M", "%H:%M:%S", "%Hh%M"],
        invalid_value_message=INVALID_TIME,
        validators=[Optional()],
    )


def paris_moment(day, at):
    """A Paris wall-clock date and time as an aware UTC datetime (the storage rule)."""
    return datetime.combine(day, at, tzinfo=PARIS).astimezone(UTC)


def exists_in_paris(day, at):
    """False for the hour skipped when clocks go forward (2:30 on the last Sunday
    of March): zoneinfo would silently move it, and the event with it."""
    return paris_moment(day, at).astimezone(PARIS).replace(tzinfo=None) == datetime.combine(day, at)


class EventForm(FlaskForm):
    type_evenement = ChoiceField("Type d'événement", choices=lambda: options(EVENT_KINDS))
    titre = text("Titre", 200, required=True)
    theme = ChoiceField("Thème de la rencontre (facultatif)")
    description = TextAreaField(
        "Description (facultatif)",
        filters=[strip],
        validators=[Optional(), Length(max=5000, message="5 000 caractères au maximum.")],
    )
    lieu = ChoiceField("Lieu")
    secteur = ChoiceField("Quartier")
    date_debut = date_field("Date")
    heure_debut = optional_time_field("Heure de début")
    date_fin = date_field(
        "Dernier jour (facultatif : vide si l'événement tient en une journée)", required=False
    )
    heure_fin = optional_time_field("Heure de fin")
    journee_entiere = BooleanField("Toute la journée (sans horaire)")
    capacite = NumberField(
        "Nombre de places (facultatif : vide si les places ne sont pas limitées)", validators=[Optional()]
    )
    places_max = NumberField(
        "Places au maximum par inscription",
        default=5,
        validators=[InputRequired("Indiquez un nombre entier, en chiffres.")],
    )
    inscriptions_ouverture_date = date_field("Ouverture des inscriptions : date", required=False)
    inscriptions_ouverture_heure = optional_time_field("Ouverture des inscriptions : heure (facultatif)")
    inscriptions_cloture_date = date_field("Clôture des inscriptions : date", required=False)
    inscriptions_cloture_heure = optional_time_field("Clôture des inscriptions : heure (facultatif)")
    public = ChoiceField("Pour qui ?", choices=lambda: options(AUDIENCES))

    def set_choices(self, topics, places, sectors):
        self.theme.choices = [SelectChoice("", "Aucun thème")] + [
            SelectChoice(str(topic.id), topic.title) for topic in topics
        ]
        self.lieu.choices = [SelectChoice("", "Lieu à préciser")] + [
            SelectChoice(str(place.id), ", ".join(filter(None, [place.name, place.address, place.commune])))
            for place in places
        ]
        self.secteur.choices = [SelectChoice("", "Celui du lieu, ou aucun")] + [
            SelectChoice(str(sector.id), sector.name) for sector in sectors
        ]
        return self

    def validate_capacite(self, field):
        if field.data is not None and not 0 <= field.data <= 100_000:
            raise ValidationError(
                "Indiquez un nombre de places positif (0 ferme les inscriptions confirmées)."
            )

    def validate_places_max(self, field):
        if field.data is not None and not 1 <= field.data <= 100:
            raise ValidationError("Indiquez un nombre entre 1 et 100.")

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        problems = list(self.inconsistencies()) if valid else []
        for field, message in problems:
            field.errors.append(message)
        return valid and not problems

    def inconsistencies(self):
        """Rules across several fields, once each field is valid: (field to flag, French message)."""
        problems = list(self.incomplete_times())
        if problems:  # without every hour, the moments below cannot be computed
            yield from problems
            return
        starts_at, ends_at = self.moments()
        if ends_at < starts_at or (ends_at == starts_at and not self.journee_entiere.data):
            yield (
                (self.date_fin if self.date_fin.data else self.heure_fin),
                "La fin doit être après le début.",
            )
        opens_at, closes_at = self.registration_window()
        if opens_at and closes_at and closes_at <= opens_at:
            yield (
                self.inscriptions_cloture_date,
                "La clôture des inscriptions doit être après leur ouverture.",
            )

    def incomplete_times(self):
        """Hours missing, given without their date, or skipped by the clock change."""
        if not self.journee_entiere.data:
            for field in (self.heure_debut, self.heure_fin):
                if field.data is None:
                    yield field, "Indiquez l'heure, ou cochez « Toute la journée »."
        pairs = [
            (self.inscriptions_ouverture_date, self.inscriptions_ouverture_heure),
            (self.inscriptions_cloture_date, self.inscriptions_cloture_heure),
        ]
        if not self.journee_entiere.data:  # an all-day event ignores the hours left in the form
            pairs += [(self.date_debut, self.heure_debut), (self.date_fin, self.heure_fin)]
        for day, at in pairs:
            if at.data is None:
                continue
            if day.data is None and day is not self.date_fin:  # no last day = the same day
                yield day, "Indiquez aussi la date."
            elif not exists_in_paris(day.data or self.date_debut.data, at.data):
                yield (
                    at,
                    "Cette heure n'existe pas ce jour-là (passage à l'heure d'été) : choisissez-en une autre.",
                )

    def moments(self):
        """(starts_at, ends_at) in aware UTC, from what was typed in Paris time."""
        first, last = self.date_debut.data, self.date_fin.data or self.date_debut.data
        if self.journee_entiere.data:
            return paris_moment(first, time(0)), paris_moment(last, ALL_DAY_END)
        return paris_moment(first, self.heure_debut.data), paris_moment(last, self.heure_fin.data)

    def registration_window(self):
        """(opens_at, closes_at) in aware UTC, None when not given; without an
        hour, registration opens at midnight and closes at the end of the day."""
        opens, closes = self.inscriptions_ouverture_date.data, self.inscriptions_cloture_date.data
        return (
            paris_moment(opens, self.inscriptions_ouverture_heure.data or time(0)) if opens else None,
            paris_moment(closes, self.inscriptions_cloture_heure.data or ALL_DAY_END) if closes else None,
        )


class ParticipationForm(FlaskForm):
    partenaire = ChoiceField("Partenaire", validators=[DataRequired("Choisissez un partenaire.")])
    contribution = text("Ce qu'il propose (facultatif)", 200)

    def set_choices(self, partners):
        self.partenaire.choices = [SelectChoice("", "Choisissez un partenaire publié")] + [
            SelectChoice(str(partner.id), partner.name) for partner in partners
        ]
        return self


class JobOfferForm(FlaskForm):
    intitule = text("Intitulé du poste", 160, required=True)
    contrat = ChoiceField("Contrat", choices=lambda: [SelectChoice(label, label) for label in CONTRACTS])
    sans_diplome = BooleanField("Accessible sans diplôme")


class TopicProposalForm(FlaskForm):
    titre = text("Le thème, en quelques mots", 160, required=True)
    description = TextAreaField(
        "Pourquoi ce thème ? Quelles questions voudriez-vous aborder, avec qui ?",
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=2000, message="2 000 caractères au maximum.")],
    )


class TopicDeclineForm(FlaskForm):
    motif = TextAreaField(
        "Motif (facultatif, visible de l'équipe seulement)",
        filters=[strip],
        validators=[Optional(), Length(max=2000, message="2 000 caractères au maximum.")],
    )


class TopicMergeForm(FlaskForm):
    cible = ChoiceField("Regrouper avec le thème", validators=[DataRequired("Choisissez un thème retenu.")])

    def set_choices(self, topics):
        self.cible.choices = [SelectChoice("", "Choisissez un thème retenu")] + [
            SelectChoice(str(topic.id), topic.title) for topic in topics
        ]
        return self
