"""Forms of events, meeting registration and topics."""

from datetime import time

from wtforms import (
    BooleanField,
    EmailField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.services.datainclusion import clean_email
from portal.store.models import (
    AUDIENCES,
    EVENT_KINDS,
)
from portal.web.fields import (
    ALL_DAY_END,
    CONTRACTS,
    REQUIRED,
    ChoiceField,
    FlaskForm,
    NumberField,
    cleaned,
    date_field,
    exists_in_paris,
    optional_time_field,
    options,
    paris_moment,
    strip,
    text,
)


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
