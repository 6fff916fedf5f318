"""relais import-partners: data·inclusion files (v1, the open data, Relais' own
earlier format) into the directory; each bad record listed and skipped."""

import json
from datetime import date, time

import pytest

from portal.demo import load_demo
from portal.services.datainclusion.cleaning import clean_phone, clean_siret
from portal.services.datainclusion.ingest import Options, import_directory
from portal.services.datainclusion.records import UnreadableFile, read_file
from portal.store.db import db, utcnow
from portal.store.models import ImportedService, Partner, PartnerTheme, Permanence, Place, Sector
from tests.conftest import make_app

GOOD = {
    "id": "dora--42",
    "source": "dora",
    "nom": "Point justice de l'Aude",
    "siret": "356 000 000 00048",
    "typologie": "ASSO",
    "adresse": "3 rue Voltaire",
    "code_postal": "11000",
    "commune": "Carcassonne",
    "code_insee": "11069",
    "rna": "W111000123",
    "date_maj": "2025-06-01",
    "lien_source": "https://dora.inclusion.beta.gouv.fr/structures/point-justice",
    "telephone": "+33 4 65 71 22 33",
    "courriel": "accueil@point-justice.example",
    "site_web": "https://point-justice.example",
    "presentation_resume": "Accès au droit gratuit.",
    "thematiques": ["difficultes-administratives-ou-juridiques"],
    "secteurs": ["Ozanam et Albignac"],
}
SERVICE = {
    "source": "dora",
    "id": "dora--service-7",
    "structure_id": "dora--42",
    "nom": "Permanence juridique",
    "description": "Conseils juridiques gratuits, sans rendez-vous.",
    "date_maj": 1748736000000,  # epoch milliseconds, as pandas writes the open data
    "thematiques": ["difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"],
    "horaires_accueil": "Tu[2] 14:00-16:30; PH off",
    "adresse": "3 rue Voltaire",
    "code_postal": "11000",
    "commune": "Carcassonne",
}


@pytest.fixture
def sector(app):
    with app.app_context():
        return Sector.create(name="Ozanam et Albignac", slug="ozanam-et-albignac")


def write(tmp_path, records, name="structures.json"):
    path = tmp_path / name
    path.write_text(json.dumps(records), encoding="utf-8")
    return str(path)


def run(runner, *args):
    result = runner.invoke(args=["import-partners", *map(str, args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def test_import_publishes_and_keeps_provenance_and_reimport_updates(app, runner, sector, tmp_path):
    result = run(runner, write(tmp_path, [GOOD]))
    assert result.exit_code == 0, result.output
    assert "1 structure(s) importées (1 nouvelle(s), 0 mise(s) à jour)" in result.output
    with app.app_context():
        partner = Partner.get(Partner.source_id == "dora--42")
        assert partner.status == "published" and partner.kind == "association"
        assert partner.phone == "04 65 71 22 33" and partner.siret == "35600000000048"
        assert (partner.source, partner.source_updated_on) == ("dora", date(2025, 6, 1))
        assert partner.source_url == GOOD["lien_source"]
        assert (partner.insee_code, partner.rna) == ("11069", "W111000123")
        assert [s.slug for s in partner.sectors] == ["ozanam-et-albignac"]
    renamed = {**GOOD, "nom": "Point-justice du Carcassonnais", "thematiques": ["famille", "famille"]}
    assert run(runner, write(tmp_path, [renamed])).exit_code == 0
    with app.app_context():
        assert Partner.select().count() == 1
        partner = Partner.get(Partner.source_id == "dora--42")
        assert partner.name == "Point-justice du Carcassonnais"
        assert [t.slug for t in partner.themes] == ["famille"]


def test_works_on_an_empty_database(app, runner, tmp_path):
    result = run(runner, write(tmp_path, [GOOD]))
    assert result.exit_code == 0, result.output
    assert "1 structure(s) sans secteur, à placer par l'équipe." in result.output
    with app.app_context():
        assert Partner.get().sectors.count() == 0


def test_a_structure_goes_to_the_one_sector_of_its_commune(app, runner, tmp_path):
    with app.app_context():
        viguier = Sector.create(name="Viguier", slug="viguier")
        Place.create(name="Maison de quartier", postcode="11000", commune="Carcassonne", sector=viguier)
        other = Sector.create(name="Trèbes", slug="trebes", areas="Trèbes, Berriac")
    records = [
        {**GOOD, "secteurs": []},
        {"id": "x--2", "nom": "Club de Berriac", "commune": "Berriac"},
        {"id": "x--3", "nom": "Ailleurs", "commune": "Narbonne", "code_postal": "11100"},
    ]
    result = run(runner, write(tmp_path, records))
    assert result.exit_code == 0 and "1 structure(s) sans secteur" in result.output
    with app.app_context():
        assert [s.id for s in Partner.get(Partner.source_id == "dora--42").sectors] == [viguier.id]
        assert [s.id for s in Partner.get(Partner.source_id == "x--2").sectors] == [other.id]


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"nom": ""}, "« nom » est obligatoire"),
        ({"nom": ["liste"]}, "« nom » doit être un texte"),
        ({"nom": {"a": 1}}, "« nom » doit être un texte"),
        ({"siret": "12345678901234"}, "clé de contrôle"),
        ({"siret": "123"}, "14 chiffres"),
        ({"site_web": "javascript:alert(1)"}, "http:// ou https://"),
        ({"courriel": "pas-une-adresse"}, "e-mail"),
        ({"code_postal": "110"}, "code postal"),
        ({"telephone": "12"}, "téléphone"),
        ({"thematiques": ["inconnue"]}, "thématique inconnue"),
        ({"presentation_resume": "x" * 281}, "280"),
        ({"thematiques": [1, 2]}, "liste de textes"),
        ({"date_maj": "hier"}, "date_maj"),
        ({"date_maj": "2999-01-01"}, "date_maj"),
        ({"code_insee": "1106"}, "code INSEE"),
        ({"rna": "123"}, "RNA"),
        ({"lien_source": "ftp://x"}, "lien_source"),
    ],
)
def test_invalid_records_are_reported_and_skipped(app, runner, sector, tmp_path, change, reason):
    other = {**GOOD, "id": "dora--43", "siret": None, "nom": "Autre structure"}
    result = run(runner, write(tmp_path, [{**GOOD, **change}, other]))
    assert result.exit_code == 1
    assert "structure n° 1 (dora--42)" in result.output and reason in result.output
    assert (
        "1 structure(s) importées (1 nouvelle(s), 0 mise(s) à jour), 0 service(s), 1 ignorée(s)"
        in result.output
    )
    with app.app_context():
        assert [p.source_id for p in Partner.select()] == ["dora--43"]


