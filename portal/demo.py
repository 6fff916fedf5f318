"""A realistic, fictional demo dataset: the partner network of a régie de quartiers.

Setting: the Régie de quartiers du Carcassonnais (Aude) and its four sectors.
Every person is invented; organisations are generic types (CAF, CMP, MDS…) or
invented names; e-mail addresses, websites and SIRET are fictional, and phone
numbers are in the ranges ARCEP reserves for fiction (04 65 71, 06 39 98).

``load_demo()`` is idempotent: each row is looked up by a natural key (slug,
name, title…) and created only when missing, so it can be run again safely.
Dates are relative to ``today`` so the calendar always has past and upcoming items.
"""

import datetime as dt
import secrets
from zoneinfo import ZoneInfo

from portal.store.db import db, utcnow
from portal.store.models import (
    Closure,
    Event,
    EventPartner,
    JobOffer,
    Partner,
    PartnerSector,
    PartnerTheme,
    Permanence,
    Place,
    Referral,
    ReferralTransition,
    Registration,
    Sector,
    Theme,
    Topic,
    User,
    slugify,
)

PARIS = ZoneInfo("Europe/Paris")
CITY = {"postcode": "11000", "commune": "Carcassonne"}

# -- demo accounts: (role, French label, email, password, name, partner name) --

ACCOUNTS = [
    ("admin", "Administrateur", "admin@relais.example", "demo-admin-2026", "Claire Fabre", None),
    ("mediator", "Médiatrice", "mediatrice@relais.example", "demo-mediation-2026", "Samira Oulhadj", None),
    (
        "partner",
        "Partenaire",
        "partenaire@relais.example",
        "demo-partenaire-2026",
        "Gérard Pujol",
        "Amicale des locataires de La Conte et Joliot Curie",
    ),
]

# -- sectors and places -----------------------------------------------------

SECTORS = [
    ("La Conte et Joliot Curie", "Quartiers de La Conte et de Joliot Curie, Carcassonne"),
    ("Viguier et Saint Jacques", "Quartiers du Viguier et de Saint-Jacques, Carcassonne"),
    ("Ozanam et Albignac", "Quartiers d'Ozanam et d'Albignac, Carcassonne"),
    ("Grazailles et Fleming", "Quartiers de Grazailles et de Fleming, Carcassonne"),
]

# (name, address, sector name or None, accessibility)
PLACES = [
    (
        "Local de médiation Joliot Curie",
        "4 allée des Genêts",
        "La Conte et Joliot Curie",
        "Rez-de-chaussée, entrée de plain-pied, accessible en fauteuil roulant.",
    ),
    (
        "Maison de quartier de La Conte",
        "18 rue des Cigales",
        "La Conte et Joliot Curie",
        "Salle au rez-de-chaussée, rampe d'accès ; toilettes adaptées.",
    ),
    (
        "Square des Micocouliers, sous le barnum",
        "Square des Micocouliers, angle rue des Cigales",
        "La Conte et Joliot Curie",
        "Espace public de plain-pied ; bancs et ombre. Repli au local de médiation en cas de pluie.",
    ),
    (
        "Maison de quartier du Viguier",
        "7 place des Tilleuls",
        "Viguier et Saint Jacques",
        "Accès de plain-pied ; boucle magnétique à l'accueil.",
    ),
    (
        "Local associatif Saint-Jacques",
        "22 rue des Lavandières",
        "Viguier et Saint Jacques",
        "Au premier étage sans ascenseur : rendez-vous possible au rez-de-chaussée sur demande.",
    ),
    (
        "Centre social Ozanam",
        "3 avenue des Pins",
        "Ozanam et Albignac",
        "Bâtiment accessible, ascenseur, places de stationnement réservées devant l'entrée.",
    ),
    (
        "Local de la Régie à Albignac",
        "11 rue des Amandiers",
        "Ozanam et Albignac",
        "Rez-de-chaussée, une marche de 5 cm à l'entrée ; sonnette à hauteur de fauteuil.",
    ),
    (
        "Place des Oliviers, sous le barnum",
        "Place des Oliviers, devant la pharmacie",
        "Ozanam et Albignac",
        "Espace public de plain-pied, arrêt de bus à 50 m.",
    ),
    (
        "Maison des services de Grazailles",
        "9 rue des Capucines",
        "Grazailles et Fleming",
        "Accessible en fauteuil roulant ; espace d'attente avec jeux pour les enfants.",
    ),
    (
        "Local de médiation Fleming",
        "2 impasse des Acacias",
        "Grazailles et Fleming",
        "Rez-de-chaussée, porte large ; pas de toilettes accessibles sur place.",
    ),
    (
        "Square des Lauriers, sous le barnum",
        "Square des Lauriers, près de l'aire de jeux",
        "Grazailles et Fleming",
        "Espace public de plain-pied, cheminement stabilisé.",
    ),
    (
        "Gymnase des Platanes",
        "35 boulevard des Platanes",
        "Grazailles et Fleming",
        "Salle de sport de plain-pied, parking de 80 places dont 4 réservées ; vestiaires accessibles.",
    ),
]

# -- partners ---------------------------------------------------------------
# Each partner: name, kind, summary (≤ 280 characters), description, address,
# phone, email, website, contact (name, email, phone), themes, sectors ("all"
# or a list of sector names), optional status (default "published") and siret
# (an 8-digit SIREN body and a 4-digit NIC: check digits are computed).

ALL = "all"
S1, S2, S3, S4 = (name for name, _ in SECTORS)

