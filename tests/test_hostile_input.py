"""Hostile input: huge numbers, extreme dates, control characters, overlong and
odd text, markup and wrong types, in every URL segment, query and form field.

The walker goes through Flask's URL map (so a new route is walked without
anyone thinking of it) as a visitor and as each role, on the demo data, and
fails on any 500. It runs on the engine of RELAIS_TEST_DATABASE: `make test`
runs it on SQLite and on PostgreSQL. Hostile values it manages to store are
then read back by every page and feed.
"""

from urllib.parse import quote, urlencode, urlsplit

import pytest
from flask import url_for

from portal.store.db import db
from portal.store.models import (
    EVENT_KINDS,
    Closure,
    EventPartner,
    JobOffer,
    OccurrenceChange,
    Partner,
    Permanence,
    Place,
    Referral,
    Registration,
    Sector,
    Topic,
)
from portal.web.fields import CONTROL_CHARACTER, MAX_INTEGER
from portal.web.referrals.forms import ACTIONS
from tests.conftest import csrf_token, make_app
from tests.htmlparse import parse

HUGE = "99999999999999999999"
CORPUS = {
    "huge number": HUGE,
    "negative number": "-" + HUGE,
    "year 9999": "9999-12-31",
    "year 1": "0001-01-01",
    "NUL": "Association\x00test",
    "escape": "texte \x1b[31m rouge",
    "overlong": "é" * 3000,
    "unicode": "Ünïcødé 🙂 \u202e\ufeff 𝕏 ﷽",
    "markup": '<script>alert("x")</script>"><img src=x onerror=alert(1)>',
    "wrong type": "pas-un-nombre",
    "empty": "",
}
# Per field (the slow, deep pass) a smaller corpus: one of each kind.
FIELD_CORPUS = ("huge number", "year 9999", "year 1", "NUL", "overlong", "wrong type")
SEGMENTS = {
    "int": [HUGE, str(MAX_INTEGER + 1), "0"],
    "default": ["%00", quote("x" * 2000), quote("Ünïcødé 🙂"), quote("<script>")],
    "path": ["portail%00", quote("x" * 2000), quote("<script>")],
}
QUERIES = [
    {"page": HUGE},
    {"page": "-" + HUGE},
    {"au": "9999-12-31"},
    {"du": "0001-01-01"},
    {"du": "9999-12-31", "au": "0001-01-01"},
    {"q": "x" * 3000, "secteur": "<script>", "thematique": "Ünïcødé", "statut": HUGE},
    {"q": "\x00", "next": "\x00"},
]
# Destructive routes go last, so that they leave something to break first.
LAST = ("suppression", "annul", "effacement", "retrait", "refuser", "regrouper", "deconnexion")
ROLES = {
    "visitor": None,
    "admin": ("admin@relais.example", "demo-admin-2026"),
    "mediator": ("mediatrice@relais.example", "demo-mediation-2026"),
    "partner": ("partenaire@relais.example", "demo-partenaire-2026"),
}


@pytest.fixture
def demo_app(app_database_url, tmp_path):
    from portal.demo import load_demo

    site = tmp_path / "site"  # a tiny built site, so that hostile paths reach the file lookup
    (site / "annuaire").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Accueil</h1>")
    (site / "annuaire" / "index.html").write_text("<h1>Annuaire</h1>")
    # Without rate limits, to reach the forms and not the 429s.
    app = make_app(app_database_url, RATELIMIT_ENABLED=False, SITE_DIR=str(site))
    with app.app_context():
        load_demo()
    db.close()
    yield app
    db.close()


def real_values(app):
    """One existing row per URL argument, related where the URL nests them."""
    with app.app_context():
        offer = JobOffer.select().first()
        participation = offer.participation if offer else EventPartner.select().first()
        registration = Registration.select().first()
        permanence = (
            Closure.select().first().permanence if Closure.select().exists() else Permanence.select().first()
        )
        change = OccurrenceChange.select().first()
        values = {
            "event_id": registration.event_id,
            "registration_id": registration.id,
            "participation_id": participation.id,
            "offer_id": offer.id if offer else 1,
            "place_id": Place.select().first().id,
            "partner_id": Partner.select().first().id,
            "permanence_id": permanence.id,
            "closure_id": Closure.select().first().id if Closure.select().exists() else 1,
            "change_id": change.id if change else 1,
            "sector_id": Sector.select().first().id,
            "referral_id": Referral.select().first().id,
            "topic_id": Topic.select().first().id,
            "kind": next(iter(EVENT_KINDS)),
            "slug": Partner.select().first().slug,
            "action": next(iter(ACTIONS)),
            "token": "jeton",
            "path": "annuaire/",
        }
    db.close()
    return values


