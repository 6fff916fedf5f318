"""Staff pages: partners, permanences with their closures, places and sectors."""

import json
from datetime import date, time

import pytest

from portal.store.models import Closure, OccurrenceChange, Partner, PartnerSector, Permanence, Place, Sector
from tests import factories
from tests.a11y import violations
from tests.conftest import csrf_token

BASE = "/portail/gestion"
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'
PARTNER = {
    "name": "Épicerie solidaire du Viguier",
    "kind": "association",
    "siret": "",
    "address": "4 rue des Lilas",
    "address_extra": "",
    "postcode": "11000",
    "commune": "Carcassonne",
    "phone": "04 68 12 34 56",
    "email": "",
    "website": "",
    "summary": "Des courses à petits prix.",
    "description": "",
    "themes": ["equipement-et-alimentation--alimentation"],
    "sectors": ["viguier"],
    "contact_name": "",
    "contact_email": "",
    "contact_phone": "",
}
PERMANENCE = {
    "title": "Permanence des médiateurs",
    "partner_id": "",
    "sector_id": "SECTOR",
    "place_id": "PLACE",
    "weekdays": ["TH", "MO"],
    "opens_at": "09:00",
    "closes_at": "12:00",
    "recurrence": "weekly",
    "every_n_weeks": "1",
    "month_week": "",
    "valid_from": "2026-09-01",
    "valid_to": "",
    "notes": "Sans rendez-vous.",
    "place_name": "",
    "place_address": "",
    "place_postcode": "",
    "place_commune": "",
    "place_accessibility": "",
}


@pytest.fixture
def rebuilds(monkeypatch):
    """Records the rebuilds asked for, instead of building the site in the background."""
    asked = []
    monkeypatch.setattr("portal.web.helpers.request_rebuild", lambda app: asked.append(True))  # services
    return asked


@pytest.fixture
def world(app):
    """A sector, a place and a team permanence, as ids."""
    with app.app_context():
        sector = factories.sector("Viguier et Saint-Jacques", slug="viguier")
        place = factories.place("Maison de quartier", address="1 place du Viguier", sector=sector)
        permanence = factories.permanence(
            sector, place, title="Permanence du lundi", valid_from=date(2026, 1, 5)
        )
        return {"sector": sector.id, "place": place.id, "permanence": permanence.id}


@pytest.fixture
def staff(client, make_user, login, rebuilds, world):
    make_user("mediator")
    login("mediator@relais.example", "mot-de-passe-solide")
    return client


def post(client, url, data, form_url=None):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, form_url or url)})


def permanence_data(world, **changes):
    data = {**PERMANENCE, "sector_id": str(world["sector"]), "place_id": str(world["place"])}
    return {**data, **changes}


def sequence_of(app, permanence_id):
    with app.app_context():
        return Permanence.get_by_id(permanence_id).sequence


# -- who may enter --------------------------------------------------------------------

PAGES = [
    "/partenaires",
    "/partenaires/nouveau",
    "/permanences",
    "/permanences/nouvelle",
    "/lieux",
    "/lieux/nouveau",
    "/secteurs",
    "/secteurs/nouveau",
]


def test_anonymous_visitors_are_sent_to_login(client):
    for page in PAGES:
        response = client.get(BASE + page)
        assert response.status_code == 302 and "/portail/connexion" in response.headers["Location"]