NETWORK_PARTNERS = [
    {
        "name": "Régie de quartiers du Carcassonnais",
        "kind": "neighbourhood_enterprise",
        "summary": "Médiation sociale, tranquillité publique et cadre de vie dans les quartiers de Carcassonne : "
        "permanences, « aller vers » et rencontres inter-partenaires.",
        "description": "L'équipe de médiateurs de la Régie intervient sur quatre secteurs. Elle pacifie les "
        "relations de voisinage, facilite l'accès aux droits et oriente les habitants vers les partenaires "
        "du réseau. Elle organise les rencontres inter-partenaires et les cafés « aller vers ».",
        "address": "14 rue des Genêts",
        "phone": "04 65 71 20 30",
        "email": "mediation@regie-carcassonnais.example",
        "website": "https://regie-carcassonnais.example",
        "contact": ("Claire Fabre", "c.fabre@regie-carcassonnais.example", "04 65 71 20 31"),
        "themes": ["remobilisation--lien-social", "logement-hebergement--se-maintenir-dans-le-logement"],
        "sectors": ALL,
        "siret": ("41297350", "0027"),
    },
    {
        "name": "CAF de l'Aude",
        "kind": "public_service",
        "summary": "Prestations familiales, aides au logement, RSA et prime d'activité ; accompagnement "
        "des familles par les travailleurs sociaux de la CAF.",
        "description": "La Caisse d'allocations familiales reçoit sur rendez-vous dans les quartiers. "
        "Ses travailleurs sociaux accompagnent les familles qui traversent une séparation, un deuil "
        "ou des difficultés de logement, en lien avec les médiateurs.",
        "address": "10 rue des Remparts",
        "phone": "04 65 71 40 00",
        "email": "partenaires@caf-aude.example",
        "website": "https://caf-aude.example",
        "contact": ("Isabelle Roques", "i.roques@caf-aude.example", "04 65 71 40 12"),
        "themes": [
            "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits",
            "famille",
            "logement-hebergement--reduire-les-impayes-de-loyer",
        ],
        "sectors": ALL,
    },
    {
        "name": "Centre médico-psychologique adultes de Carcassonne",
        "kind": "health",
        "summary": "CMP : consultations de psychiatrie et de soutien psychologique pour adultes, "
        "sans avance de frais, sur rendez-vous.",
        "description": "Le CMP accueille les adultes en souffrance psychique : premier entretien infirmier, "
        "consultations avec un psychiatre ou un psychologue, visites à domicile. Les médiateurs peuvent "
        "y orienter une personne avec son accord.",
        "address": "5 rue du Docteur Laffon",
        "phone": "04 65 71 52 60",
        "email": "cmp-adultes@ch-carcassonne.example",
        "website": "",
        "contact": ("Marc Estève", "m.esteve@ch-carcassonne.example", "04 65 71 52 61"),
        "themes": ["sante--sante-mentale", "sante--acces-aux-soins"],
        "sectors": ALL,
    },
    {
        "name": "Maison départementale des solidarités Carcassonne Est",
        "kind": "public_service",
        "summary": "Service social départemental : accueil, accompagnement social, protection de "
        "l'enfance et PMI pour l'est de Carcassonne.",
        "description": "Les assistantes sociales de la MDS reçoivent sur rendez-vous et lors de permanences "
        "dans les quartiers. Elles instruisent les demandes d'aides (FSL, aides financières) et "
        "accompagnent les familles.",
        "address": "27 avenue des Mimosas",
        "phone": "04 65 71 61 00",
        "email": "mds-est@aude-solidarites.example",
        "website": "",
        "contact": ("Sophie Marty", "s.marty@aude-solidarites.example", "04 65 71 61 07"),
        "themes": [
            "difficultes-financieres",
            "famille--soutien-a-la-parentalite-et-a-leducation",
            "logement-hebergement--se-maintenir-dans-le-logement",
        ],
        "sectors": [S1, S2],
    },
    {
        "name": "Maison départementale des solidarités Carcassonne Ouest",
        "kind": "public_service",
        "summary": "Service social départemental pour l'ouest de Carcassonne : accompagnement social, "
        "aides financières, PMI.",
        "description": "La MDS Ouest couvre Ozanam, Albignac, Grazailles et Fleming. Une assistante sociale "
        "tient une permanence hebdomadaire à la Maison des services de Grazailles.",
        "address": "3 rue des Hirondelles",
        "phone": "04 65 71 62 00",
        "email": "mds-ouest@aude-solidarites.example",
        "website": "",
        "contact": ("Karim Haddad", "k.haddad@aude-solidarites.example", "04 65 71 62 04"),
        "themes": [
            "difficultes-financieres",
            "famille",
            "logement-hebergement--reduire-les-impayes-de-loyer",
        ],
        "sectors": [S3, S4],
    },
    {
        "name": "France Travail Carcassonne",
        "kind": "public_service",
        "summary": "Inscription, indemnisation et accompagnement des demandeurs d'emploi ; "
        "offres d'emploi du bassin carcassonnais.",
        "description": "L'agence accompagne les demandeurs d'emploi et les employeurs. Un conseiller "
        "référent quartiers prioritaires travaille avec la Régie à la préparation du forum emploi.",
        "address": "40 avenue du Général Leclerc",
        "phone": "04 65 71 70 00",
        "email": "quartiers.carcassonne@francetravail.example",
        "website": "https://francetravail.example",
        "contact": ("Julien Carrère", "j.carrere@francetravail.example", "04 65 71 70 15"),
        "themes": ["trouver-un-emploi", "preparer-sa-candidature", "se-former--trouver-sa-formation"],
        "sectors": ALL,
    },
    {
        "name": "Mission locale du Carcassonnais",
        "kind": "association",
        "summary": "Accompagnement des 16-25 ans vers l'emploi, la formation, le logement et la santé ; "
        "Contrat d'engagement jeune.",
        "description": "La Mission locale reçoit les jeunes sans rendez-vous le mercredi. Ses conseillers "
        "viennent aux cafés « aller vers » pour rencontrer les jeunes qui ne poussent pas sa porte.",
        "address": "8 rue Antoine Marty",
        "phone": "04 65 71 72 40",
        "email": "accueil@missionlocale-carcassonnais.example",
        "website": "https://missionlocale-carcassonnais.example",
        "contact": ("Laura Bonnafous", "l.bonnafous@missionlocale-carcassonnais.example", "06 39 98 56 78"),
        "themes": ["trouver-un-emploi", "se-former", "choisir-un-metier"],
        "sectors": ALL,
        "siret": ("38412765", "0015"),
    },
    {
        "name": "CCAS de Carcassonne",
        "kind": "local_authority",
        "summary": "Centre communal d'action sociale : domiciliation, aides facultatives, "
        "accompagnement des personnes âgées et isolées.",
        "description": "Le CCAS instruit les aides facultatives de la Ville (secours d'urgence, aide à "
        "l'énergie), assure la domiciliation et tient le registre des personnes vulnérables en cas "
        "de canicule.",
        "address": "1 place de la Mairie",
        "phone": "04 65 71 80 00",
        "email": "ccas@ville-carcassonne.example",
        "website": "",
        "contact": ("Nathalie Py", "n.py@ville-carcassonne.example", "04 65 71 80 09"),
        "themes": [
            "difficultes-financieres--prevenir-une-degradation-de-la-situation-financiere",
            "famille--prise-en-charge-personne-dependante",
        ],
        "sectors": ALL,
    },
    {
        "name": "Amicale des locataires de La Conte et Joliot Curie",
        "kind": "association",
        "summary": "Association de locataires : représentation auprès du bailleur, charges locatives, "
        "travaux et vie de la résidence.",
        "description": "L'amicale défend les locataires auprès du bailleur (charges, réparations, "
        "chauffage) et anime des moments conviviaux. Elle tient une permanence mensuelle à la "
        "Maison de quartier de La Conte.",
        "address": "18 rue des Cigales",
        "phone": "06 39 98 67 81",
        "email": "amicale.laconte@locataires.example",
        "website": "",
        "contact": ("Gérard Pujol", "g.pujol@locataires.example", "06 39 98 67 81"),
        "themes": ["logement-hebergement", "logement-hebergement--se-maintenir-dans-le-logement"],
        "sectors": [S1],
        "siret": ("79845162", "0012"),
    },
    {
        "name": "Union des locataires de Grazailles et Fleming",
        "kind": "association",
        "summary": "Association de locataires de Grazailles et Fleming : charges, état des logements, "
        "cadre de vie, concertation sur les projets de rénovation.",
        "description": "L'union participe aux réunions de concertation avec le bailleur et la Ville. "
        "Elle aide les locataires à contester une régularisation de charges et à signaler les "
        "désordres techniques.",
        "address": "9 rue des Capucines",
        "phone": "06 39 98 78 12",
        "email": "union.grazailles@locataires.example",
        "website": "",
        "contact": ("Fatima Zeroual", "f.zeroual@locataires.example", "06 39 98 78 12"),
        "themes": ["logement-hebergement", "logement-hebergement--reduire-les-impayes-de-loyer"],
        "sectors": [S4],
    },
    {
        "name": "Horizon Addictions Aude",
        "kind": "health",
        "summary": "CSAPA : accueil, soins et prévention en addictologie (alcool, tabac, cannabis, jeux), "
        "consultations jeunes consommateurs.",
        "description": "Le centre de soins, d'accompagnement et de prévention en addictologie reçoit "
        "gratuitement et de façon anonyme les personnes et leur entourage. Son équipe intervient "
        "à la prochaine rencontre inter-partenaires sur les addictions.",
        "address": "12 rue de la Liberté",
        "phone": "04 65 71 54 30",
        "email": "accueil@horizon-addictions.example",
        "website": "https://horizon-addictions.example",
        "contact": ("Thomas Garcia", "t.garcia@horizon-addictions.example", "04 65 71 54 32"),
        "themes": ["sante--addictions", "sante--acces-aux-soins"],
        "sectors": ALL,
    },
    {
        "name": "GEM Le Phare",
        "kind": "association",
        "summary": "Groupe d'entraide mutuelle : un lieu d'accueil et d'activités géré par et pour "
        "des personnes vivant avec des troubles psychiques.",
        "description": "Le GEM propose des activités collectives (cuisine, sorties, jardin) pour rompre "
        "l'isolement. Ses adhérents ont témoigné à la rencontre inter-partenaires sur la santé mentale.",
        "address": "6 rue des Orangers",
        "phone": "04 65 71 55 10",
        "email": "accueil@gem-carcassonne.example",
        "website": "",
        "contact": ("Élodie Ramon", "e.ramon@gem-carcassonne.example", "06 39 98 81 23"),
        "themes": [
            "sante--sante-mentale",
            "remobilisation--lien-social",
            "remobilisation--bien-etre-confiance-en-soi",
        ],
        "sectors": ALL,
        "siret": ("81123456", "0019"),
    },
    {
        "name": "Clic & Droits",
        "kind": "association",
        "summary": "Espace labellisé France Services et médiation numérique : aide aux démarches en ligne, "
        "ateliers d'initiation, prêt d'ordinateurs.",
        "description": "Les conseillers numériques accompagnent les démarches CAF, impôts, ANTS et France "
        "Travail, et animent des ateliers pour apprendre à utiliser un smartphone ou une messagerie.",
        "address": "7 place des Tilleuls",
        "phone": "04 65 71 90 20",
        "email": "contact@clic-et-droits.example",
        "website": "https://clic-et-droits.example",
        "contact": ("Yannick Bertrand", "y.bertrand@clic-et-droits.example", "04 65 71 90 21"),
        "themes": [
            "numerique",
            "numerique--acceder-a-des-services-en-ligne",
            "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
        ],
        "sectors": [S2, S3],
    },
    {
        "name": "Familles en Carcassonnais",
        "kind": "association",
        "summary": "Association familiale : soutien à la parentalité, médiation familiale, "
        "aide aux devoirs et lieu d'accueil enfants-parents.",
        "description": "L'association accueille les parents et leurs jeunes enfants, propose des groupes "
        "de parole et une médiation familiale en cas de séparation.",
        "address": "3 avenue des Pins",
        "phone": "04 65 71 56 70",
        "email": "bonjour@familles-carcassonnais.example",
        "website": "",
        "contact": ("Mélanie Ortiz", "m.ortiz@familles-carcassonnais.example", "04 65 71 56 71"),
        "themes": [
            "famille--soutien-a-la-parentalite-et-a-leducation",
            "famille--surmonter-conflits-separation-violence",
        ],
        "sectors": [S3, S4],
    },
    {
        "name": "Mobil'Aude",
        "kind": "association",
        "summary": "Garage solidaire et auto-école sociale : réparations à prix réduit, location de "
        "véhicules et de scooters, préparation au permis.",
        "description": "Mobil'Aude lève les freins de mobilité vers l'emploi : diagnostic mobilité, code "
        "et conduite à tarif adapté, location de véhicules pour une prise de poste.",
        "address": "Zone artisanale des Chênes, 15 rue des Artisans",
        "phone": "04 65 71 57 80",
        "email": "garage@mobil-aude.example",
        "website": "https://mobil-aude.example",
        "contact": ("Rachid Belkacem", "r.belkacem@mobil-aude.example", "06 39 98 12 34"),
        "themes": ["mobilite", "mobilite--preparer-un-permis", "mobilite--entretenir-reparer-son-vehicule"],
        "sectors": ALL,
        "siret": ("50298374", "0021"),
    },
    {
        "name": "Point-justice de Carcassonne",
        "kind": "public_service",
        "summary": "Information juridique gratuite et confidentielle : consultations d'avocats, "
        "conciliateur de justice, aide aux victimes.",
        "description": "Le point-justice, animé par le conseil départemental de l'accès au droit, tient "
        "des consultations juridiques gratuites dans les quartiers, sur rendez-vous.",
        "address": "2 rue du Palais",
        "phone": "04 65 71 63 40",
        "email": "point-justice@acces-droit-aude.example",
        "website": "",
        "contact": ("Hélène Vidal", "h.vidal@acces-droit-aude.example", "04 65 71 63 41"),
        "themes": [
            "difficultes-administratives-ou-juridiques--prendre-en-compte-une-problematique-judiciaire",
            "difficultes-administratives-ou-juridiques--connaitre-ses-droits-face-a-une-discrimination",
        ],
        "sectors": ALL,
    },
    {
        "name": "Habitat du Carcassonnais",
        "kind": "social_landlord",
        "summary": "Bailleur social : gestion locative, gardiens d'immeubles, conseillères en économie "
        "sociale et familiale, prévention des impayés.",
        "description": "Le bailleur gère les résidences des quatre secteurs. Ses conseillères en économie "
        "sociale et familiale travaillent avec les médiateurs de la Régie sur les impayés et les "
        "troubles de voisinage.",
        "address": "20 boulevard des Platanes",
        "phone": "04 65 71 30 00",
        "email": "relation-locataires@habitat-carcassonnais.example",
        "website": "https://habitat-carcassonnais.example",
        "contact": ("Pauline Cazals", "p.cazals@habitat-carcassonnais.example", "04 65 71 30 22"),
        "themes": [
            "logement-hebergement--reduire-les-impayes-de-loyer",
            "logement-hebergement--changer-de-logement",
            "logement-hebergement--se-maintenir-dans-le-logement",
        ],
        "sectors": ALL,
    },
    {
        "name": "Épicerie solidaire Le Panier du Viguier",
        "kind": "association",
        "summary": "Épicerie solidaire : produits alimentaires et d'hygiène à 10 à 30 % du prix, "
        "sur orientation d'un travailleur social.",
        "description": "L'épicerie accueille les familles orientées par la MDS, le CCAS ou la Régie pour "
        "une durée de trois à six mois, avec des ateliers cuisine et budget.",
        "address": "22 rue des Lavandières",
        "phone": "04 65 71 58 90",
        "email": "panier.viguier@epicerie-solidaire.example",
        "website": "",
        "contact": ("Jean-Luc Sabatier", "jl.sabatier@epicerie-solidaire.example", "06 39 98 23 45"),
        "themes": [
            "equipement-et-alimentation--alimentation",
            "difficultes-financieres--ameliorer-sa-gestion-budgetaire",
        ],
        "sectors": [S2],
    },
    {
        "name": "Point conseil budget Aude",
        "kind": "association",
        "summary": "Conseil budgétaire gratuit, prévention du surendettement et aide au dépôt "
        "d'un dossier auprès de la Banque de France.",
        "description": "Les conseillers reçoivent les ménages en difficulté financière, négocient avec "
        "les créanciers et accompagnent le dossier de surendettement.",
        "address": "11 rue des Amandiers",
        "phone": "04 65 71 59 20",
        "email": "pcb@budget-aude.example",
        "website": "",
        "contact": ("Anne-Sophie Gleizes", "as.gleizes@budget-aude.example", "04 65 71 59 21"),
        "themes": [
            "difficultes-financieres--situation-dendettement-surendettement",
            "difficultes-financieres--ameliorer-sa-gestion-budgetaire",
        ],
        "sectors": [S3, S4],
    },
    {
        "name": "Parlons Ensemble",
        "kind": "association",
        "summary": "Ateliers sociolinguistiques : apprendre le français de la vie quotidienne, "
        "découvrir les services publics, échanges interculturels.",
        "description": "Les bénévoles animent des ateliers de français pour adultes et des sorties "
        "culturelles. L'association prépare avec la Régie la rencontre sur l'interculturalité.",
        "address": "4 allée des Genêts",
        "phone": "06 39 98 34 56",
        "email": "contact@parlons-ensemble.example",
        "website": "",
        "contact": ("Ahmed Benslimane", "a.benslimane@parlons-ensemble.example", "06 39 98 34 56"),
        "themes": [
            "lecture-ecriture-calcul--maitriser-le-francais",
            "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-a-la-citoyennete",
        ],
        "sectors": [S1, S2],
    },
    # Registrations awaiting moderation, and a partner that left the directory.
    {
        "name": "Les Fils d'Ariane",
        "kind": "association",
        "summary": "Atelier couture solidaire : retouches à petit prix, cours de couture et "
        "réparation de vêtements.",
        "description": "L'atelier propose des cours de couture aux habitants et des retouches à prix "
        "solidaire. Inscription reçue via le formulaire public, en attente de validation.",
        "address": "2 impasse des Acacias",
        "phone": "06 39 98 45 67",
        "email": "filsdariane@couture-solidaire.example",
        "website": "",
        "contact": ("Josiane Cabrol", "j.cabrol@couture-solidaire.example", "06 39 98 45 67"),
        "themes": ["equipement-et-alimentation--habillement", "remobilisation--lien-social"],
        "sectors": [S4],
        "status": "pending",
    },
    {
        "name": "Boxe éducative Fleming",
        "kind": "association",
        "summary": "Club de boxe éducative pour les 8-17 ans : entraînements, accompagnement "
        "scolaire et sorties.",
        "description": "Le club accueille les jeunes du quartier trois soirs par semaine. Inscription "
        "reçue via le formulaire public, en attente de validation.",
        "address": "35 boulevard des Platanes",
        "phone": "06 39 98 65 87",
        "email": "contact@boxe-fleming.example",
        "website": "",
        "contact": ("Mehdi Amrani", "m.amrani@boxe-fleming.example", "06 39 98 65 87"),
        "themes": ["remobilisation--activites-sportives-et-culturelles"],
        "sectors": [S4],
        "status": "pending",
    },
    {
        "name": "Énergie Solidaire Carcassonne",
        "kind": "association",
        "summary": "Conseils pour réduire ses factures d'énergie ; l'association a cessé son activité.",
        "description": "L'association proposait des visites à domicile sur les économies d'énergie. "
        "Elle a cessé son activité et a été retirée de l'annuaire.",
        "address": "10 rue des Remparts",
        "phone": "04 65 71 91 30",
        "email": "contact@energie-solidaire.example",
        "website": "",
        "contact": ("Bernard Lagarde", "b.lagarde@energie-solidaire.example", "04 65 71 91 31"),
        "themes": ["difficultes-financieres--prevenir-une-degradation-de-la-situation-financiere"],
        "sectors": [S1, S2],
        "status": "withdrawn",
    },
]