def urls(app, rule, values):
    """The rule with real values, then with one hostile segment at a time."""
    with app.test_request_context():

        def build(**changes):
            return url_for(rule.endpoint, **{arg: values.get(arg, 1) for arg in rule.arguments} | changes)

        found = [build()]
        for arg, converter in sorted(rule._converters.items()):
            name = type(converter).__name__.lower()
            kind = "int" if "int" in name else "path" if "path" in name else "default"
            marker = "7777777" if kind == "int" else "MARKER"
            found += [build(**{arg: marker}).replace(marker, hostile, 1) for hostile in SEGMENTS[kind]]
    return found


def ordered_rules(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    return sorted(rules, key=lambda rule: (any(word in rule.rule for word in LAST), rule.rule))


def forms_on(html):
    """{action path: {field: first value}} of the POST forms of a page."""
    found = {}
    for form in parse(html).iter("form"):
        if (form.attrs.get("method") or "get").lower() != "post":
            continue
        fields = {}
        for element in form.iter():
            name = element.attrs.get("name")
            if not name or name in fields:
                continue
            if element.tag == "input" and element.attrs.get("type") in ("checkbox", "radio"):
                if "checked" in element.attrs:
                    fields[name] = element.attrs.get("value", "y")
            elif element.tag == "input":
                fields[name] = element.attrs.get("value") or ""
            elif element.tag == "textarea":
                fields[name] = element.text()
            elif element.tag == "select":
                option = element.find("option", selected="selected") or element.find("option")
                fields[name] = option.attrs.get("value", option.text()) if option else ""
        found[urlsplit(form.attrs.get("action") or "").path] = fields
    return found


class Walker:
    def __init__(self, app, role):
        self.app, self.client, self.failures = app, app.test_client(), []
        self.forms = {}
        self.token = csrf_token(self.client, "/portail/connexion")
        if ROLES[role]:
            email, password = ROLES[role]
            data = {"csrf_token": self.token, "email": email, "password": password}
            assert self.client.post("/portail/connexion", data=data).status_code == 302
            self.token = csrf_token(self.client, "/portail/deconnexion")

    def check(self, method, url, response, what=""):
        if response.status_code >= 500:
            self.failures.append(f"{method} {url[:160]} {what} -> {response.status_code}")
        content_type = response.headers.get("Content-Type", "")
        if content_type.count("charset") > 1:
            self.failures.append(f"{method} {url[:160]}: {content_type}")

    def get(self, url):
        with self.client.get(url) as response:
            self.check("GET", url, response)
            if response.status_code == 200 and response.mimetype == "text/html":
                self.forms.update(forms_on(response.get_data(as_text=True)))

    def post(self, url, data, what):
        with self.client.post(url, data={**data, "csrf_token": self.token}) as response:
            self.check("POST", url, response, what)

    def baseline(self, url):
        path = urlsplit(url).path
        if path not in self.forms:
            with self.client.get(url) as response:
                if response.status_code == 200 and response.mimetype == "text/html":
                    self.forms.update(forms_on(response.get_data(as_text=True)))
        return {name: value for name, value in self.forms.get(path, {}).items() if name != "csrf_token"}


def walk(app, role, deep):
    walker = Walker(app, role)
    values = real_values(app)
    rules = ordered_rules(app)
    for rule in rules:
        if "GET" in rule.methods:
            for url in urls(app, rule, values):
                walker.get(url)
            real = urls(app, rule, values)[0]
            for query in QUERIES:
                walker.get(real + "?" + urlencode(query))
    for rule in rules:
        if "POST" not in rule.methods or rule.endpoint == "auth.logout":
            continue
        found = urls(app, rule, values)
        for url in found[1:]:
            walker.post(url, {}, "hostile segment")
        real = found[0]
        base = walker.baseline(real)
        for name, value in CORPUS.items():
            walker.post(real, {**base, **{field: value for field in base}}, f"every field: {name}")
        if deep:
            for field in base:
                for name in FIELD_CORPUS:
                    walker.post(real, {**base, field: CORPUS[name]}, f"{field}: {name}")
    # What the forms stored, read back by every page and feed.
    for rule in rules:
        if "GET" in rule.methods:
            walker.get(urls(app, rule, values)[0])
    return walker.failures


@pytest.mark.parametrize("role", ["visitor", "partner", "mediator", "admin"])
def test_no_hostile_input_makes_a_500(demo_app, role):
    # Each field on its own for the roles that reach the most forms (the
    # visitor's public forms are walked field by field too).
    failures = walk(demo_app, role, deep=role in ("admin", "visitor"))
    assert not failures, "\n".join(failures)


# -- the cases of the outside test, by name --------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/portail/orientations/{HUGE}",
        f"/portail/calendrier/evenement/{HUGE}.ics",
        f"/portail/annuaire?page={HUGE}",
        f"/portail/gestion/partenaires?page={HUGE}",
        "/portail/statistiques?au=9999-12-31",
        "/portail/statistiques?du=0001-01-01",
        "/portail/statistiques.csv?au=9999-12-31",
        "/portail/statistiques.csv?du=0001-01-01",
    ],
)
def test_huge_numbers_and_extreme_dates_are_a_404_or_a_french_400(client, login, make_user, url):
    make_user("admin")
    login("admin@relais.example", "mot-de-passe-solide")
    response = client.get(url)
    assert response.status_code in (200, 400, 404), response.status_code
    if response.status_code == 400:
        assert "Choisissez une date entre le 01/01/2000 et le 31/12/2099" in response.get_data(as_text=True)