def test_partner_accounts_are_refused(client, make_user, login, world):
    make_user("partner", email="asso@relais.example")
    login("asso@relais.example", "mot-de-passe-solide")
    for page in PAGES + [f"/permanences/{world['permanence']}"]:
        assert client.get(BASE + page).status_code == 403
    token = csrf_token(client, "/portail/partenaires/ma-structure")
    response = client.post(
        f"{BASE}/permanences/{world['permanence']}/suppression",
        data={"csrf_token": token, "confirmation": "oui"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["mediator", "admin"])
def test_staff_see_every_page(client, make_user, login, world, role):
    make_user(role)
    login(f"{role}@relais.example", "mot-de-passe-solide")
    for page in PAGES + [
        f"/permanences/{world['permanence']}",
        f"/lieux/{world['place']}",
        f"/secteurs/{world['sector']}",
    ]:
        assert client.get(BASE + page).status_code == 200, page
    dashboard = client.get("/portail/").get_data(as_text=True)
    assert f'href="{BASE}/permanences"' in dashboard and f'href="{BASE}/partenaires"' in dashboard


# -- partners ------------------------------------------------------------------------


def test_create_a_partner_published_at_once(app, staff, rebuilds):
    response = post(staff, f"{BASE}/partenaires/nouveau", {**PARTNER, "contact_name": "Aïcha Exemple"})
    assert response.status_code == 302
    with app.app_context():
        partner = Partner.get(Partner.name == PARTNER["name"])
        assert partner.status == "published" and partner.published_at is not None
        assert partner.slug == "epicerie-solidaire-du-viguier" and partner.contact_name == "Aïcha Exemple"
        assert [s.slug for s in partner.sectors] == ["viguier"]
        assert [t.slug for t in partner.themes] == ["equipement-et-alimentation--alimentation"]
        assert partner.token_nonce  # its self-service links can be voided later
    assert rebuilds
    listing = staff.get(f"{BASE}/partenaires?q=epicerie").get_data(as_text=True)
    assert PARTNER["name"] in listing and "1 partenaire trouvé" in listing


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "", "Ce champ est obligatoire."),
        ("siret", "12345", "14 chiffres"),
        ("phone", "+44 20 7946 0000", "numéro français"),
        ("contact_email", "pas-un-email", "pas valide"),
        ("kind", "effacé", "Ce choix n'existe pas"),
        ("sectors", [], "Choisissez au moins un quartier."),
    ],
)
def test_bad_partner_input_is_explained_and_kept(app, staff, rebuilds, field, value, message):
    response = post(staff, f"{BASE}/partenaires/nouveau", {**PARTNER, field: value})
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 400
    assert message in page and "Rien n'est enregistré" in page
    assert "Des courses à petits prix." in page  # what was typed is kept
    with app.app_context():
        assert Partner.select().count() == 0
    assert not rebuilds


def test_editing_a_published_partner_applies_at_once(app, staff, rebuilds, world):
    with app.app_context():
        partner = Partner.create(
            name="Café des parents",
            slug="cafe-des-parents",
            status="published",
            pending_changes=json.dumps({"summary": "Proposé par la structure"}),
        )
        PartnerSector.create(partner=partner, sector=world["sector"])
    page = staff.get(f"{BASE}/partenaires/{partner.id}").get_data(as_text=True)
    assert "file de modération" in page and 'value="Café des parents"' in page
    response = post(
        staff,
        f"{BASE}/partenaires/{partner.id}",
        {**PARTNER, "name": "Café des parents", "status": "withdrawn", "contact_name": "Inès"},
    )
    assert response.status_code == 302
    with app.app_context():
        stored = Partner.get_by_id(partner.id)
        assert stored.summary == PARTNER["summary"] and stored.pending_changes == ""
        assert stored.status == "published" and stored.contact_name == "Inès"  # no status through the form
        assert stored.slug == "cafe-des-parents"  # its public address does not move
    assert rebuilds


def test_invalid_edit_changes_nothing(app, staff, rebuilds):
    with app.app_context():
        partner = Partner.create(name="Café des parents", slug="cafe-des-parents", status="published")
    response = post(staff, f"{BASE}/partenaires/{partner.id}", {**PARTNER, "postcode": "ABC"})
    assert response.status_code == 400 and "5 chiffres" in response.get_data(as_text=True)
    with app.app_context():
        assert Partner.get_by_id(partner.id).name == "Café des parents"
    assert not rebuilds


