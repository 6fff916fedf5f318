"""Directory import and export with data·inclusion field names."""

import json

import pytest

from portal.services.datainclusion import clean_phone, clean_siret
from portal.services.datainclusion.ingest import import_structures
from portal.store.models import Partner, Sector

GOOD = {
    "id": "dora-42",
    "nom": "Point justice de l'Aude",
    "siret": "356 000 000 00048",
    "typologie": "ASSO",
    "adresse": "3 rue Voltaire",
    "code_postal": "11000",
    "commune": "Carcassonne",
    "telephone": "+33 4 65 71 22 33",
    "courriel": "accueil@point-justice.example",
    "site_web": "https://point-justice.example",
    "presentation_resume": "Accès au droit gratuit.",
    "thematiques": ["difficultes-administratives-ou-juridiques"],
    "secteurs": ["Ozanam et Albignac"],
}


@pytest.fixture
def sector(app):
    with app.app_context():
        return Sector.create(name="Ozanam et Albignac", slug="ozanam-et-albignac")


def write(tmp_path, records):
    path = tmp_path / "structures.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    return str(path)


def test_import_publishes_and_reimport_updates(app, runner, sector, tmp_path):
    result = runner.invoke(args=["import-partners", write(tmp_path, [GOOD])])
    assert result.exit_code == 0, result.output
    assert "1 structure(s) importée(s)" in result.output
    with app.app_context():
        partner = Partner.get(Partner.source_id == "dora-42")
        assert partner.status == "published" and partner.kind == "association"
        assert partner.phone == "04 65 71 22 33" and partner.siret == "35600000000048"
        assert [s.slug for s in partner.sectors] == ["ozanam-et-albignac"]
    renamed = {**GOOD, "nom": "Point-justice du Carcassonnais", "thematiques": ["famille", "famille"]}
    assert runner.invoke(args=["import-partners", write(tmp_path, [renamed])]).exit_code == 0
    with app.app_context():
        assert Partner.select().count() == 1
        partner = Partner.get(Partner.source_id == "dora-42")
        assert partner.name == "Point-justice du Carcassonnais"
        assert [t.slug for t in partner.themes] == ["famille"]


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"nom": ""}, "le nom"),
        ({"siret": "12345678901234"}, "clé de contrôle"),
        ({"siret": "123"}, "14 chiffres"),
        ({"site_web": "javascript:alert(1)"}, "http:// ou https://"),
        ({"courriel": "pas-une-adresse"}, "e-mail"),
        ({"code_postal": "1100"}, "code postal"),
        ({"telephone": "12"}, "téléphone"),
        ({"thematiques": ["inconnue"]}, "thématique inconnue"),
        ({"secteurs": ["Atlantide"]}, "secteur inconnue"),
        ({"presentation_resume": "x" * 281}, "280"),
        ({"thematiques": [1, 2]}, "listes de textes"),
    ],
)
def test_invalid_records_are_reported_and_skipped(app, runner, sector, tmp_path, change, reason):
    other = {**GOOD, "id": "dora-43", "siret": None, "nom": "Autre structure"}
    result = runner.invoke(args=["import-partners", write(tmp_path, [{**GOOD, **change}, other])])
    assert result.exit_code == 1
    assert "structure n° 1" in result.output and reason in result.output
    assert "1 structure(s) importée(s) ou mise(s) à jour, 1 ignorée(s)" in result.output
    with app.app_context():
        assert [p.source_id for p in Partner.select()] == ["dora-43"]


def test_not_json_is_refused(runner, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{pas du json")
    result = runner.invoke(args=["import-partners", str(path)])
    assert result.exit_code != 0 and "pas du JSON valide" in result.output


def test_nothing_half_imported(app, sector, monkeypatch):
    records = [{**GOOD, "id": f"id-{n}", "siret": None, "nom": f"Structure {n}"} for n in range(5)]
    calls = []

    def failing_create(**fields):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disque plein")
        return original(**fields)

    with app.app_context():
        from portal.store.models import PartnerSector

        original = PartnerSector.create
        monkeypatch.setattr(PartnerSector, "create", failing_create)
        with pytest.raises(RuntimeError):
            import_structures(records)
        assert Partner.select().count() == 0


def test_clean_helpers():
    assert clean_siret(" 356 000 000 00048 ") == "35600000000048"
    assert clean_phone("04.65.71.22.33") == "04 65 71 22 33"
    assert clean_phone("0033465712233") == "04 65 71 22 33"
