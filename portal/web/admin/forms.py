"""Forms of the staff pages: places, sectors, permanences, closures, changed occurrences."""

from wtforms import (
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.services.datainclusion import clean_postcode
from portal.services.schedule import occurrences
from portal.store.models import (
    PARTNER_STATUSES,
    RECURRENCES,
    WEEKDAYS,
)
from portal.web.fields import (
    MONTH_WEEKS,
    CheckboxesField,
    ChoiceField,
    FlaskForm,
    NumberField,
    cleaned,
    date_field,
    every_n_weeks_options,
    options,
    strip,
    text,
    time_field,
)


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