def test_partner_list_filters_and_pages(app, staff, world):
    with app.app_context():
        for number in range(35):
            Partner.create(name=f"Structure {number:02d}", slug=f"structure-{number}", status="published")
        pending = Partner.create(name="Structure en attente", slug="attente", status="pending")
        PartnerSector.create(partner=pending, sector=world["sector"])
    first = staff.get(f"{BASE}/partenaires?q=structure").get_data(as_text=True)
    assert "36 partenaires trouvés" in first and "Structure 00" in first and "Structure 34" not in first
    assert "Page 1 sur 2" in first and "page=2" in first
    second = staff.get(f"{BASE}/partenaires?q=structure&page=2").get_data(as_text=True)
    assert "Structure 34" in second and "Structure 00" not in second
    pending_only = staff.get(f"{BASE}/partenaires?statut=pending").get_data(as_text=True)
    assert "Structure en attente" in pending_only and "Structure 01" not in pending_only
    by_sector = staff.get(f"{BASE}/partenaires?secteur=viguier").get_data(as_text=True)
    assert "1 partenaire trouvé" in by_sector and "Structure en attente" in by_sector


# -- permanences ---------------------------------------------------------------------


def test_create_a_weekly_permanence(app, staff, rebuilds, world):
    response = post(staff, f"{BASE}/permanences/nouvelle", permanence_data(world, every_n_weeks="2"))
    assert response.status_code == 302
    with app.app_context():
        permanence = Permanence.get(Permanence.title == "Permanence des médiateurs")
        assert permanence.weekdays == "MO,TH"  # in week order, whatever the order sent
        assert permanence.every_n_weeks == 2 and permanence.month_week is None and permanence.partner is None
        assert (permanence.opens_at, permanence.closes_at) == (time(9), time(12))
        assert permanence.valid_from == date(2026, 9, 1) and permanence.valid_to is None
    assert rebuilds
    listing = staff.get(f"{BASE}/permanences").get_data(as_text=True)
    assert "Un lundi et jeudi sur deux, 9 h–12 h" in listing


def test_create_a_monthly_permanence_in_a_new_place(app, staff, world):
    with app.app_context():
        partner = Partner.create(name="Union des locataires", slug="union", status="published")
    data = permanence_data(
        world,
        partner_id=str(partner.id),
        place_id="",
        place_name="Salle Ozanam",
        place_postcode="11000",
        recurrence="monthly",
        month_week="-1",
        weekdays=["WE"],
        valid_to="03/07/2027",
    )
    assert post(staff, f"{BASE}/permanences/nouvelle", data).status_code == 302
    with app.app_context():
        permanence = Permanence.get(Permanence.title == "Permanence des médiateurs")
        assert permanence.partner_id == partner.id and permanence.month_week == -1
        assert permanence.place.name == "Salle Ozanam" and permanence.place.sector_id == world["sector"]
        assert permanence.valid_to == date(2027, 7, 3)
    assert "Le dernier mercredi du mois" in staff.get(f"{BASE}/permanences").get_data(as_text=True)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"closes_at": "08:30"}, "L'heure de fin doit être après l'heure de début."),
        ({"opens_at": "9 heures"}, "Indiquez une heure, par exemple 14:30."),
        ({"closes_at": ""}, "Ce champ est obligatoire."),
        ({"recurrence": "monthly"}, "choisissez la semaine du mois"),
        ({"recurrence": "monthly", "month_week": "2"}, "cochez un seul jour"),
        ({"weekdays": []}, "Cochez au moins un jour."),
        ({"weekdays": ["XX"]}, "Un des choix envoyés n'existe pas"),
        ({"valid_to": "2026-08-31"}, "La date de fin ne peut pas être avant la date de début."),
        ({"valid_from": "31/02/2026"}, "Indiquez une date"),
        ({"place_id": ""}, "Choisissez un lieu dans la liste, ou donnez le nom d'un nouveau lieu"),
        ({"place_name": "Autre salle"}, "videz ce champ"),
        ({"sector_id": "999"}, "Ce choix n'existe pas"),
        ({"partner_id": "999"}, "Ce choix n'existe pas"),
        ({"title": ""}, "Ce champ est obligatoire."),
    ],
)
def test_bad_permanence_input_is_explained_and_kept(app, staff, rebuilds, world, changes, message):
    before = sequence_of(app, world["permanence"])
    for url in [f"{BASE}/permanences/nouvelle", f"{BASE}/permanences/{world['permanence']}"]:
        response = post(staff, url, permanence_data(world, **changes))
        page = response.get_data(as_text=True).replace("&#39;", "'")
        assert response.status_code == 400
        assert message in page and "Rien n'est enregistré" in page
        assert "Sans rendez-vous." in page  # what was typed is kept
    with app.app_context():
        assert [p.title for p in Permanence.select()] == ["Permanence du lundi"]
        assert Place.select().count() == 1
    assert sequence_of(app, world["permanence"]) == before and not rebuilds


