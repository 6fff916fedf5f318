"""A partner's lifecycle: explicit, logged status moves; moderation of the version
that was shown; a contact address that waits for its confirmation; what the
partner chose to publish."""

import re

import pytest

from portal.services import partners
from portal.services.errors import Refused
from portal.store.models import Outbox, Partner, PartnerTransition
from tests import factories
from tests.conftest import csrf_token, moderation_form

BASE = "/portail/gestion/partenaires"
EVIL = '<script>alert("x")</script>'


@pytest.fixture
def viguier(app):
    with app.app_context():
        return factories.sector("Viguier et Saint Jacques", slug="viguier").id


def new_partner(app, sector_id, **fields):
    values = {
        "name": "Les Jardins du Viguier",
        "slug": "jardins",
        "status": "published",
        "summary": "Jardins partagés.",
        "commune": "Carcassonne",
        "contact_name": "Samia",
        "contact_email": "samia@jardins.example",
        "token_nonce": "n0nce",
        **fields,
    }
    with app.app_context():
        return factories.partner(**values, sectors=[sector_id]).id


def staff_client(client, make_user, login):
    make_user("mediator", email="lea@relais.example")
    login("lea@relais.example", "mot-de-passe-solide")
    return client


def mails_to(app, address):
    with app.app_context():
        return [(m.subject, m.body_text) for m in Outbox.select().where(Outbox.to_addr == address)]


# -- explicit, logged moves ------------------------------------------------------------------


def act(client, partner_id, target, reason=""):
    token = csrf_token(client, f"{BASE}/{partner_id}")
    return client.post(
        f"{BASE}/{partner_id}/etat", data={"csrf_token": token, "target": target, "reason": reason}
    )


def test_staff_withdraw_and_republish_are_logged_and_told(app, client, make_user, login, viguier):
    partner_id = new_partner(app, viguier)
    staff = staff_client(client, make_user, login)
    page = staff.get(f"{BASE}/{partner_id}").get_data(as_text=True).replace("&#39;", "'")
    assert 'name="status"' not in page and 'name="statut"' not in page  # no free status field
    assert "Retirer de l'annuaire" in page and "Aucun changement d'état enregistré" in page

    assert act(staff, partner_id, "withdrawn", reason=f"Fermée pour travaux {EVIL}").status_code == 302
    with app.app_context():
        stored = Partner.get_by_id(partner_id)
        assert stored.status == "withdrawn" and stored.published_at is None
        step = PartnerTransition.get(PartnerTransition.partner == partner_id)
        assert (step.from_status, step.to_status, step.actor.email) == (
            "published",
            "withdrawn",
            "lea@relais.example",
        )
    [(subject, body)] = mails_to(app, "samia@jardins.example")
    assert "retirée de l'annuaire" in subject and "Fermée pour travaux" in body

    assert act(staff, partner_id, "published").status_code == 302
    with app.app_context():
        assert Partner.get_by_id(partner_id).published_at is not None
    page = staff.get(f"{BASE}/{partner_id}").get_data(as_text=True).replace("&#39;", "'")
    # Newest first, in French, with the reason.
    assert page.index("Retiré de l'annuaire → Publié") < page.index("Publié → Retiré de l'annuaire")
    assert "Fermée pour travaux" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_moves_the_rules_refuse(app, client, make_user, login, viguier):
    partner_id = new_partner(app, viguier, status="pending")
    staff = staff_client(client, make_user, login)
    response = act(staff, partner_id, "rejected")  # a refusal needs its reason
    assert response.status_code == 400 and "Indiquez le motif du refus" in response.get_data(as_text=True)
    response = act(staff, partner_id, "withdrawn")  # not a staff move from "pending"
    assert response.status_code == 409 and "ne peut pas" in response.get_data(as_text=True)
    assert act(staff, partner_id, "forged").status_code == 400
    with app.app_context():
        assert Partner.get_by_id(partner_id).status == "pending"
        assert PartnerTransition.select().count() == 0
        with pytest.raises(Refused):  # a partner cannot publish itself
            partners.move(
                partner_id, "published", partners.link_actor(Partner.get_by_id(partner_id)), settings=None
            )