# Employers of the forum emploi: (name, summary, address, contact name).
EMPLOYERS = [
    (
        "Occitan Construction",
        "Entreprise de bâtiment et travaux publics : gros œuvre, voirie.",
        "Zone artisanale des Chênes",
        "Patrick Soulié",
    ),
    (
        "Net'Cité Propreté",
        "Nettoyage de bureaux, de parties communes et de chantiers.",
        "6 rue des Artisans",
        "Sandrine Mas",
    ),
    (
        "Aide et Domicile Carcassonnais",
        "Aide à domicile auprès des personnes âgées et des familles.",
        "12 avenue des Mimosas",
        "Véronique Alquier",
    ),
    (
        "Autocars de la Cité",
        "Transport scolaire et lignes régulières de voyageurs.",
        "Route de Limoux",
        "Olivier Fourcade",
    ),
    (
        "Logistique Sud Aude",
        "Entrepôt de distribution : préparation de commandes, quais.",
        "Parc d'activités des Cyprès",
        "Cédric Rouanet",
    ),
    (
        "EHPAD Les Oliviers",
        "Établissement pour personnes âgées dépendantes, 80 résidents.",
        "8 chemin des Oliviers",
        "Agnès Barthe",
    ),
    (
        "Marché Plus Carcassonne",
        "Supermarché de quartier : caisse, mise en rayon, boulangerie.",
        "Centre commercial des Pins",
        "Franck Delpech",
    ),
    (
        "Hôtel-restaurant Les Remparts",
        "Hôtellerie et restauration touristique près de la Cité.",
        "3 rue du Pont Vieux",
        "Émilie Carbonel",
    ),
    (
        "Sécurité Occitanie Services",
        "Gardiennage, sécurité événementielle et incendie.",
        "14 rue des Artisans",
        "Laurent Tixador",
    ),
    (
        "Jardins du Minervois",
        "Création et entretien d'espaces verts pour les collectivités.",
        "Chemin de la Cavayère",
        "Damien Pech",
    ),
    (
        "Intérim Solidaire Aude",
        "Entreprise de travail temporaire d'insertion : missions et suivi.",
        "5 rue Antoine Marty",
        "Sarah Mendès",
    ),
]
EMPLOYER_THEMES = ["trouver-un-emploi", "trouver-un-emploi--repondre-a-des-offres-demploi"]

