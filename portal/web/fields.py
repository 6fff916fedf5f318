"""Form plumbing every feature shares: the form base, fields, cleaners and
their French messages."""

import unicodedata
from datetime import UTC, date, datetime, time

import flask_wtf
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, RadioInput

from portal.services.datainclusion.cleaning import clean_email
from portal.services.schedule import PARIS
from portal.store.models import PARTNER_STATUSES

REQUIRED = "Ce champ est obligatoire."
# The largest whole number every column holds on both engines (PostgreSQL's integer).
MAX_INTEGER = 2**31 - 1
# The days the portal deals in: outside them, date arithmetic (a day after,
# time zones) would overflow, and no event, referral or period is meant there.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)

CONTROL_CHARACTER = (
    "Ce texte contient un caractère invisible qui n'est pas accepté (caractère de contrôle). "
    "Retapez-le, ou collez-le sans mise en forme."
)
LINE_BREAKS = {"\t", "\n", "\r"}  # what a text area may hold besides printable text


def has_control_character(text, multiline=False):
    """NUL, escape, bell…: nothing a person types, and NUL fails on PostgreSQL."""
    return any(
        unicodedata.category(char) == "Cc" and not (multiline and char in LINE_BREAKS) for char in text
    )


class FlaskForm(flask_wtf.FlaskForm):
    """The base of every form of the portal (use it instead of Flask-WTF's):
    no text field accepts a control character, whatever its own validators.

    Checked after them, on the value the form would keep: a validator such as
    Optional() stops the chain and clears earlier errors, it cannot clear this one."""

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in self:
            text = field.data if isinstance(field, StringField) and isinstance(field.data, str) else ""
            if has_control_character(text, multiline=isinstance(field, TextAreaField)):
                field.errors = [*field.errors, CONTROL_CHARACTER]
                valid = False
        return valid


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
    """A drop-down list, or radio buttons (``radios=True``), with a French
    message for a forged value: the one choice field of every form."""

    def __init__(self, *args, radios=False, **kwargs):
        if radios:
            kwargs.setdefault("widget", ListWidget(prefix_label=False))
            kwargs.setdefault("option_widget", RadioInput())
        super().__init__(*args, **kwargs)
        if radios:
            self.label.field_id = False  # a legend names the group, not one input

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
        if self.data is not None and abs(self.data) > MAX_INTEGER:
            self.data = None
            raise ValueError("Ce nombre est trop grand.")


def whole_number(label, default, required="Indiquez un nombre entier, en chiffres."):
    """A whole number the form cannot do without. InputRequired, not DataRequired:
    0 is a number (the first place in a list), not a missing value."""
    return NumberField(label, default=default, validators=[InputRequired(required)])


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


def row_choices(empty, rows, label=lambda row: row.name):
    """A menu of database rows valued by their id, as ``…_id`` columns take it,
    after a first choice '' reading ``empty`` ("Aucun…" where a row is
    optional, "Choisissez…" where one is required)."""
    return [SelectChoice("", empty)] + [SelectChoice(str(row.id), label(row)) for row in rows]


def optional_id(value):
    """A menu's value: a row's id as text, '' for none (never 'None')."""
    return "" if value is None else str(value)


def id_choice(label, **kwargs):
    return ChoiceField(label, coerce=optional_id, **kwargs)


def partner_label(partner):
    """A partner in a menu of the team's pages: one not (or no longer) published says so."""
    if partner.status == "published":
        return partner.name
    return f"{partner.name} ({PARTNER_STATUSES[partner.status]})"


def text(label, max_length, required=False, **kwargs):
    checks = [DataRequired(REQUIRED)] if required else [Optional()]
    checks.append(Length(max=max_length, message=f"{max_length} caractères au maximum."))
    return StringField(label, validators=checks + kwargs.pop("validators", []), filters=[strip], **kwargs)


def email_field(label, required=True):
    """An e-mail address, checked and normalised like the directory's (254 characters at most)."""
    check = DataRequired(REQUIRED) if required else Optional()
    return EmailField(
        label,
        filters=[strip],
        validators=[check, Length(max=254, message="254 caractères au maximum."), cleaned(clean_email)],
    )


def strip(value):
    """Spaces around typed text go; a text field the request did not send at all
    is empty text, like an empty input (WTForms leaves it None, which a text
    column refuses)."""
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else value


INVALID_DATE = "Indiquez une date, par exemple 15/09/2026."
INVALID_TIME = "Indiquez une heure, par exemple 14:30."
# Ranks of the weekday in a month for monthly permanences (-1 = the last one).
MONTH_WEEKS = {"": "—", "1": "1er", "2": "2e", "3": "3e", "4": "4e", "-1": "dernier"}


def within_years(form, field):
    """Every date a form takes lies within the years the portal deals in."""
    if field.data is not None and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(f"Choisissez une date entre le {FIRST_DAY:%d/%m/%Y} et le {LAST_DAY:%d/%m/%Y}.")


def date_field(label, required=True):
    # Browsers send 2026-09-15; someone typing by hand writes 15/09/2026.
    return DateField(
        label,
        format=["%Y-%m-%d", "%d/%m/%Y"],
        invalid_value_message=INVALID_DATE,
        validators=[InputRequired(REQUIRED) if required else Optional(), within_years],
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
