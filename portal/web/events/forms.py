"""Forms of events, meeting registration and topics."""

from datetime import time
from operator import attrgetter

from wtforms import (
    BooleanField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.services.events import EDITABLE
from portal.services.schedule import local
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
    date_field,
    email_field,
    exists_in_paris,
    optional_time_field,
    options,
    paris_moment,
    row_choices,
    strip,
    text,
    whole_number,
)

FORGED_CHOICE = "Ce choix n'existe pas. Rechargez la page et recommencez."


def optional_id(value):
    """'' (the empty choice) is None, '12' is 12; anything else is not an id."""
    if value is None or value == "":
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit() and len(value) < 10):
        return int(value)
    raise ValueError(FORGED_CHOICE)


# The columns of an event that the form types as dates and hours in Paris time.
MOMENTS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def place_label(place):
    """A place in the event form's menu: name, street and town, without the postcode."""
    return ", ".join(filter(None, [place.name, place.address, place.commune]))


class RecordChoiceField(ChoiceField):
    """A choice of record whose data is its id (or None for the empty choice),
    as the model's ``…_id`` column takes it: ``obj=`` and ``populate_obj`` work."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=optional_id, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(FORGED_CHOICE) from None

    def pre_validate(self, form):
        if self.data not in {optional_id(choice.value) for choice in self.choices}:
            raise ValidationError(FORGED_CHOICE)


class MeetingRegistrationForm(FlaskForm):
    organisation = text("Votre structure ou association", 200, required=True)
    contact_name = text("Votre nom", 160, required=True)
    contact_email = email_field("Votre e-mail (pour la confirmation et le lien d'annulation)")
    seats = whole_number("Nombre de places", 1, "Indiquez le nombre de places (un nombre entier).")
    message = TextAreaField(
        "Message pour l'équipe (facultatif)",
        filters=[strip],
        validators=[Optional(), Length(max=1000, message="1 000 caractères au maximum.")],
    )

    def __init__(self, *args, max_seats=5, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_seats = max_seats
        self.seats.render_kw = {"min": 1, "max": max_seats, "inputmode": "numeric"}

    def validate_seats(self, field):
        if field.data is None or not 1 <= field.data <= self.max_seats:
            raise ValidationError(
                f"Choisissez entre 1 et {self.max_seats} place{'s' if self.max_seats > 1 else ''}."
            )


# -- staff administration (portal/admin.py) ---------------------------------------


class EventForm(FlaskForm):
    kind = ChoiceField("Type d'événement", choices=lambda: options(EVENT_KINDS))
    title = text("Titre", 200, required=True)
    topic_id = RecordChoiceField("Thème de la rencontre (facultatif)")
    description = TextAreaField(
        "Description (facultatif)",
        filters=[strip],
        validators=[Optional(), Length(max=5000, message="5 000 caractères au maximum.")],
    )
    place_id = RecordChoiceField("Lieu")
    sector_id = RecordChoiceField("Quartier")
    start_date = date_field("Date")
    start_time = optional_time_field("Heure de début")
    end_date = date_field(
        "Dernier jour (facultatif : vide si l'événement tient en une journée)", required=False
    )
    end_time = optional_time_field("Heure de fin")
    all_day = BooleanField("Toute la journée (sans horaire)")
    capacity = NumberField(
        "Nombre de places (facultatif : vide si les places ne sont pas limitées)", validators=[Optional()]
    )
    max_seats_per_registration = whole_number("Places au maximum par inscription", 5)
    opens_date = date_field("Ouverture des inscriptions : date", required=False)
    opens_time = optional_time_field("Ouverture des inscriptions : heure (facultatif)")
    closes_date = date_field("Clôture des inscriptions : date", required=False)
    closes_time = optional_time_field("Clôture des inscriptions : heure (facultatif)")
    audience = ChoiceField("Pour qui ?", choices=lambda: options(AUDIENCES))

    def set_choices(self, topics, places, sectors):
        self.topic_id.choices = row_choices("Aucun thème", topics, attrgetter("title"))
        self.place_id.choices = row_choices("Lieu à préciser", places, place_label)
        self.sector_id.choices = row_choices("Celui du lieu, ou aucun", sectors)
        return self

    def validate_capacity(self, field):
        if field.data is not None and not 0 <= field.data <= 100_000:
            raise ValidationError(
                "Indiquez un nombre de places positif (0 ferme les inscriptions confirmées)."
            )

    def validate_max_seats_per_registration(self, field):
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
        if ends_at < starts_at or (ends_at == starts_at and not self.all_day.data):
            yield (
                (self.end_date if self.end_date.data else self.end_time),
                "La fin doit être après le début.",
            )
        opens_at, closes_at = self.registration_window()
        if opens_at and closes_at and closes_at <= opens_at:
            yield (
                self.closes_date,
                "La clôture des inscriptions doit être après leur ouverture.",
            )

    def incomplete_times(self):
        """Hours missing, given without their date, or skipped by the clock change."""
        if not self.all_day.data:
            for field in (self.start_time, self.end_time):
                if field.data is None:
                    yield field, "Indiquez l'heure, ou cochez « Toute la journée »."
        pairs = [
            (self.opens_date, self.opens_time),
            (self.closes_date, self.closes_time),
        ]
        if not self.all_day.data:  # an all-day event ignores the hours left in the form
            pairs += [(self.start_date, self.start_time), (self.end_date, self.end_time)]
        for day, at in pairs:
            if at.data is None:
                continue
            if day.data is None and day is not self.end_date:  # no last day = the same day
                yield day, "Indiquez aussi la date."
            elif not exists_in_paris(day.data or self.start_date.data, at.data):
                yield (
                    at,
                    "Cette heure n'existe pas ce jour-là (passage à l'heure d'été) : choisissez-en une autre.",
                )

    def moments(self):
        """(starts_at, ends_at) in aware UTC, from what was typed in Paris time."""
        first, last = self.start_date.data, self.end_date.data or self.start_date.data
        if self.all_day.data:
            return paris_moment(first, time(0)), paris_moment(last, ALL_DAY_END)
        return paris_moment(first, self.start_time.data), paris_moment(last, self.end_time.data)

    # Fields that are the event's columns as they are; the dates and hours
    # become starts_at/ends_at and the registration window.
    COLUMNS = tuple(name for name in EDITABLE if name not in MOMENTS)

    def event_values(self):
        """What the service sets on the event (services.events.EDITABLE)."""
        values = {name: self[name].data for name in self.COLUMNS}
        values["description"] = values["description"] or ""
        values["starts_at"], values["ends_at"] = self.moments()
        values["registration_opens_at"], values["registration_closes_at"] = self.registration_window()
        return values

    @staticmethod
    def moment_fields(event, with_dates=True):
        """The date and hour fields for an event, in Paris time (its other
        fields come from ``obj=event``). A copy gets empty dates (the team
        types the new ones) but keeps the hours."""
        start, end = local(event.starts_at), local(event.ends_at)
        opens, closes = (
            local(moment) if moment else None
            for moment in (event.registration_opens_at, event.registration_closes_at)
        )
        values = {
            "start_time": None if event.all_day else start.time(),
            "end_time": None if event.all_day else end.time(),
            "opens_time": opens.time() if opens else None,
            "closes_time": closes.time() if closes else None,
        }
        if with_dates:
            values.update(
                start_date=start.date(),
                end_date=end.date() if end.date() != start.date() else None,
                opens_date=opens.date() if opens else None,
                closes_date=closes.date() if closes else None,
            )
        return values

    def registration_window(self):
        """(opens_at, closes_at) in aware UTC, None when not given; without an
        hour, registration opens at midnight and closes at the end of the day."""
        opens, closes = self.opens_date.data, self.closes_date.data
        return (
            paris_moment(opens, self.opens_time.data or time(0)) if opens else None,
            paris_moment(closes, self.closes_time.data or ALL_DAY_END) if closes else None,
        )


class ParticipationForm(FlaskForm):
    partner_id = RecordChoiceField("Partenaire", validators=[DataRequired("Choisissez un partenaire.")])
    contribution = text("Ce qu'il propose (facultatif)", 200)

    def set_choices(self, partners):
        self.partner_id.choices = row_choices("Choisissez un partenaire publié", partners)
        return self


class JobOfferForm(FlaskForm):
    title = text("Intitulé du poste", 160, required=True)
    contract = ChoiceField("Contrat", choices=lambda: [SelectChoice(label, label) for label in CONTRACTS])
    without_diploma = BooleanField("Accessible sans diplôme")


class TopicProposalForm(FlaskForm):
    title = text("Le thème, en quelques mots", 160, required=True)
    description = TextAreaField(
        "Pourquoi ce thème ? Quelles questions voudriez-vous aborder, avec qui ?",
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=2000, message="2 000 caractères au maximum.")],
    )


class TopicDeclineForm(FlaskForm):
    reason = TextAreaField(
        "Motif (facultatif, visible de l'équipe seulement)",
        filters=[strip],
        validators=[Optional(), Length(max=2000, message="2 000 caractères au maximum.")],
    )


class TopicMergeForm(FlaskForm):
    merged_into_id = RecordChoiceField(
        "Regrouper avec le thème", validators=[DataRequired("Choisissez un thème retenu.")]
    )

    def set_choices(self, topics):
        self.merged_into_id.choices = row_choices("Choisissez un thème retenu", topics, attrgetter("title"))
        return self