def test_every_status_change_goes_through_the_log(app, client, make_user, login, viguier):
    """Registration, moderation and the staff's own partners each leave a row."""
    staff = staff_client(client, make_user, login)
    token = csrf_token(client, f"{BASE}/nouveau")
    data = {
        "csrf_token": token,
        "name": "Épicerie solidaire",
        "kind": "association",
        "address": "4 rue des Lilas",
        "postcode": "11000",
        "commune": "Carcassonne",
        "summary": "Des courses à petits prix.",
        "themes": ["equipement-et-alimentation--alimentation"],
        "sectors": ["viguier"],
    }
    assert staff.post(f"{BASE}/nouveau", data=data).status_code == 302
    with app.app_context():
        partner = Partner.get(Partner.name == "Épicerie solidaire")
        step = partner.transitions.get()
        assert (step.from_status, step.to_status, step.actor_label) == (
            None,
            "published",
            "lea@relais.example",
        )
        assert partner.published_at is not None


# -- moderation of what was shown ------------------------------------------------------------


@pytest.mark.parametrize("action", ["approuver", "refuser"])
def test_a_version_changed_after_review_is_not_moderated(app, client, make_user, login, viguier, action):
    partner_id = new_partner(app, viguier, status="pending", confirmed_at=None)
    with app.app_context():
        Partner.update(confirmed_at=Partner.created_at).where(Partner.id == partner_id).execute()
    staff = staff_client(client, make_user, login)
    shown = moderation_form(staff, partner_id)
    with app.app_context():  # meanwhile, through the self-service link
        Partner.update(name="Casino en ligne", summary="Gagnez gros !").where(
            Partner.id == partner_id
        ).execute()
    response = staff.post(f"/portail/moderation/{partner_id}/{action}", data={**shown, "reason": "Non."})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "a changé depuis que vous l'avez ouverte" in html.replace(
        "&#39;", "'"
    )
    assert "Gagnez gros !" in html  # the new version is shown
    with app.app_context():
        assert Partner.get_by_id(partner_id).status == "pending"
    fresh = moderation_form(staff, partner_id)
    assert staff.post(f"/portail/moderation/{partner_id}/approuver", data=fresh).status_code == 302
    with app.app_context():
        assert Partner.get_by_id(partner_id).status == "published"


def test_changes_proposed_after_review_are_not_published(app, client, make_user, login, viguier):
    partner_id = new_partner(app, viguier, pending_changes="")
    with app.app_context():
        values = partners.current_values(Partner.get_by_id(partner_id))
        proposal = {**values, "summary": "Résumé relu."}
        Partner.update(pending_changes=__import__("json").dumps(proposal)).where(
            Partner.id == partner_id
        ).execute()
    staff = staff_client(client, make_user, login)
    shown = moderation_form(staff, partner_id)
    with app.app_context():
        sneaky = {**values, "summary": "Résumé jamais relu."}
        Partner.update(pending_changes=__import__("json").dumps(sneaky)).where(
            Partner.id == partner_id
        ).execute()
    assert staff.post(f"/portail/moderation/{partner_id}/approuver", data=shown).status_code == 409
    with app.app_context():
        assert Partner.get_by_id(partner_id).summary == "Jardins partagés."


# -- the contact address ----------------------------------------------------------------------


def open_space(app, client, partner_id):
    from portal.web.helpers import settings

    with app.app_context():
        link = partners.self_service_link(Partner.get_by_id(partner_id), settings())
    return client.get(link.removeprefix("http://relais.test"))


def self_service_post(client, **changes):
    html = client.get("/portail/partenaires/ma-structure").get_data(as_text=True)
    data = {
        "csrf_token": re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)[1],
        "name": "Les Jardins du Viguier",
        "kind": "association",
        "address": "4 rue des Lilas",
        "postcode": "11000",
        "commune": "Carcassonne",
        "summary": "Jardins partagés.",
        "themes": ["equipement-et-alimentation--alimentation"],
        "sectors": ["viguier"],
        "contact_name": "Samia",
        "contact_email": "samia@jardins.example",
        "share_contact_name": "private",
        "share_contact_phone": "private",
        "share_contact_email": "private",
        "share_referral_notes": "private",
        **changes,
    }
    return client.post("/portail/partenaires/ma-structure", data=data)