def test_cancelling_a_participant_with_a_huge_id_is_a_404(client, login, make_user):
    make_user("admin")
    login("admin@relais.example", "mot-de-passe-solide")
    token = csrf_token(client, "/portail/deconnexion")
    response = client.post(f"/portail/rencontres/1/participants/{HUGE}/annuler", data={"csrf_token": token})
    assert response.status_code == 404


def test_a_huge_page_number_shows_an_empty_page(client, login, make_user):
    make_user("admin")
    login("admin@relais.example", "mot-de-passe-solide")
    assert client.get(f"/portail/annuaire?page={HUGE}").status_code == 200


def test_control_characters_in_an_address_are_refused_in_french(client):
    for url in ("/portail/calendrier/partenaire/a%00b.ics", "/portail/connexion?next=%00", "/annuaire/%1b"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "caractère invisible" in response.get_data(as_text=True)


# -- control characters in forms ---------------------------------------------------------------


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x07", "\x7f", "\x85", "\x1f", "\x0b", "\t"])
def test_a_control_character_in_a_text_field_is_refused_in_french(app, client, make_user, character):
    make_user("admin")
    token = csrf_token(client, "/portail/connexion")
    response = client.post(
        "/portail/connexion",
        data={
            "csrf_token": token,
            "email": "admin@relais.example",
            "password": f"mot-de-passe{character}solide",
        },
    )
    assert response.status_code == 400
    assert "caractère invisible qui n&#39;est pas accepté" in response.get_data(as_text=True)
    assert client.get("/portail/").status_code == 302  # not logged in


def test_text_areas_keep_tabs_and_line_breaks(app):
    from werkzeug.datastructures import MultiDict
    from wtforms import StringField, TextAreaField

    from portal.web.fields import FlaskForm

    class Note(FlaskForm):
        class Meta:
            csrf = False

        title = StringField()
        body = TextAreaField()

    with app.test_request_context():
        kept = Note(MultiDict({"title": "Titre", "body": "ligne 1\r\n\tligne 2\n"}))
        assert kept.validate(), kept.errors
        refused = Note(MultiDict({"title": "Titre\tà onglet", "body": "ligne\x00"}))
        assert not refused.validate()
        assert refused.errors == {"title": [CONTROL_CHARACTER], "body": [CONTROL_CHARACTER]}


def test_every_form_of_the_portal_refuses_control_characters(app):
    """Every form class derives from the portal's FlaskForm, which does the check."""
    import flask_wtf

    from portal.web.fields import FlaskForm

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    forms = [cls for cls in subclasses(flask_wtf.FlaskForm) if cls.__module__.startswith("portal.")]
    assert len(forms) > 20
    strays = [f"{cls.__module__}.{cls.__name__}" for cls in forms if not issubclass(cls, FlaskForm)]
    assert not strays, "Importez FlaskForm de portal.web.fields : " + ", ".join(strays)


def test_a_huge_number_in_a_number_field_is_explained(app):
    from werkzeug.datastructures import MultiDict

    from portal.web.fields import FlaskForm, NumberField

    class Seats(FlaskForm):
        class Meta:
            csrf = False

        seats = NumberField()

    with app.test_request_context():
        form = Seats(MultiDict({"seats": HUGE}))
        assert not form.validate()
        assert form.errors == {"seats": ["Ce nombre est trop grand."]}
        assert form.seats.data is None