# Forum emploi: partner name -> (contribution, [(job title, contract, open without diploma)]).
# The first eleven are the employers, the last two the associations.
FORUM_PARTICIPANTS = {
    "Occitan Construction": (
        "Essai de nacelle de chantier",
        [("Manœuvre BTP", "Intérim", True), ("Maçon qualifié", "CDI", False)],
    ),
    "Net'Cité Propreté": ("Démonstration d'autolaveuse", [("Agent de propreté", "CDI", True)]),
    "Aide et Domicile Carcassonnais": (
        "Jeu de rôle : une visite chez une personne âgée",
        [("Aide à domicile", "CDI", True), ("Auxiliaire de vie", "Alternance", False)],
    ),
    "Autocars de la Cité": (
        "Simulateur de conduite d'autocar",
        [("Conducteur de car scolaire", "CDD", False)],
    ),
    "Logistique Sud Aude": (
        "Casques de réalité virtuelle pour découvrir les métiers",
        [("Préparateur de commandes", "Intérim", True), ("Cariste", "CDI", False)],
    ),
    "EHPAD Les Oliviers": (
        "Atelier d'initiation aux gestes de soin",
        [("Agent de service hospitalier", "CDD", True), ("Aide-soignant", "Alternance", False)],
    ),
    "Marché Plus Carcassonne": (
        "Entretiens d'embauche express",
        [("Employé de libre-service", "CDD", True), ("Boulanger", "Alternance", False)],
    ),
    "Hôtel-restaurant Les Remparts": (
        "Dégustation préparée par les apprentis",
        [("Commis de cuisine", "CDD", True), ("Serveur", "CDD", True)],
    ),
    "Sécurité Occitanie Services": (
        "Présentation du métier d'agent de sécurité",
        [("Agent de sécurité", "CDI", False)],
    ),
    "Jardins du Minervois": (
        "Initiation à la taille et au débroussaillage",
        [("Ouvrier paysagiste", "CDD", True)],
    ),
    "Intérim Solidaire Aude": (
        "Inscription sur place et missions du mois",
        [("Agent de tri", "Intérim", True), ("Manutentionnaire", "Intérim", True)],
    ),
    "Mission locale du Carcassonnais": (
        "Conseils aux 16-25 ans et inscriptions au Contrat d'engagement jeune",
        [],
    ),
    "Mobil'Aude": ("Diagnostic mobilité et code de la route sur tablette", []),
}

