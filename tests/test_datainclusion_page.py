"""Spreadsheets (XLSX, ODS) read by python-calamine, and the staff import page
that takes them (upload, columns, preview, import)."""

import datetime
import io
import json
import zipfile

import pytest
from openpyxl import Workbook

from portal.services.datainclusion import spreadsheet as sheets
from portal.store.models import Partner, PartnerTheme, Permanence, Place, Sector, Theme
from tests.conftest import csrf_token

EXPECTED = [
    ["id", "nom", "siret", "code_postal", "date_maj", "heure", "ouvert", "ratio", "formule"],
    ["a-1", "Asso Él", "35600000000048", "01000", "2025-06-01", "09:30", "true", "0.3", ""],
    ["", "", "", "", "", "", "", "", ""],
    ["a-2", "  espaces ", "1000", "11000", "2025-06-01 14:05", "", "false", "12.5", ""],
]


def xlsx_bytes():
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "structures"
    sheet.append(EXPECTED[0])
    sheet.append(
        [
            "a-1",
            "Asso Él",
            35600000000048,
            "01000",
            datetime.date(2025, 6, 1),
            datetime.time(9, 30),
            True,
            0.1 + 0.2,
            "=1+1",
        ]
    )
    sheet.append([])
    sheet.append(
        ["a-2", "  espaces ", 1000, 11000, datetime.datetime(2025, 6, 1, 14, 5), None, False, 12.5, None]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ods_bytes():
    """A minimal ODS as LibreOffice writes it: typed cells, repeated empty columns/rows."""

    def cell(kind, value, text):
        attrs = {
            "float": f'office:value="{value}"',
            "date": f'office:date-value="{value}"',
            "time": f'office:time-value="{value}"',
            "boolean": f'office:boolean-value="{value}"',
        }.get(kind, "")
        return (
            f'<table:table-cell office:value-type="{kind}" {attrs}><text:p>{text}</text:p></table:table-cell>'
        )

    header = "".join(cell("string", "", name) for name in EXPECTED[0])
    row1 = "".join(
        [
            cell("string", "", "a-1"),
            cell("string", "", "Asso Él"),
            cell("float", "35600000000048", "3,56E+13"),
            cell("string", "", "01000"),
            cell("date", "2025-06-01", "01/06/2025"),
            cell("time", "PT09H30M00S", "09:30"),
            cell("boolean", "true", "VRAI"),
            cell("float", "0.3", "0,3"),
            "<table:table-cell/>",
            '<table:table-cell table:number-columns-repeated="1015"/>',
        ]
    )
    row3 = "".join(
        [
            cell("string", "", "a-2"),
            cell("string", "", "  espaces "),
            cell("float", "1000", "1000"),
            cell("float", "11000", "11000"),
            cell("date", "2025-06-01T14:05:00", "01/06/2025 14:05"),
            "<table:table-cell/>",
            cell("boolean", "false", "FAUX"),
            cell("float", "12.5", "12,5"),
        ]
    )
    content = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">
<office:body><office:spreadsheet><table:table table:name="structures">
<table:table-row>{header}</table:table-row>
<table:table-row>{row1}</table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
<table:table-row>{row3}</table:table-row>
<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"""
    manifest = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_xlsx_and_ods_read_the_same():
    assert sheets.read_rows(xlsx_bytes()) == EXPECTED
    assert sheets.read_rows(xlsx_bytes(), "structures") == EXPECTED
    assert sheets.read_rows(ods_bytes()) == EXPECTED


def test_unreadable_spreadsheets():
    with pytest.raises(sheets.SpreadsheetError):
        sheets.read_rows(b"id;nom\n1;x\n")
    with pytest.raises(sheets.SpreadsheetError):
        sheets.read_rows(xlsx_bytes(), "absente")
    with pytest.raises(sheets.SpreadsheetError):
        sheets.read_rows(xlsx_bytes(), 3)


# -- the staff page -------------------------------------------------------------------

TEAM_ROWS = [
    ["Nom", "Adresse", "Code postal", "Ville", "Téléphone", "Courriel", "Site", "Thématiques", "Remarque"],
    [
        "Épicerie solidaire",
        "2 rue Haute",
        11000,
        "Carcassonne",
        "04 65 71 22 33",
        "epicerie@example.org",
        "https://epicerie.example",
        "equipement-et-alimentation--alimentation",
        "ouverte le mardi",
    ],
    ["", "ligne sans nom", "", "", "", "", "", "", ""],
    ["Club numérique", "", 1000, "Bourg", "12", "", "", "", ""],
    ["<script>alert(1)</script>", "", "", "", "", "", "", "", ""],
]


def team_xlsx(rows=TEAM_ROWS):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def staff(client, make_user, login):
    make_user("mediator")
    login("mediator@relais.example", "mot-de-passe-solide")
    return client


def upload(client, data, name, services=None, pending=False):
    token = csrf_token(client, "/portail/gestion/import")
    form = {"csrf_token": token, "structures": (io.BytesIO(data), name)}
    if services is not None:
        form["services"] = (io.BytesIO(services), "services.json")
    if pending:
        form["pending"] = "y"
    return client.post("/portail/gestion/import", data=form, content_type="multipart/form-data")


def test_a_team_spreadsheet_from_upload_to_import(app, staff):
    response = upload(staff, team_xlsx(), "annuaire.xlsx")
    assert response.status_code == 302 and "/colonnes" in response.location
    page = staff.get(response.location).get_data(as_text=True)
    assert '<option value="nom" selected>' in page and '<option value="courriel" selected>' in page
    assert '<option value="site_web" selected>' in page and '<option value="commune" selected>' in page
    token = response.location.split("/")[-2]
    columns = {
        "column_0": "nom",
        "column_1": "adresse",
        "column_2": "code_postal",
        "column_3": "commune",
        "column_4": "telephone",
        "column_5": "courriel",
        "column_6": "site_web",
        "column_7": "thematiques",
    }
    preview = staff.get(f"/portail/gestion/import/{token}/apercu", query_string=columns).get_data(
        as_text=True
    )
    assert "2 structure(s) prête(s) à importer" in preview and "2 ligne(s) en erreur" in preview
    assert "Erreur : « nom » est obligatoire" in preview  # line 3 of the sheet
    assert "Erreur : le numéro de téléphone" in preview
    assert "&lt;script&gt;" in preview and "<script>alert" not in preview
    with app.app_context():
        assert Partner.select().count() == 0  # a preview writes nothing
    token_csrf = csrf_token(staff, f"/portail/gestion/import/{token}/apercu?column_0=nom")
    done = staff.post(
        f"/portail/gestion/import/{token}/importer", data={"csrf_token": token_csrf, "pending": "", **columns}
    )
    assert done.status_code == 200
    assert "2 structure(s) importées" in done.get_data(as_text=True)
    with app.app_context():
        epicerie = Partner.get(Partner.name == "Épicerie solidaire")
        assert epicerie.status == "published" and epicerie.email == "epicerie@example.org"
        assert [t.slug for t in epicerie.themes] == ["equipement-et-alimentation--alimentation"]
    assert staff.get(f"/portail/gestion/import/{token}/apercu").status_code == 404  # file discarded


def test_a_csv_with_french_headings_and_an_ods(app, staff):
    csv_text = "Nom;Code postal;Ville;Courriel\nAmicale;11000;Carcassonne;amicale@example.org\n"
    response = upload(staff, csv_text.encode("utf-8-sig"), "annuaire.csv", pending=True)
    preview = staff.get(
        response.location.replace("/colonnes", "/apercu")
        + "&column_0=nom&column_1=code_postal&column_2=commune&column_3=courriel"
    )
    assert "1 structure(s) prête(s)" in preview.get_data(as_text=True)
    assert "(en attente de modération)" in preview.get_data(as_text=True)
    response = upload(staff, ods_bytes(), "annuaire.ods")
    page = staff.get(response.location).get_data(as_text=True)
    assert '<option value="siret" selected>' in page and "35600000000048" in page


def test_a_data_inclusion_file_goes_straight_to_the_preview(app, staff):
    structures = [{"id": "dora--1", "source": "dora", "nom": "Point justice", "date_maj": "2025-06-01"}]
    services = [
        {
            "id": "dora--s",
            "structure_id": "dora--1",
            "nom": "Permanence",
            "description": "Conseils gratuits.",
            "date_maj": "2025-06-01",
            "source": "dora",
        }
    ]
    response = upload(
        staff, json.dumps(structures).encode(), "structures.json", json.dumps(services).encode()
    )
    assert "/apercu" in response.location
    page = staff.get(response.location).get_data(as_text=True)
    assert "1 structure(s) prête(s)" in page and "1 service(s)" in page


@pytest.mark.parametrize("content", [b"", b"\x00\x01binaire\xff", b"[[[[" * 10_000, b"PK\x03\x04x"])
def test_unreadable_uploads_are_explained(staff, content):
    response = upload(staff, content, "x.xlsx")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choisissez le fichier" in page or "ne peut pas être lu" in page


def test_only_staff_and_real_tokens(client, staff, make_user, login):
    assert staff.get("/portail/gestion/import/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/apercu").status_code == 404
    assert staff.get("/portail/gestion/import/..%2F..%2Fetc/colonnes").status_code == 404
    staff.post("/portail/deconnexion", data={"csrf_token": csrf_token(staff, "/portail/gestion/import")})
    make_user("partner", email="p@example.org")
    login("p@example.org", "mot-de-passe-solide")
    assert client.get("/portail/gestion/import").status_code == 403


def test_drafts_are_published_from_the_page_and_unknown_themes_listed(app, staff):
    with app.app_context():
        sector = Sector.create(name="Viguier", slug="viguier")
        place = Place.create(name="Maison", sector=sector)
        permanence = Permanence.create(
            sector=sector,
            place=place,
            title="Permanence proposée",
            weekdays="TU",
            opens_at=datetime.time(9),
            closes_at=datetime.time(12),
            valid_from=datetime.date(2026, 1, 1),
            draft=True,
        )
        partner = Partner.create(name="Ancien thème", slug="ancien")
        theme = Theme.create(slug="mon-theme-maison", label="Thème maison")
        PartnerTheme.create(partner=partner, theme=theme)
    page = staff.get("/portail/gestion/import").get_data(as_text=True)
    assert "Permanence proposée" in page
    token = csrf_token(staff, "/portail/gestion/import")
    response = staff.post(
        f"/portail/gestion/import/brouillons/{permanence.id}/publier", data={"csrf_token": token}
    )
    assert response.status_code == 302
    with app.app_context():
        assert not Permanence.get_by_id(permanence.id).draft
    themes = staff.get("/portail/gestion/import/thematiques").get_data(as_text=True)
    assert "mon-theme-maison" in themes and "Ancien thème" in themes
    assert "famille--soutien-aidants" not in themes
