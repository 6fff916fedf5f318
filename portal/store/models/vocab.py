"""Vocabularies: each stored code (English) and the French label users read."""

PARTNER_TYPES = {
    "association": "Association",
    "institution": "Institution, service public",
    "collectivite": "Collectivité territoriale",
    "bailleur": "Bailleur social",
    "regie": "Régie de quartier",
    "employeur": "Employeur",
    "sante": "Établissement de santé",
    "autre": "Autre",
}
PARTNER_STATUSES = {
    "pending": "En attente de validation",
    "published": "Publié",
    "rejected": "Refusé",
    "withdrawn": "Retiré de l'annuaire",
}
RECURRENCES = {
    "weekly": "Toutes les semaines (ou toutes les n semaines)",
    "monthly": "Le n-ième jour du mois",
}
WEEKDAYS = {
    "MO": "lundi",
    "TU": "mardi",
    "WE": "mercredi",
    "TH": "jeudi",
    "FR": "vendredi",
    "SA": "samedi",
    "SU": "dimanche",
}
EVENT_KINDS = {
    "rencontre": "Rencontre inter-partenaires",
    "forum-emploi": "Forum emploi",
    "aller-vers": "Aller vers",
    "concertation": "Réunion de concertation",
    "autre": "Autre événement",
}
EVENT_STATUSES = {"scheduled": "Prévu", "cancelled": "Annulé"}
AUDIENCES = {"public": "Ouvert à tous", "partenaires": "Réservé aux partenaires"}
TOPIC_STATUSES = {
    "proposed": "Proposé",
    "accepted": "Retenu",
    "held": "Traité",
    "declined": "Non retenu",
    "merged": "Regroupé avec un autre thème",
}
REGISTRATION_STATUSES = {
    "confirmed": "Confirmée",
    "waitlisted": "Sur liste d'attente",
    "cancelled": "Annulée",
}
ROLES = {"admin": "Administrateur", "mediator": "Médiateur, médiatrice", "partner": "Partenaire"}
STAFF_ROLES = ("admin", "mediator")  # the mediation team, as opposed to partner accounts
REFERRAL_STATUSES = {
    "sent": "Envoyée",
    "seen": "Vue",
    "accepted": "Acceptée",
    "in_care": "Prise en charge",
    "closed": "Clôturée",
    "declined": "Refusée",
    "expired": "Expirée",
    "withdrawn": "Retirée",
}
REFERRAL_OUTCOMES = {
    "resolved": "Résolue",
    "not_resolved": "Non résolue",
    "person_unreachable": "Personne injoignable",
}
DECLINE_REASONS = {
    "hors_competence": "Hors de nos compétences",
    "hors_secteur": "Hors de notre secteur",
    "pas_de_place": "Pas de place actuellement",
    "deja_suivie": "Personne déjà suivie",
    "autre": "Autre raison",
}
URGENCIES = {"normale": "Normale", "urgente": "Urgente"}
CONSENT_METHODS = {
    "oral_face": "À l'oral, en face à face",
    "oral_phone": "À l'oral, par téléphone",
    "written": "Par écrit (formulaire signé)",
    "message": "Par e-mail ou SMS",
}

# Template filters "code -> label", shared by portal pages and emails ({{ user.role | role_label }}).
LABEL_FILTERS = {
    "role_label": ROLES,
    "partner_status_label": PARTNER_STATUSES,
    "partner_type_label": PARTNER_TYPES,
    "event_kind_label": EVENT_KINDS,
    "referral_status_label": REFERRAL_STATUSES,
    "outcome_label": REFERRAL_OUTCOMES,
    "decline_reason_label": DECLINE_REASONS,
    "consent_method_label": CONSENT_METHODS,
}
