"""Forms of the staff pages: places, sectors, permanences, closures, changed occurrences.

Field names are the model's columns, so that ``Form(obj=row)`` fills a form
and ``form.populate_obj(row)`` saves it; the few columns stored otherwise
than typed (days as "MO,TH", ids from menus) are converted in populate_obj.
The closure and changed-occurrence forms share the permanence's page: they
get a prefix ("closure-", "change-") so that their fields keep unique ids.
"""

from operator import attrgetter

from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.services.datainclusion.cleaning import clean_insee_code, clean_postcode
from portal.services.schedule import occurrences
from portal.store.models import RECURRENCES, WEEKDAYS
from portal.web.fields import (
    MONTH_WEEKS,
    CheckboxesField,
    ChoiceField,
    FlaskForm,
    cleaned,
    date_field,
    every_n_weeks_options,
    id_choice,
    optional_id,
    options,
    partner_label,
    row_choices,
    strip,
    text,
    time_field,
    whole_number,
)


def long_text(label):
    return TextAreaField(
        label,
        filters=[strip],
        validators=[Optional(), Length(max=1000, message="1 000 caractères au maximum.")],
    )


class RowForm(FlaskForm):
    """populate_obj() stores the menus of ids (``*_id`` fields) as ids, '' as
    none, and leaves out the fields that are not columns of the row."""

    not_columns = ()

    def populate_obj(self, obj):
        for name, field in self._fields.items():
            if name in self.not_columns:
                continue
            field.populate_obj(obj, name)
            if name.endswith("_id"):
                setattr(obj, name, int(field.data) if field.data else None)


def place_name(required=False):
    return text("Nom du lieu", 160, required=required)


def place_address():
    return text("Adresse (facultatif)", 200)


def place_postcode():
    return text("Code postal (facultatif)", 5, validators=[cleaned(clean_postcode)])


def place_commune():
    return text("Commune (facultatif)", 120)


def place_insee_code():
    return text("Code INSEE de la commune (facultatif)", 5, validators=[cleaned(clean_insee_code)])


def place_accessibility():
    return long_text("Accessibilité (facultatif)")


class PlaceForm(RowForm):
    name = place_name(required=True)
    address = place_address()
    postcode = place_postcode()
    commune = place_commune()
    insee_code = place_insee_code()
    sector_id = id_choice("Quartier")
    accessibility = place_accessibility()

    def set_choices(self, sectors):
        self.sector_id.choices = row_choices("Aucun en particulier", sectors)
        return self