def test_editing_the_hours_raises_the_sequence(app, staff, rebuilds, world):
    url = f"{BASE}/permanences/{world['permanence']}"
    page = staff.get(url).get_data(as_text=True)
    assert 'value="Permanence du lundi"' in page and 'value="09:00"' in page
    same = permanence_data(world, weekdays=["MO"], valid_from="2026-01-05")
    assert post(staff, url, {**same, "title": "Permanence du lundi matin"}).status_code == 302
    assert sequence_of(app, world["permanence"]) == 0  # same days and hours: calendars need not refetch
    assert post(staff, url, {**same, "closes_at": "12:30"}).status_code == 302
    assert sequence_of(app, world["permanence"]) == 1
    with app.app_context():
        assert Permanence.get_by_id(world["permanence"]).closes_at == time(12, 30)
    assert len(rebuilds) == 2


def test_delete_a_permanence_needs_confirmation(app, staff, rebuilds, world):
    url = f"{BASE}/permanences/{world['permanence']}/suppression"
    assert post(staff, url, {}, form_url=f"{BASE}/permanences").status_code == 302
    with app.app_context():
        assert Permanence.select().count() == 1
    assert post(staff, url, {"confirmation": "oui"}, form_url=f"{BASE}/permanences").status_code == 302
    with app.app_context():
        assert Permanence.select().count() == 0
    assert rebuilds


# -- closures -----------------------------------------------------------------------