def test_la_poste_sirets_are_valid():
    assert clean_siret("356 000 000 12346") == "35600000012346"  # La Poste: digits sum to a multiple of 5
    with pytest.raises(ValueError, match="clé de contrôle"):
        clean_siret("35600000000049")
    assert clean_phone("04.65.71.22.33") == "04 65 71 22 33"
    assert clean_phone("0033465712233") == "04 65 71 22 33"


def test_same_siret_different_ids_are_two_partners_flagged_for_moderation(app, runner, tmp_path):
    twin = {**GOOD, "id": "soliguide--9", "nom": "Point justice (antenne)"}
    result = run(runner, write(tmp_path, [GOOD, twin]))
    assert result.exit_code == 0
    assert (
        "Doublon possible (même SIRET), en attente de modération : Point justice (antenne)" in result.output
    )
    with app.app_context():
        first, second = Partner.select().order_by(Partner.id)
        assert first.status == "published" and second.status == "pending"
        assert list(Partner.awaiting_moderation()) == [second]
        assert second.duplicates() == [first]


def test_en_attente_and_dry_run(app, runner, tmp_path):
    result = run(runner, write(tmp_path, [GOOD]), "--dry-run")
    assert result.exit_code == 0 and "1 structure(s) seraient importées" in result.output
    assert "rien n'a été enregistré" in result.output
    with app.app_context():
        assert Partner.select().count() == 0
    assert run(runner, write(tmp_path, [GOOD]), "--en-attente").exit_code == 0
    with app.app_context():
        partner = Partner.get()
        assert partner.status == "pending" and list(Partner.awaiting_moderation()) == [partner]


def test_filters_keep_one_area_and_its_services(app, runner, tmp_path):
    records = [
        GOOD,
        {"id": "a--1", "nom": "À Lyon", "code_postal": "69001"},
        {"id": "a--2", "nom": "Corse", "code_insee": "2A004"},
        {"id": "a--3", "nom": "Ain", "code_postal": 1000},  # a number: the leading zero is back
    ]
    services = [SERVICE, {**SERVICE, "id": "a--s", "structure_id": "a--1"}]
    structures_file, services_file = write(tmp_path, records), write(tmp_path, services, "services.json")
    result = run(runner, structures_file, "--services", services_file, "--departement", "11")
    assert result.exit_code == 0, result.output
    assert "1 structure(s) importées" in result.output and "1 service(s)" in result.output
    assert "4 enregistrement(s) hors de la zone demandée" in result.output
    result = run(runner, structures_file, "--code-insee", "2a004", "--code-postal", "1000")
    assert result.exit_code == 0 and "2 structure(s) importées" in result.output
    with app.app_context():
        assert {p.name for p in Partner.select()} == {"Point justice de l'Aude", "Corse", "Ain"}
        assert Partner.get(Partner.name == "Ain").postcode == "01000"