# -- permanences and closures -----------------------------------------------
# partner: a partner name, or None for the team's own permanences.
# schedule: ("weekly", weekdays, every_n_weeks) or ("monthly", weekday, month_week).


def permanence(owner, sector, place, title, schedule, hours, notes):
    keys = ("partner", "sector", "place", "title", "schedule", "hours", "notes")
    return dict(zip(keys, (owner, sector, place, title, schedule, hours, notes), strict=True))


PERMANENCES = [
    permanence(
        None,
        S1,
        "Local de médiation Joliot Curie",
        "Permanence des médiateurs à Joliot Curie",
        ("weekly", "MO,TH", 1),
        ("14:00", "16:30"),
        "Sans rendez-vous. Écoute, conflits de voisinage, aide aux démarches.",
    ),
    permanence(
        "Amicale des locataires de La Conte et Joliot Curie",
        S1,
        "Maison de quartier de La Conte",
        "Permanence de l'amicale des locataires",
        ("monthly", "TU", 1),
        ("17:30", "19:00"),
        "Charges, réparations, chauffage : venez avec votre avis d'échéance.",
    ),
    permanence(
        "CAF de l'Aude",
        S1,
        "Maison de quartier de La Conte",
        "Rendez-vous CAF à La Conte",
        ("weekly", "WE", 2),
        ("09:00", "12:00"),
        "Sur rendez-vous au 04 65 71 40 00 ou par l'intermédiaire des médiateurs.",
    ),
    permanence(
        None,
        S2,
        "Maison de quartier du Viguier",
        "Permanence des médiateurs au Viguier",
        ("weekly", "TU,FR", 1),
        ("09:30", "12:00"),
        "Sans rendez-vous.",
    ),
    permanence(
        "Maison départementale des solidarités Carcassonne Est",
        S2,
        "Maison de quartier du Viguier",
        "Permanence de l'assistante sociale",
        ("weekly", "TH", 1),
        ("09:00", "12:00"),
        "Premier accueil sans rendez-vous, suivi sur rendez-vous.",
    ),
    permanence(
        "Clic & Droits",
        S2,
        "Local associatif Saint-Jacques",
        "Aide aux démarches en ligne",
        ("weekly", "MO", 2),
        ("14:00", "17:00"),
        "Apportez vos identifiants et vos justificatifs. Ordinateurs sur place.",
    ),
    permanence(
        None,
        S3,
        "Local de la Régie à Albignac",
        "Permanence des médiateurs à Albignac",
        ("weekly", "WE", 1),
        ("14:00", "17:00"),
        "Sans rendez-vous.",
    ),
    permanence(
        "Point-justice de Carcassonne",
        S3,
        "Centre social Ozanam",
        "Consultation juridique gratuite",
        ("monthly", "FR", -1),
        ("14:00", "16:30"),
        "Avec une avocate, sur rendez-vous auprès de l'accueil du centre social.",
    ),
    permanence(
        "Point conseil budget Aude",
        S3,
        "Centre social Ozanam",
        "Permanence budget et surendettement",
        ("monthly", "TH", 2),
        ("09:30", "12:00"),
        "Sur rendez-vous ; apportez vos relevés de compte.",
    ),
    permanence(
        None,
        S4,
        "Local de médiation Fleming",
        "Permanence des médiateurs à Fleming",
        ("weekly", "MO,WE", 1),
        ("09:30", "12:00"),
        "Sans rendez-vous.",
    ),
    permanence(
        "Maison départementale des solidarités Carcassonne Ouest",
        S4,
        "Maison des services de Grazailles",
        "Permanence sociale à Grazailles",
        ("weekly", "TU", 1),
        ("14:00", "16:30"),
        "Sur rendez-vous.",
    ),
    permanence(
        "Union des locataires de Grazailles et Fleming",
        S4,
        "Maison des services de Grazailles",
        "Permanence de l'union des locataires",
        ("monthly", "WE", 3),
        ("17:00", "19:00"),
        "Ouverte à tous les locataires.",
    ),
]
# Permanences that stop at the end of the school year (the others have no end date).
ENDS_WITH_SCHOOL_YEAR = {"Aide aux démarches en ligne", "Rendez-vous CAF à La Conte"}

