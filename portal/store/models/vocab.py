"""Vocabularies: each stored code (English) and the French label users read."""

PARTNER_TYPES = {
    "association": "Association",
    "public_service": "Institution, service public",
    "local_authority": "Collectivité territoriale",
    "social_landlord": "Bailleur social",
    "neighbourhood_enterprise": "Régie de quartier",
    "employer": "Employeur",
    "health": "Établissement de santé",
    "other": "Autre",
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
    "partner_meeting": "Rencontre inter-partenaires",
    "job_fair": "Forum emploi",
    "outreach": "Aller vers",
    "consultation": "Réunion de concertation",
    "other": "Autre événement",
}
# Each kind of event in public addresses (the feed calendrier/type/<slug>.ics,
# the site's agenda/type/<slug>/): the French words these addresses always had,
# so subscriptions and links keep working.
EVENT_KIND_SLUGS = {
    "partner_meeting": "rencontre",
    "job_fair": "forum-emploi",
    "outreach": "aller-vers",
    "consultation": "concertation",
    "other": "autre",
}
EVENT_KIND_BY_SLUG = {slug: code for code, slug in EVENT_KIND_SLUGS.items()}
EVENT_STATUSES = {"scheduled": "Prévu", "cancelled": "Annulé"}
AUDIENCES = {"public": "Ouvert à tous", "partners": "Réservé aux partenaires"}
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
    "out_of_scope": "Hors de nos compétences",
    "out_of_area": "Hors de notre secteur",
    "no_capacity": "Pas de place actuellement",
    "already_followed": "Personne déjà suivie",
    "other": "Autre raison",
}
URGENCIES = {"normal": "Normale", "urgent": "Urgente"}
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