def test_a_new_contact_address_waits_for_its_link(app, client, viguier):
    from portal.services.referrals import partner_address

    partner_id = new_partner(app, viguier)
    open_space(app, client, partner_id)
    response = self_service_post(client, contact_email="pirate@ailleurs.example")
    assert response.status_code == 302
    flashed = client.get("/portail/partenaires/ma-structure").get_data(as_text=True).replace("&#39;", "'")
    assert "attend d'être confirmée" in flashed and 'value="pirate@ailleurs.example"' in flashed
    with app.app_context():
        stored = Partner.get_by_id(partner_id)
        assert stored.contact_email == "samia@jardins.example"
        assert partner_address(stored) == "samia@jardins.example"  # referrals still go to the old one
    [(notice, body)] = mails_to(app, "samia@jardins.example")
    assert "changement" in notice and "pirate@ailleurs.example" in body
    [(subject, body)] = mails_to(app, "pirate@ailleurs.example")
    path = re.search(r"http://relais\.test(/portail/partenaires/adresse/\S+)", body)[1]

    self_service_post(client, contact_email="pirate@ailleurs.example")  # saved again: no new emails
    assert len(mails_to(app, "pirate@ailleurs.example")) == 1

    assert "Je confirme cette adresse" in client.get(path).get_data(as_text=True)  # opening changes nothing
    with app.app_context():
        assert Partner.get_by_id(partner_id).contact_email == "samia@jardins.example"
    token = csrf_token(client, path)
    assert "Adresse confirmée" in client.post(path, data={"csrf_token": token}).get_data(as_text=True)
    with app.app_context():
        stored = Partner.get_by_id(partner_id)
        assert (stored.contact_email, stored.pending_contact_email) == ("pirate@ailleurs.example", "")
    assert client.post(path, data={"csrf_token": token}).status_code == 400  # single use


def test_a_superseded_address_link_is_void(app, client, viguier):
    partner_id = new_partner(app, viguier)
    open_space(app, client, partner_id)
    self_service_post(client, contact_email="premiere@ailleurs.example")
    [(_, body)] = mails_to(app, "premiere@ailleurs.example")
    path = re.search(r"http://relais\.test(/portail/partenaires/adresse/\S+)", body)[1]
    self_service_post(client, contact_email="seconde@ailleurs.example")
    assert client.get(path).status_code == 400
    self_service_post(client, contact_email="samia@jardins.example")  # back to the current one: nothing waits
    with app.app_context():
        stored = Partner.get_by_id(partner_id)
        assert (stored.contact_email, stored.pending_contact_email) == ("samia@jardins.example", "")


# -- what the partner shares on the public site ----------------------------------------------


def test_public_sharing_choices_are_published_and_only_them(app, tmp_path, viguier):
    from tests.test_site import build, page

    new_partner(
        app,
        viguier,
        contact_name=f"Samia {EVIL}",
        contact_phone="04 68 12 34 56",
        contact_email="samia@jardins.example",
        referral_notes="Appeler le mardi matin.",
        sharing='{"contact_name": "public", "contact_phone": "public", "contact_email": "network",'
        ' "referral_notes": "public"}',
    )
    new_partner(app, viguier, name="Discrète", slug="discrete", contact_name="Personne Cachée")
    site = build(app, tmp_path / "site")
    html = page(site, "partenaires/jardins")
    assert "Personne à contacter" in html and "Samia &lt;script&gt;" in html and "<script>alert" not in html
    assert "04 68 12 34 56" in html and "Appeler le mardi matin." in html
    assert "samia@jardins.example" not in html  # "network" stays off the public site
    assert "Personne Cachée" not in page(site, "partenaires/discrete")