# -- topics, events and registrations ---------------------------------------

# (title, status, proposed by, description)
TOPICS = [
    (
        "Santé mentale",
        "held",
        None,
        "Repérer la souffrance psychique, savoir vers qui orienter (CMP, GEM, médecin traitant) "
        "et accompagner une personne qui refuse l'aide.",
    ),
    (
        "Addictions",
        "accepted",
        None,
        "Alcool, cannabis, jeux d'argent : comprendre les consommations, parler avec les familles "
        "et connaître les lieux de soins et de prévention.",
    ),
    (
        "Interculturalité",
        "accepted",
        None,
        "Vivre ensemble dans les résidences : codes culturels, barrière de la langue, "
        "malentendus de voisinage et accès aux droits des personnes étrangères.",
    ),
    (
        "Précarité énergétique",
        "proposed",
        "Amicale des locataires de La Conte et Joliot Curie",
        "Beaucoup de locataires n'arrivent plus à payer leurs factures de chauffage : nous proposons "
        "une rencontre avec le bailleur, le CCAS et les fournisseurs d'énergie.",
    ),
]

# Registrations on the addictions meeting: (organisation, contact, email, seats, message).
REGISTRATIONS = [
    (
        "GEM Le Phare",
        "Élodie Ramon",
        "e.ramon@gem-carcassonne.example",
        2,
        "Nous viendrons avec un adhérent.",
    ),
    ("CCAS de Carcassonne", "Nathalie Py", "n.py@ville-carcassonne.example", 1, ""),
    ("Parlons Ensemble", "Ahmed Benslimane", "a.benslimane@parlons-ensemble.example", 3, ""),
]


# Events: "when" is (days from today, weekday the date is moved forward to,
# 0 = Monday); "registration" is (opens, closes) in days before the event.
MON, TUE, WED, THU, FRI = range(5)
EVENTS = [
    {
        "kind": "partner_meeting",
        "title": "Rencontre inter-partenaires : santé mentale",
        "topic": "Santé mentale",
        "place": "Maison de quartier du Viguier",
        "when": (-45, THU),
        "hours": ("14:00", "17:00"),
        "audience": "partners",
        "capacity": 30,
        "registration": (30, 2),
        "description": "Le CMP adultes, le GEM Le Phare et les assistantes sociales des MDS ont présenté "
        "leurs missions. Échanges sur des situations rencontrées par les médiateurs et les gardiens, "
        "et sur la façon d'orienter une personne qui refuse l'aide.",
    },
    {
        "kind": "partner_meeting",
        "title": "Rencontre inter-partenaires : addictions",
        "topic": "Addictions",
        "place": "Centre social Ozanam",
        "when": (21, TUE),
        "hours": ("14:00", "17:00"),
        "audience": "partners",
        "capacity": 30,
        "registration": (60, 2),
        "description": "Avec l'équipe du CSAPA Horizon Addictions Aude : repérer une consommation à risque, "
        "en parler sans juger, connaître les consultations jeunes consommateurs et le soutien à "
        "l'entourage. Inscription conseillée, 30 places.",
    },
    {
        "kind": "partner_meeting",
        "title": "Rencontre inter-partenaires : interculturalité",
        "topic": "Interculturalité",
        "place": "Maison de quartier de La Conte",
        "when": (70, THU),
        "hours": ("14:00", "17:00"),
        "audience": "partners",
        "capacity": 40,
        "registration": (45, 2),
        "description": "Préparée avec l'association Parlons Ensemble : comprendre les malentendus culturels "
        "entre voisins, lever la barrière de la langue dans les démarches, présenter les ateliers "
        "sociolinguistiques du territoire.",
    },
    {
        "kind": "job_fair",
        "title": "Forum emploi des quartiers",
        "topic": None,
        "place": "Gymnase des Platanes",
        "when": (35, WED),
        "hours": ("09:30", "16:00"),
        "audience": "public",
        "capacity": None,
        "registration": None,
        "description": "Onze employeurs et deux associations viennent au cœur du quartier, avec des offres "
        "dont plusieurs accessibles sans diplôme. Essai de nacelle, casques de réalité virtuelle, "
        "entretiens express : venez découvrir des métiers, avec ou sans CV. Entrée libre.",
    },
    {
        "kind": "outreach",
        "title": "Café « aller vers » à Grazailles",
        "topic": None,
        "place": "Square des Lauriers, sous le barnum",
        "when": (-12, TUE),
        "hours": ("09:30", "11:30"),
        "audience": "public",
        "capacity": None,
        "registration": None,
        "description": "Les médiateurs installent le barnum et offrent le café. Un moment pour se rencontrer, "
        "poser ses questions et découvrir les actions des partenaires.",
    },
    {
        "kind": "outreach",
        "title": "Café « aller vers » à La Conte",
        "topic": None,
        "place": "Square des Micocouliers, sous le barnum",
        "when": (8, FRI),
        "hours": ("09:30", "11:30"),
        "audience": "public",
        "capacity": None,
        "registration": None,
        "description": "Café et collation offerts sous le barnum. La Mission locale et Clic & Droits "
        "seront présents pour répondre aux questions sur l'emploi des jeunes et les démarches en ligne.",
    },
    {
        "kind": "outreach",
        "title": "Café « aller vers » à Ozanam",
        "topic": None,
        "place": "Place des Oliviers, sous le barnum",
        "when": (15, THU),
        "hours": ("15:30", "17:30"),
        "audience": "public",
        "capacity": None,
        "registration": None,
        "description": "Goûter partagé à la sortie de l'école, avec l'association Familles en Carcassonnais "
        "et présentation de l'appartement témoin sur les économies d'énergie.",
    },
    {
        "kind": "consultation",
        "title": "Concertation : réaménagement du square des Micocouliers",
        "topic": None,
        "place": "Maison de quartier de La Conte",
        "when": (28, MON),
        "hours": ("18:00", "19:30"),
        "audience": "public",
        "capacity": None,
        "registration": None,
        "description": "Le bailleur et la Ville présentent le projet de réaménagement du square (jeux, "
        "éclairage, bancs). Les habitants donnent leur avis ; la Régie recueille les propositions.",
    },
]
ADDICTIONS_MEETING = ("Rencontre inter-partenaires : addictions", "partner_meeting")
FORUM = ("Forum emploi des quartiers", "job_fair")


# -- helpers ----------------------------------------------------------------