def test_services_bring_themes_hours_and_draft_permanences(app, runner, sector, tmp_path):
    irregular = {
        **SERVICE,
        "id": "dora--service-8",
        "nom": "Aide aux démarches",
        "thematiques": ["numerique--acceder-a-des-services-en-ligne"],
        "horaires_accueil": "Mo-Fr 09:00-12:00,14:00-17:00",
    }
    args = [write(tmp_path, [GOOD]), "--services", write(tmp_path, [SERVICE, irregular], "services.json")]
    result = run(runner, *args)
    assert result.exit_code == 0, result.output
    assert "1 permanence(s) en brouillon, à vérifier avant publication." in result.output
    with app.app_context():
        partner = Partner.get()
        assert {t.slug for t in partner.themes} == {
            "difficultes-administratives-ou-juridiques",
            "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits",
            "numerique--acceder-a-des-services-en-ligne",
        }
        (permanence,) = Permanence.select()
        assert permanence.draft and permanence.recurrence == "monthly" and permanence.month_week == 2
        assert permanence.place.insee_code == "11069"  # the service has none: its structure's
        assert (permanence.weekdays, permanence.opens_at, permanence.closes_at) == (
            "TU",
            time(14),
            time(16, 30),
        )
        kept = json.loads(ImportedService.get(ImportedService.source_id == "dora--service-8").record)
        assert kept["horaires_accueil"] == "Mo-Fr 09:00-12:00,14:00-17:00"  # kept as text
        assert kept["date_maj"] == "2025-06-01"
    assert run(runner, *args).exit_code == 0  # a re-import updates the draft, adds nothing
    with app.app_context():
        assert Permanence.select().count() == 1 and ImportedService.select().count() == 2
    assert b"Permanence juridique" not in app.test_client().get("/portail/calendrier/permanences.ics").data


def test_a_service_of_an_unknown_structure_is_skipped(app, runner, tmp_path):
    orphan = {**SERVICE, "structure_id": "dora--nowhere"}
    result = run(runner, write(tmp_path, [GOOD]), "--services", write(tmp_path, [orphan, "texte"], "s.json"))
    assert result.exit_code == 1
    assert "service n° 1 (dora--service-7) : sa structure" in result.output
    assert "service n° 2 : l'enregistrement n'est pas un objet" in result.output


def test_open_data_csv_with_python_lists(app, runner, tmp_path):
    path = tmp_path / "structures-inclusion-2025-06-02.csv"
    path.write_text(
        "id,source,nom,code_postal,date_maj,thematiques\n"
        "dora--1,dora,Épicerie solidaire,11000,2025-06-01,\"['equipement-et-alimentation--alimentation']\"\n"
        "dora--2,dora,Sans nom,11000,2025-06-01,[]\n"
        ",dora,,,,\n",
        encoding="utf-8",
    )
    result = run(runner, path)
    assert result.exit_code == 1 and "structure n° 3 : « nom » est obligatoire" in result.output
    with app.app_context():
        partner = Partner.get(Partner.source_id == "dora--1")
        assert [t.slug for t in partner.themes] == ["equipement-et-alimentation--alimentation"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"{pas du json", "pas du JSON valide"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "ni du JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "imbriqué trop profondément"),
        (b'{"a": 1}', "liste JSON de structures"),
        (b"", "vide"),
        (b"PK\x03\x04garbage", "tableur lisible"),
    ],
)
def test_unreadable_files_exit_2(runner, tmp_path, content, message):
    path = tmp_path / "bad"
    path.write_bytes(content)
    result = run(runner, path)
    assert result.exit_code == 2 and message in result.output


def test_missing_file_exits_2(runner, tmp_path):
    result = run(runner, tmp_path / "absent.json")
    assert result.exit_code == 2 and "impossible de lire" in result.output


HOSTILE_RECORDS = [
    None,
    42,
    "texte",
    [],
    [[[[[]]]]],
    {},
    {"nom": None},
    {"nom": 12},
    {"nom": True},
    {"nom": 1e308},
    {"nom": "x" * 1_000_000},
    {"nom": "N\x00UL\x01 ok", "id": "nul--1"},
    {"nom": "Profond", "id": "deep--1", "description": json.loads("[" * 50 + "]" * 50)},
    {"nom": "Id bizarre", "id": {"a": "b"}},
    {"nom": "Id trop long", "id": "x" * 500},
    {"nom": "Date", "date_maj": 10**30},
    {"nom": "Date", "date_maj": -(10**20)},
    {"nom": "Date", "date_maj": [2025]},
    {"nom": "Thèmes", "thematiques": "famille--soutien-aidants"},
    {"nom": "Thèmes", "thematiques": [[1]]},
    {"nom": "Thèmes", "thematiques": "[" * 5000},
    {"nom": "Secteurs", "secteurs": {"x": 1}},
    {"nom": "Réseaux", "reseaux_porteurs": [None, {}]},
    {"nom": "Typologie", "typologie": ["ASSO"]},
    {"nom": "\ud800 surrogate"},
    {"nom": "Postal", "code_postal": 1.5},
    {"nom": "Postal", "code_postal": -1},
]