class PermanenceForm(RowForm):
    title = text("Titre", 160, required=True)
    partner_id = id_choice("Qui tient la permanence ?")
    sector_id = id_choice("Quartier", validators=[DataRequired("Choisissez le quartier.")])
    place_id = id_choice("Lieu")
    weekdays = CheckboxesField(
        "Jours",
        choices=lambda: [SelectChoice(code, day.capitalize()) for code, day in WEEKDAYS.items()],
        validators=[DataRequired("Cochez au moins un jour.")],
    )
    opens_at = time_field("Heure de début")
    closes_at = time_field("Heure de fin")
    recurrence = ChoiceField("Fréquence", choices=lambda: options(RECURRENCES))
    every_n_weeks = ChoiceField(
        "Si toutes les semaines : à quel rythme ?", choices=every_n_weeks_options, coerce=optional_id
    )
    month_week = ChoiceField(
        "Si le n-ième jour du mois : quelle semaine ?",
        choices=lambda: options(MONTH_WEEKS),
        coerce=optional_id,
    )
    valid_from = date_field("À partir du")
    valid_to = date_field("Jusqu'au (facultatif)", required=False)
    notes = long_text("Informations pour les habitants (facultatif)")
    # A new place, described on the spot when it is not in the menu.
    place_name = place_name()
    place_address = place_address()
    place_postcode = place_postcode()
    place_commune = place_commune()
    place_accessibility = place_accessibility()

    def process(self, formdata=None, obj=None, data=None, **kwargs):
        # The stored "MO,TH" is the checkboxes' ["MO", "TH"].
        if obj is not None and "weekdays" not in kwargs:
            kwargs["weekdays"] = obj.weekday_codes
        super().process(formdata, obj, data, **kwargs)

    not_columns = ("place_name", "place_address", "place_postcode", "place_commune", "place_accessibility")

    def populate_obj(self, obj):
        """The permanence's columns; new_place() gives the new place, if any."""
        super().populate_obj(obj)
        obj.notes = obj.notes or ""
        obj.weekdays = ",".join(code for code in WEEKDAYS if code in self.weekdays.data)  # Monday first
        monthly = self.recurrence.data == "monthly"
        obj.every_n_weeks = 1 if monthly else int(self.every_n_weeks.data)
        obj.month_week = int(self.month_week.data) if monthly else None

    def new_place(self):
        """The place described on the spot, as {column: value}, or None."""
        if self.place_id.data:
            return None
        return {
            "name": self.place_name.data,
            "address": self.place_address.data or "",
            "postcode": self.place_postcode.data or "",
            "commune": self.place_commune.data or "",
            "accessibility": self.place_accessibility.data or "",
        }

    def set_choices(self, partners, sectors, places):
        self.partner_id.choices = row_choices("L'équipe de médiation", partners, partner_label)
        self.sector_id.choices = row_choices("Choisissez un quartier", sectors)
        self.place_id.choices = row_choices(
            "Un nouveau lieu, décrit plus bas", places, attrgetter("one_line")
        )
        return self

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        problems = list(self.inconsistencies())
        for field, message in problems:
            field.errors.append(message)
        return valid and not problems

    def inconsistencies(self):
        """Rules across several fields: (field to flag, French message)."""
        opens, closes = self.opens_at.data, self.closes_at.data
        if opens and closes and closes <= opens:
            yield self.closes_at, "L'heure de fin doit être après l'heure de début."
        if self.recurrence.data == "monthly":
            if not self.month_week.data:
                yield self.month_week, "Pour une permanence mensuelle, choisissez la semaine du mois."
            if len(self.weekdays.data or []) > 1:
                yield self.weekdays, "Pour une permanence mensuelle, cochez un seul jour."
        start, end = self.valid_from.data, self.valid_to.data
        if start and end and end < start:
            yield self.valid_to, "La date de fin ne peut pas être avant la date de début."
        if not self.place_id.data and not self.place_name.data:
            yield (
                self.place_id,
                "Choisissez un lieu dans la liste, ou donnez le nom d'un nouveau lieu plus bas.",
            )
        if self.place_id.data and self.place_name.data:
            yield (
                self.place_name,
                "Vous avez choisi un lieu dans la liste : videz ce champ, ou choisissez « Un nouveau lieu ».",
            )


class PrefixedForm(RowForm):
    """A second form of a page, used with a prefix. Its token is the page's
    csrf_token field, checked for every POST by CSRFProtect (a prefixed form
    would look for "<prefix>-csrf_token")."""

    class Meta:
        csrf = False


class ClosureForm(PrefixedForm):
    """Used with prefix="closure" on the permanence's page."""

    start_date = date_field("Premier jour de fermeture")
    end_date = date_field("Dernier jour (facultatif : vide pour un seul jour)", required=False)
    reason = text("Motif, lu par les habitants (facultatif)", 200)

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("Le dernier jour ne peut pas être avant le premier.")


class OccurrenceChangeForm(PrefixedForm):
    """One occurrence at other hours and/or in another place (prefix="change")."""

    day = date_field("Jour de la permanence concernée")
    opens_at = time_field("Heure de début ce jour-là")
    closes_at = time_field("Heure de fin ce jour-là")
    place_id = id_choice("Lieu ce jour-là")
    note = text("Précision, lue par les habitants (facultatif)", 200)

    def set_choices(self, places, permanence):
        self.permanence = permanence
        self.place_id.choices = row_choices("Le lieu habituel", places, attrgetter("one_line"))
        return self

    def validate_day(self, field):
        """The day must be one the permanence happens: a closed one stays closed."""
        if field.data is None:
            return
        found = dict(occurrences(self.permanence, field.data, field.data))
        if field.data not in found:
            raise ValidationError("Ce jour-là, il n'y a pas de permanence.")
        if found[field.data]:
            raise ValidationError(f"Ce jour-là, il n'y a pas de permanence ({found[field.data]}).")

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError("L'heure de fin doit être après l'heure de début.")


class SectorForm(FlaskForm):
    name = text("Nom du quartier", 120, required=True)
    areas = long_text("Communes et quartiers couverts (facultatif)")
    position = whole_number("Ordre d'affichage (le plus petit en premier)", 0)

    def validate_position(self, field):
        if field.data is not None and not -1000 <= field.data <= 1000:
            raise ValidationError("Indiquez un nombre entre -1000 et 1000.")


# -- events and topics (portal/events.py, portal/topics.py) ---------------------

# What employers write on a forum's job offers; stored as the label itself.
