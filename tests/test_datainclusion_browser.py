"""The staff import page in a real browser, on a phone and a desktop width:
upload a team spreadsheet, check the columns, see the preview, import; axe-core
on each page."""

import pytest

from tests.a11y import violations
from tests.test_datainclusion_page import TEAM_ROWS, team_xlsx

pytestmark = pytest.mark.browser


def log_in(page, live_server):
    email, password = live_server["accounts"]["Médiatrice"]
    page.goto(live_server["url"] + "/portail/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/portail/")


@pytest.mark.parametrize("width", [375, 1280])
def test_import_a_team_spreadsheet(live_server, page, tmp_path, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server)
    page.goto(live_server["url"] + "/portail/gestion/import")
    assert violations(page) == []

    # Sent empty first: the error must be accessible too.
    page.get_by_role("button", name="Lire le fichier").click()
    assert "Choisissez le fichier" in page.content()
    assert violations(page) == []

    path = tmp_path / f"annuaire-{width}.xlsx"
    rows = [TEAM_ROWS[0]] + [[f"{row[0]} {width}" if row[0] else "", *row[1:]] for row in TEAM_ROWS[1:]]
    path.write_bytes(team_xlsx(rows))
    page.get_by_label("Fichier des structures").set_input_files(str(path))
    page.get_by_role("button", name="Lire le fichier").click()
    page.wait_for_url("**/colonnes**")
    assert page.get_by_label("Ville").input_value() == "commune"
    assert page.get_by_label("Remarque").input_value() == ""
    assert violations(page) == []

    page.get_by_role("button", name="Voir l'aperçu").click()
    page.wait_for_url("**/apercu**")
    assert "2 structure(s) prête(s) à importer" in page.get_by_role("status").inner_text()
    assert "« nom » est obligatoire" in page.content()
    assert violations(page) == []

    page.get_by_role("button", name="Importer 2 structure(s)").click()
    page.wait_for_selector("text=Import terminé")
    assert "2 structure(s) importées" in page.get_by_role("status").inner_text()
    assert violations(page) == []