def test_closures_raise_the_permanence_sequence(app, staff, rebuilds, world):
    pid = world["permanence"]
    response = post(
        staff,
        f"{BASE}/permanences/{pid}/fermetures",
        {"closure-start_date": "2026-12-24", "closure-end_date": "2027-01-02", "closure-reason": "Congés"},
        form_url=f"{BASE}/permanences/{pid}",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#fermetures")
    assert sequence_of(app, pid) == 1
    post(
        staff,
        f"{BASE}/permanences/{pid}/fermetures",
        {"closure-start_date": "14/12/2026"},
        form_url=f"{BASE}/permanences/{pid}",
    )
    with app.app_context():
        closures = list(Closure.select().order_by(Closure.start_date))
    assert [(c.start_date, c.end_date, c.reason) for c in closures] == [
        (date(2026, 12, 14), date(2026, 12, 14), ""),
        (date(2026, 12, 24), date(2027, 1, 2), "Congés"),
    ]
    assert sequence_of(app, pid) == 2
    page = staff.get(f"{BASE}/permanences/{pid}").get_data(as_text=True)
    assert "24/12/2026" in page and "Congés" in page
    response = post(
        staff,
        f"{BASE}/permanences/{pid}/fermetures/{closures[1].id}/suppression",
        {},
        form_url=f"{BASE}/permanences/{pid}",
    )
    assert response.status_code == 302
    with app.app_context():
        assert Closure.select().count() == 1
    assert sequence_of(app, pid) == 3 and len(rebuilds) == 3


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"closure-start_date": "2026-12-24", "closure-end_date": "2026-12-20"},
            "Le dernier jour ne peut pas être avant le premier.",
        ),
        ({"closure-start_date": ""}, "Ce champ est obligatoire."),
        ({"closure-start_date": "demain"}, "Indiquez une date"),
        ({"closure-start_date": "2026-12-24", "closure-reason": "x" * 201}, "200 caractères au maximum."),
        (
            {"closure-start_date": "2026-12-24", "closure-end_date": "9999-12-31"},
            "Choisissez une date entre le 01/01/2000 et le 31/12/2099.",
        ),
    ],
)
def test_bad_closure_is_explained(app, staff, rebuilds, world, data, message):
    pid = world["permanence"]
    response = post(staff, f"{BASE}/permanences/{pid}/fermetures", data, form_url=f"{BASE}/permanences/{pid}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert 'value="Permanence du lundi"' in page  # the permanence form is still filled
    with app.app_context():
        assert Closure.select().count() == 0
    assert sequence_of(app, pid) == 0 and not rebuilds


def another_permanence(world):
    """A second permanence of the world's sector and place: its closures and
    changed dates must not be reachable through the first one's pages."""
    other = dict(
        title="Autre", weekdays="TU", opens_at=time(14), closes_at=time(16), valid_from=date(2026, 1, 6)
    )
    return factories.permanence(world["sector"], world["place"], **other)


def test_unknown_or_foreign_ids_are_404(app, staff, world):
    with app.app_context():
        other = another_permanence(world)
        closure = Closure.create(permanence=other, start_date=date(2026, 5, 5), end_date=date(2026, 5, 5))
    for page in ["/partenaires/999", "/permanences/999", "/lieux/999", "/secteurs/999"]:
        assert staff.get(BASE + page).status_code == 404
    form_url = f"{BASE}/permanences/{world['permanence']}"
    for url, data in [
        (f"{BASE}/permanences/999/fermetures", {"closure-start_date": "2026-12-24"}),
        (f"{BASE}/permanences/999/suppression", {"confirmation": "oui"}),
        (f"{BASE}/permanences/{world['permanence']}/fermetures/999/suppression", {}),
        # A closure of another permanence cannot be deleted through this one.
        (f"{BASE}/permanences/{world['permanence']}/fermetures/{closure.id}/suppression", {}),
        (f"{BASE}/partenaires/999", PARTNER),
    ]:
        assert post(staff, url, data, form_url=form_url).status_code == 404, url
    with app.app_context():
        assert Closure.select().count() == 1


def test_missing_csrf_token_is_refused(app, staff, world):
    pid = world["permanence"]
    for url, data in [
        (f"{BASE}/partenaires/nouveau", PARTNER),
        (f"{BASE}/permanences/nouvelle", permanence_data(world)),
        (f"{BASE}/permanences/{pid}/fermetures", {"closure-start_date": "2026-12-24"}),
        (f"{BASE}/permanences/{pid}/suppression", {"confirmation": "oui"}),
        (f"{BASE}/secteurs/nouveau", {"name": "Grazailles", "position": "1"}),
    ]:
        response = staff.post(url, data=data)
        assert response.status_code == 400 and "Le formulaire a expiré" in response.get_data(as_text=True)
    with app.app_context():
        assert Partner.select().count() == 0 and Permanence.select().count() == 1
        assert Closure.select().count() == 0 and Sector.select().count() == 1


# -- changed occurrences ------------------------------------------------------------


def test_changed_occurrences_are_added_replaced_and_deleted(app, staff, rebuilds, world):
    pid, form_url = world["permanence"], f"{BASE}/permanences/{world['permanence']}"
    with app.app_context():
        other = Place.create(name="Centre social Jean Moulin", address="3 rue Lamartine")
    data = {
        "change-day": "2026-12-07",
        "change-opens_at": "14:00",
        "change-closes_at": "16:30",
        "change-place_id": str(other.id),
        "change-note": "Travaux à la Maison de quartier",
    }
    response = post(staff, f"{BASE}/permanences/{pid}/exceptions", data, form_url=form_url)
    assert response.status_code == 302 and response.headers["Location"].endswith("#exceptions")
    assert sequence_of(app, pid) == 1
    # The same day again replaces it (one change per day); the usual place is the empty choice.
    post(
        staff,
        f"{BASE}/permanences/{pid}/exceptions",
        {**data, "change-opens_at": "10:00", "change-closes_at": "11:00", "change-place_id": ""},
        form_url=form_url,
    )
    post(
        staff,
        f"{BASE}/permanences/{pid}/exceptions",
        {**data, "change-day": "14/12/2026"},
        form_url=form_url,
    )
    with app.app_context():
        changes = list(OccurrenceChange.select().order_by(OccurrenceChange.day))
    assert [(c.day, c.opens_at, c.closes_at, c.place_id, c.note) for c in changes] == [
        (date(2026, 12, 7), time(10), time(11), None, "Travaux à la Maison de quartier"),
        (date(2026, 12, 14), time(14), time(16, 30), other.id, "Travaux à la Maison de quartier"),
    ]
    assert sequence_of(app, pid) == 3
    page = staff.get(form_url).get_data(as_text=True)
    assert "07/12/2026" in page and "10 h–11 h" in page and "14 h–16 h 30" in page
    assert "Centre social Jean Moulin" in page and "Le lieu habituel" in page
    response = post(
        staff, f"{BASE}/permanences/{pid}/exceptions/{changes[0].id}/suppression", {}, form_url=form_url
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#exceptions")
    with app.app_context():
        assert [c.day for c in OccurrenceChange.select()] == [date(2026, 12, 14)]
    assert sequence_of(app, pid) == 4 and len(rebuilds) == 4


@pytest.mark.parametrize(
    "data, message",
    [
        ({"change-day": "2026-12-08"}, "Ce jour-là, il n&#39;y a pas de permanence."),  # a Tuesday
        ({"change-day": "2025-12-01"}, "Ce jour-là, il n&#39;y a pas de permanence."),  # before it starts
        (
            {"change-day": "2026-12-28", "closed": True},
            "Ce jour-là, il n&#39;y a pas de permanence (Congés).",
        ),
        (
            {"change-day": "2026-05-25"},
            "Ce jour-là, il n&#39;y a pas de permanence (Lundi de Pentecôte).",
        ),
        ({"change-closes_at": "09:00"}, "L&#39;heure de fin doit être après l&#39;heure de début."),
        ({"change-day": ""}, "Ce champ est obligatoire."),
        ({"change-opens_at": "neuf heures"}, "Indiquez une heure"),
        ({"change-place_id": "999"}, "Ce choix n&#39;existe pas."),
        ({"change-note": "x" * 201}, "200 caractères au maximum."),
    ],
)
def test_bad_changed_occurrence_is_explained(app, staff, rebuilds, world, data, message):
    pid = world["permanence"]
    if data.pop("closed", False):
        with app.app_context():
            Closure.create(
                permanence=pid, start_date=date(2026, 12, 21), end_date=date(2027, 1, 3), reason="Congés"
            )
    before = sequence_of(app, pid)
    values = {
        "change-day": "2026-12-07",
        "change-opens_at": "10:00",
        "change-closes_at": "11:00",
        "change-place_id": "",
        "change-note": "",
        **data,
    }
    response = post(
        staff, f"{BASE}/permanences/{pid}/exceptions", values, form_url=f"{BASE}/permanences/{pid}"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page, page[page.find("Rien n") :][:600]
    assert 'value="Permanence du lundi"' in page  # the permanence form is still filled
    with app.app_context():
        assert OccurrenceChange.select().count() == 0
    assert sequence_of(app, pid) == before and not rebuilds


def test_changed_occurrences_of_other_permanences_and_csrf(app, staff, world):
    with app.app_context():
        other = another_permanence(world)
        change = OccurrenceChange.create(
            permanence=other, day=date(2026, 5, 5), opens_at=time(9), closes_at=time(10)
        )
    pid, form_url = world["permanence"], f"{BASE}/permanences/{world['permanence']}"
    for url, data in [
        (f"{BASE}/permanences/999/exceptions", {"change-day": "2026-12-07"}),
        (f"{BASE}/permanences/{pid}/exceptions/999/suppression", {}),
        (f"{BASE}/permanences/{pid}/exceptions/{change.id}/suppression", {}),  # another permanence's
    ]:
        assert post(staff, url, data, form_url=form_url).status_code == 404, url
    good = {"change-day": "2026-12-07", "change-opens_at": "10:00", "change-closes_at": "11:00"}
    for url, data in [
        (f"{BASE}/permanences/{pid}/exceptions", good),
        (f"{BASE}/permanences/{other.id}/exceptions/{change.id}/suppression", {}),
    ]:
        response = staff.post(url, data=data)
        assert response.status_code == 400 and "Le formulaire a expiré" in response.get_data(as_text=True)
    with app.app_context():
        assert [c.id for c in OccurrenceChange.select()] == [change.id]


# -- places and sectors ----------------------------------------------------------------


def test_places_list_and_edit(app, staff, rebuilds, world):
    data = {
        "name": "Local de la Régie",
        "address": "2 rue Ozanam",
        "postcode": "11000",
        "commune": "Carcassonne",
        "sector_id": "",
        "accessibility": "Rez-de-chaussée",
    }
    assert post(staff, f"{BASE}/lieux/nouveau", data).status_code == 302
    response = post(
        staff,
        f"{BASE}/lieux/{world['place']}",
        {**data, "name": "Maison de quartier du Viguier", "sector_id": str(world["sector"])},
    )
    assert response.status_code == 302
    listing = staff.get(f"{BASE}/lieux").get_data(as_text=True)
    assert "Local de la Régie" in listing and "Maison de quartier du Viguier" in listing
    response = post(
        staff, f"{BASE}/lieux/nouveau", {**data, "name": "", "postcode": "1100", "insee_code": "1169"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Ce champ est obligatoire." in page and "5 chiffres" in page
    assert "Le code INSEE doit compter 5 caractères (ex. 11069, 2A004)." in page and 'value="1169"' in page
    assert (
        post(staff, f"{BASE}/lieux/nouveau", {**data, "name": "Ajaccio", "insee_code": " 2a004 "}).status_code
        == 302
    )
    with app.app_context():
        assert Place.select().count() == 3
        assert Place.get(Place.name == "Ajaccio").insee_code == "2A004"
        assert Place.get(Place.name == "Local de la Régie").insee_code == ""  # not sent: empty, not an error
    assert len(rebuilds) == 3


def test_sector_slug_is_made_once(app, staff, rebuilds, world):
    assert (
        post(
            staff,
            f"{BASE}/secteurs/nouveau",
            {"name": "Grazailles — Fleming", "areas": "", "position": "3"},
        ).status_code
        == 302
    )
    assert (
        post(staff, f"{BASE}/secteurs/nouveau", {"name": "Grazailles Fleming", "position": "4"}).status_code
        == 302
    )
    with app.app_context():
        first, second = Sector.select().where(Sector.id != world["sector"]).order_by(Sector.id)
    assert (first.slug, second.slug) == ("grazailles-fleming", "grazailles-fleming-2")
    response = post(
        staff,
        f"{BASE}/secteurs/{first.id}",
        {"name": "Grazailles", "areas": "Grazailles", "position": "1"},
    )
    assert response.status_code == 302
    with app.app_context():
        renamed = Sector.get_by_id(first.id)
        assert (renamed.name, renamed.slug, renamed.position) == ("Grazailles", "grazailles-fleming", 1)
    response = post(staff, f"{BASE}/secteurs/{first.id}", {"name": "", "position": "premier"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Ce champ est obligatoire." in page and "nombre entier" in page
    assert len(rebuilds) == 3


# -- escaping ------------------------------------------------------------------------


def test_html_and_script_stay_text(app, staff, world):
    with app.app_context():
        partner = Partner.create(
            name=EVIL, slug="evil", status="published", summary=EVIL, contact_name=EVIL, commune=EVIL
        )
        Sector.update(name=EVIL, areas=EVIL).execute()
        Place.update(name=EVIL, address=EVIL, accessibility=EVIL).execute()
        Permanence.update(title=EVIL, notes=EVIL, partner=partner).execute()
        Closure.create(
            permanence=world["permanence"],
            start_date=date(2026, 5, 5),
            end_date=date(2026, 5, 5),
            reason=EVIL,
        )
    pages = [
        "/partenaires",
        f"/partenaires/{partner.id}",
        "/permanences",
        f"/permanences/{world['permanence']}",
        "/permanences/nouvelle",
        "/lieux",
        f"/lieux/{world['place']}",
        "/secteurs",
        f"/secteurs/{world['sector']}",
    ]
    for page in pages:
        html = staff.get(BASE + page).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, page
        assert "&lt;script&gt;alert" in html, page
    # And what is typed into a refused form comes back as text too.
    response = post(
        staff,
        f"{BASE}/permanences/nouvelle",
        permanence_data(world, title=EVIL, notes=EVIL, closes_at="01:00", place_name=EVIL),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "<script>alert" not in html and "&lt;script&gt;alert" in html


# -- both engines ---------------------------------------------------------------------


def test_lists_on_sqlite_and_postgres(any_app, make_user, rebuilds):
    """The grouped and counted queries of the lists run on both engines."""
    sector = Sector.create(name="Albignac", slug="albignac")
    place = Place.create(name="Centre social", sector=sector)
    for title in ["B", "A"]:
        permanence = Permanence.create(
            sector=sector,
            place=place,
            title=title,
            weekdays="FR",
            opens_at=time(14),
            closes_at=time(16),
            valid_from=date(2026, 1, 2),
        )
    Closure.create(permanence=permanence, start_date=date(2099, 1, 1), end_date=date(2099, 1, 2))
    from portal.store.models import User

    User.register("admin@relais.example", "mot-de-passe-solide", "admin")
    client = any_app.test_client()
    client.post(
        "/portail/connexion",
        data={
            "csrf_token": csrf_token(client, "/portail/connexion"),
            "email": "admin@relais.example",
            "password": "mot-de-passe-solide",
        },
    )
    places = client.get(f"{BASE}/lieux")
    assert places.status_code == 200 and "<td>2</td>" in places.get_data(as_text=True)
    permanences = client.get(f"{BASE}/permanences").get_data(as_text=True)
    assert permanences.index(">A</a>") < permanences.index(">B</a>") and "<td>1</td>" in permanences
    assert client.get(f"{BASE}/partenaires?q=x&statut=pending&secteur=albignac").status_code == 200


# -- in a real browser ---------------------------------------------------------------


@pytest.mark.browser
def test_permanence_pages_are_accessible(live_server, page):
    email, password = live_server["accounts"]["Médiatrice"]
    page.goto(live_server["url"] + "/portail/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="les permanences et leurs fermetures").click()
    assert page.locator("h1").inner_text() == "Permanences"
    assert violations(page) == []
    page.locator("table a").first.click()
    page.wait_for_selector("#fermetures")
    assert page.locator("#title").input_value()
    assert violations(page) == []
    # The error state must be accessible too.
    page.locator("#closes_at").fill("00:30")
    page.get_by_role("button", name="Enregistrer la permanence").click()
    page.wait_for_selector("[role=alert]")
    assert "L'heure de fin doit être après l'heure de début." in page.locator("[role=alert]").inner_text()
    assert violations(page) == []