def luhn_check_digit(digits):
    """The digit to append to ``digits`` so that the whole passes the Luhn test."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def fake_siret(siren_body, nic_body):
    """A 14-digit SIRET whose SIREN (9 digits) and whole number both pass Luhn."""
    siren = siren_body + luhn_check_digit(siren_body)
    base = siren + nic_body
    return base + luhn_check_digit(base)


def paris(day, hhmm):
    """An aware UTC datetime for ``day`` at ``hhmm`` (HH:MM), Paris local time."""
    hour, minute = map(int, hhmm.split(":"))
    local = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)
    return local.astimezone(dt.UTC)


def clock(hhmm):
    hour, minute = map(int, hhmm.split(":"))
    return dt.time(hour, minute)


def on_or_after(day, weekday):
    """The first date on or after ``day`` falling on ``weekday`` (0 = Monday)."""
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def nth_weekday(month, weekday, n):
    """The ``n``-th ``weekday`` (0 = Monday) of the month of the date ``month``."""
    return on_or_after(month.replace(day=1), weekday) + dt.timedelta(weeks=n - 1)


def in_holidays(day):
    """Roughly the Christmas and summer breaks, when no event is planned."""
    month_day = (day.month, day.day)
    return month_day >= (12, 20) or month_day <= (1, 3) or (7, 14) <= month_day <= (8, 31)


def event_day(today, days, weekday):
    """The event date: ``days`` from today, moved to ``weekday``, out of the holidays."""
    day = on_or_after(today + dt.timedelta(days=days), weekday)
    step = dt.timedelta(weeks=-1 if days < 0 else 1)
    while in_holidays(day):
        day += step
    return day


def school_year_start(today):
    return dt.date(today.year if today.month >= 9 else today.year - 1, 9, 1)


def get_or_create(model, key, **values):
    """The row matching ``key`` (a dict), created with ``values`` when missing."""
    row, _ = model.get_or_create(**key, defaults=values)
    return row


def partner(name):
    return Partner.get(Partner.slug == slugify(name))


# -- loaders ----------------------------------------------------------------


def load_sectors():
    sectors = {}
    for position, (name, areas) in enumerate(SECTORS, start=1):
        sectors[name] = get_or_create(
            Sector, {"slug": slugify(name)}, name=name, areas=areas, position=position
        )
    return sectors


def load_places(sectors):
    places = {}
    for name, address, sector, accessibility in PLACES:
        places[name] = get_or_create(
            Place,
            {"name": name},
            address=address,
            sector=sectors.get(sector),
            accessibility=accessibility,
            **CITY,
        )
    return places


def employer_partners():
    """The forum employers, in the same shape as NETWORK_PARTNERS."""
    rows = []
    for index, (name, summary, address, contact) in enumerate(EMPLOYERS):
        slug = slugify(name)
        rows.append(
            {
                "name": name,
                "kind": "employer",
                "summary": summary,
                "description": f"{summary} L'entreprise recrute dans le bassin carcassonnais et participe "
                "au forum emploi des quartiers organisé par la Régie.",
                "address": address,
                "phone": f"04 65 71 {21 + index:02d} {10 + 3 * index:02d}",
                "email": f"recrutement@{slug}.example",
                "website": f"https://{slug}.example",
                "contact": (contact, f"rh@{slug}.example", f"04 65 71 {21 + index:02d} {11 + 3 * index:02d}"),
                "themes": EMPLOYER_THEMES,
                "sectors": ALL,
            }
        )
    return rows


def create_partner(data, now):
    status = data.get("status", "published")
    contact_name, contact_email, contact_phone = data["contact"]
    siret = fake_siret(*data["siret"]) if "siret" in data else None
    return Partner.create(
        name=data["name"],
        slug=slugify(data["name"]),
        kind=data["kind"],
        siret=siret,
        address=data["address"],
        phone=data["phone"],
        email=data["email"],
        website=data["website"],
        summary=data["summary"],
        description=data["description"],
        status=status,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        published_at=now if status == "published" else None,
        **CITY,
        # Every demo partner registered and confirmed its email, so the two
        # pending ones show up in the moderation queue.
        consent_at=now,
        confirmed_at=now,
    )


def link_partner(row, data, sectors):
    for slug in data["themes"]:
        get_or_create(PartnerTheme, {"partner": row, "theme": Theme.get(Theme.slug == slug)})
    names = sectors if data["sectors"] == ALL else data["sectors"]
    for name in names:
        get_or_create(PartnerSector, {"partner": row, "sector": sectors[name]})


def load_partners(sectors):
    now = utcnow()
    for data in NETWORK_PARTNERS + employer_partners():
        row = Partner.get_or_none(Partner.slug == slugify(data["name"])) or create_partner(data, now)
        link_partner(row, data, sectors)


def load_permanences(sectors, places, today):
    start = school_year_start(today)
    end = dt.date(start.year + 1, 7, 3)
    for data in PERMANENCES:
        recurrence, weekdays, n = data["schedule"]
        owner = partner(data["partner"]) if data["partner"] else None
        get_or_create(
            Permanence,
            {"partner": owner, "title": data["title"]},
            sector=sectors[data["sector"]],
            place=places[data["place"]],
            weekdays=weekdays,
            opens_at=clock(data["hours"][0]),
            closes_at=clock(data["hours"][1]),
            recurrence=recurrence,
            every_n_weeks=n if recurrence == "weekly" else 1,
            month_week=n if recurrence == "monthly" else None,
            valid_from=start,
            valid_to=end if data["title"] in ENDS_WITH_SCHOOL_YEAR else None,
            notes=data["notes"],
        )


def closures(today):
    """(permanence title, reason, start, end) in the coming months."""
    summer = today.year if today < dt.date(today.year, 7, 1) else today.year + 1
    christmas = dt.date(today.year - 1 if today <= dt.date(today.year, 1, 2) else today.year, 12, 22)
    new_year = dt.date(christmas.year + 1, 1, 2)
    training = on_or_after(today + dt.timedelta(days=20), 0)  # a Monday
    in_two_months = (today.replace(day=1) + dt.timedelta(days=62)).replace(day=1)
    meeting = nth_weekday(in_two_months, 2, 3)  # its monthly slot: the 3rd Wednesday
    return [
        ("Permanence des médiateurs à Joliot Curie", "Formation de l'équipe", training, training),
        ("Permanence des médiateurs à Fleming", "Formation de l'équipe", training, training),
        ("Permanence des médiateurs au Viguier", "Congés de fin d'année", christmas, new_year),
        (
            "Permanence des médiateurs à Albignac",
            "Congés d'été",
            dt.date(summer, 7, 28),
            dt.date(summer, 8, 22),
        ),
        ("Permanence de l'union des locataires", "Assemblée générale de l'association", meeting, meeting),
    ]


def load_closures(today):
    for title, reason, start, end in closures(today):
        permanence = Permanence.get(Permanence.title == title)
        get_or_create(Closure, {"permanence": permanence, "reason": reason}, start_date=start, end_date=end)


def load_topics():
    for title, status, proposer, description in TOPICS:
        get_or_create(
            Topic,
            {"title": title},
            status=status,
            description=description,
            proposed_by=partner(proposer) if proposer else None,
        )


def event_values(data, places, organiser, today):
    """The columns of an event, with its dates computed from ``today``."""
    day = event_day(today, *data["when"])
    place = places[data["place"]]
    values = {
        "topic": Topic.get(Topic.title == data["topic"]) if data["topic"] else None,
        "description": data["description"],
        "place": place,
        "sector": place.sector,
        "organiser": organiser,
        "starts_at": paris(day, data["hours"][0]),
        "ends_at": paris(day, data["hours"][1]),
        "audience": data["audience"],
        "capacity": data["capacity"],
    }
    if data["registration"]:
        opens, closes = data["registration"]
        values["registration_opens_at"] = paris(day - dt.timedelta(days=opens), "09:00")
        values["registration_closes_at"] = paris(day - dt.timedelta(days=closes), "18:00")
    return values


def load_events(places, today):
    organiser = partner("Régie de quartiers du Carcassonnais")
    for data in EVENTS:
        key = {"title": data["title"], "kind": data["kind"]}
        if Event.get_or_none(**key) is None:
            Event.create(**key, **event_values(data, places, organiser, today))


def load_forum():
    title, kind = FORUM
    forum = Event.get(Event.title == title, Event.kind == kind)
    for name, (contribution, offers) in FORUM_PARTICIPANTS.items():
        key = {"event": forum, "partner": partner(name)}
        participation = get_or_create(EventPartner, key, contribution=contribution)
        for job, contract, without_diploma in offers:
            get_or_create(
                JobOffer,
                {"participation": participation, "title": job},
                contract=contract,
                without_diploma=without_diploma,
            )


def load_registrations():
    title, kind = ADDICTIONS_MEETING
    meeting = Event.get(Event.title == title, Event.kind == kind)
    for organisation, contact, email, seats, message in REGISTRATIONS:
        if Registration.get_or_none(event=meeting, contact_email=email) is None:
            Registration.create(
                event=meeting,
                organisation=organisation,
                contact_name=contact,
                contact_email=email,
                seats=seats,
                message=message,
                status="confirmed",
                cancel_token=secrets.token_urlsafe(32),
            )


# -- referrals: (person, partner, theme, sector, need, urgency, [(days ago, status)], details) --

REFERRALS = [
    (
        "Mme B.",
        "CAF de l'Aude",
        "difficultes-financieres--situation-dendettement-surendettement",
        "La Conte et Joliot Curie",
        "Dettes de factures d'énergie, a reçu une lettre de relance. Souhaite un point "
        "sur ses droits et un échéancier.",
        "normal",
        [(20, "sent"), (19, "seen"), (18, "accepted"), (12, "in_care")],
        {"first_appointment": 12},
    ),
    (
        "K. H.",
        "Mission locale du Carcassonnais",
        "trouver-un-emploi",
        "Viguier et Saint Jacques",
        "Jeune de 19 ans sorti du lycée sans diplôme, cherche un premier emploi ou une formation.",
        "normal",
        [(60, "sent"), (59, "seen"), (57, "accepted"), (50, "in_care"), (20, "closed")],
        {"first_appointment": 50, "outcome": "resolved"},
    ),
    (
        "J. P.",
        "Centre médico-psychologique adultes de Carcassonne",
        "sante--sante-mentale",
        "Ozanam et Albignac",
        "Voisins inquiets, la personne souhaite rencontrer quelqu'un. D'accord pour un premier rendez-vous.",
        "urgent",
        [(12, "sent")],
        {},
    ),
    (
        "S. A.",
        "Maison départementale des solidarités Carcassonne Ouest",
        "logement-hebergement--reduire-les-impayes-de-loyer",
        "Grazailles et Fleming",
        "Deux mois de loyer impayés après une baisse de revenus.",
        "normal",
        [(30, "sent"), (28, "declined")],
        {"decline_reason": "out_of_area"},
    ),
    (
        "Famille R.",
        "CCAS de Carcassonne",
        "famille",
        "La Conte et Joliot Curie",
        "Famille de quatre personnes, besoin d'une aide ponctuelle pour la cantine.",
        "normal",
        [(36, "sent"), (35, "accepted")],
        {},
    ),
]


def load_referrals(today):
    """A few referrals at every stage, so the dashboard and statistics have
    something to show. Created directly (no email is queued)."""
    sender = User.by_email("mediatrice@relais.example")
    for person, partner_name, theme, sector, need, urgency, steps, details in REFERRALS:
        owner = partner(partner_name)
        if Referral.get_or_none(person_name=person, partner=owner) is not None:
            continue
        sent_at = paris(today - dt.timedelta(days=steps[0][0]), "10:00")
        referral = Referral.create(
            sender=sender,
            partner=owner,
            theme=Theme.get(Theme.slug == theme),
            sector=Sector.get(Sector.name == sector),
            person_name=person,
            person_phone="06 39 98 00 00",
            need=need,
            urgency=urgency,
            consent_at=sent_at,
            consent_method="oral_face",
            status=steps[-1][1],
            token_nonce=secrets.token_hex(8),
            created_at=sent_at,
            updated_at=sent_at,
            status_changed_at=paris(today - dt.timedelta(days=steps[-1][0]), "10:00"),
            decline_reason=details.get("decline_reason"),
            outcome=details.get("outcome"),
            first_appointment=(
                today - dt.timedelta(days=details["first_appointment"])
                if "first_appointment" in details
                else None
            ),
        )
        before = None
        for days_ago, status in steps:
            actor = sender if status == "sent" else None
            ReferralTransition.create(
                referral=referral,
                actor=actor,
                from_status=before,
                to_status=status,
                actor_label=str(sender) if actor else f"{owner.name} (lien envoyé à {owner.contact_email})",
                created_at=paris(
                    today - dt.timedelta(days=days_ago), "10:00" if status == "sent" else "15:00"
                ),
            )
            before = status


def load_accounts():
    """Create the demo accounts that do not exist yet; returns (label, email, password)."""
    accounts = []
    for role, label, email, password, name, partner_name in ACCOUNTS:
        if User.by_email(email) is None:
            owner = partner(partner_name) if partner_name else None
            User.register(email=email, password=password, role=role, name=name, partner=owner)
        accounts.append((label, email, password))
    return accounts


def load_demo(today=None):
    """Load the demo dataset (idempotent); returns the demo accounts."""
    today = today or dt.date.today()
    with db.atomic():
        sectors = load_sectors()
        places = load_places(sectors)
        load_partners(sectors)
        load_permanences(sectors, places, today)
        load_closures(today)
        load_topics()
        load_events(places, today)
        load_forum()
        load_registrations()
        accounts = load_accounts()
        load_referrals(today)
        return accounts