def test_hostile_records_never_crash(app, runner, tmp_path):
    services = [
        None,
        {"structure_id": ["x"]},
        {"structure_id": "nul--1", "id": "s", "nom": "\x00"},
        {"id": 1},
    ]
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(HOSTILE_RECORDS), encoding="utf-8")
    result = run(runner, path, "--services", write(tmp_path, services, "services.json"))
    assert result.exit_code == 1
    with app.app_context():
        names = {p.name for p in Partner.select()}
    assert "NUL ok" in names  # control characters stripped
    assert not any("\x00" in name for name in names)
    skipped = [line for line in result.output.splitlines() if line.startswith("Ignorée")]
    assert len(skipped) == len(HOSTILE_RECORDS) - len(names) + len(services)


def test_huge_files_are_refused_before_reading():
    with pytest.raises(UnreadableFile, match="dépasse 1 Mo"):
        read_file(b"[" + b" " * (2 * 1024 * 1024) + b"]", max_bytes=1024 * 1024)


def test_nothing_half_imported(app, sector, monkeypatch):
    records = [{**GOOD, "id": f"id-{n}", "siret": None, "nom": f"Structure {n}"} for n in range(5)]
    calls = []
    from portal.store.models import PartnerSector

    original = PartnerSector.create

    def failing_create(**fields):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disque plein")
        return original(**fields)

    with app.app_context():
        monkeypatch.setattr(PartnerSector, "create", failing_create)
        with pytest.raises(RuntimeError):
            import_directory(records, [], Options(today=date.today(), now=utcnow()))
        assert Partner.select().count() == 0


def test_export_then_import_into_an_empty_database_gives_the_same_records(app, client, sqlite_url, tmp_path):
    with app.app_context():
        load_demo()
        # a partner imported from elsewhere keeps its source and id through the trip
        import_directory([GOOD], [SERVICE], Options(today=date.today(), now=utcnow()))
    structures = client.get("/portail/export/structures.json").get_json()
    services = client.get("/portail/export/services.json").get_json()
    db.close()
    other = make_app(f"sqlite:///{tmp_path / 'other.db'}")
    with other.app_context():
        report = import_directory(structures, services, Options(today=date.today(), now=utcnow()))
        assert report.skipped == [] and report.created == len(structures)
    again = other.test_client()
    structures_again = again.get("/portail/export/structures.json").get_json()
    services_again = again.get("/portail/export/services.json").get_json()

    def without_date(records):
        return sorted(
            json.dumps({k: v for k, v in r.items() if k != "date_maj"}, sort_keys=True) for r in records
        )

    assert without_date(structures_again) == without_date(structures)
    assert without_date(services_again) == without_date(services)
    assert any(r["source"] == "dora" for r in structures_again)


def test_old_relais_export_format_still_imports(app, runner, sector, tmp_path):
    old = {**GOOD, "presentation_detail": "Le détail.", "secteurs": ["ozanam-et-albignac"]}
    del old["source"]
    assert run(runner, write(tmp_path, [old])).exit_code == 0
    with app.app_context():
        partner = Partner.get()
        assert partner.description == "Le détail." and partner.source is None
        assert PartnerTheme.select().count() == 1


def test_dates_from_datetime_strings():
    from portal.services.datainclusion.parse import parse_date

    today = date(2026, 1, 1)
    assert parse_date("2025-06-01T00:00:00.000Z", today) == date(2025, 6, 1)
    assert parse_date(1748736000000, today) == date(2025, 6, 1)
    assert parse_date(None, today) is None


def test_a_flagged_duplicate_without_contact_can_be_approved(app, client, runner, tmp_path, login, make_user):
    from tests.conftest import moderation_form

    twin = {**GOOD, "id": "soliguide--9", "nom": "Point justice (antenne)"}
    run(runner, write(tmp_path, [GOOD, twin]))
    make_user("mediator")
    login("mediator@relais.example", "mot-de-passe-solide")
    queue = client.get("/portail/moderation/").get_data(as_text=True)
    assert "Point justice (antenne)" in queue and "Point justice de l&#39;Aude" in queue  # the twin is shown
    with app.app_context():
        twin_id = Partner.get(Partner.source_id == "soliguide--9").id
    response = client.post(f"/portail/moderation/{twin_id}/approuver", data=moderation_form(client, twin_id))
    assert response.status_code == 302
    with app.app_context():
        assert Partner.get_by_id(twin_id).status == "published"
