"""Migration v0011 (data·inclusion v1): provenance columns, draft permanences,
imported services, and old theme codes moved to their v1 equivalent."""

from portal.store import migrations
from portal.store.db import db
from portal.store.migrations import current_version
from portal.store.migrations import v0011_datainclusion as step
from portal.store.models import Partner, PartnerTheme, Permanence, Theme
from tests.conftest import make_app, older_database

OLD = "numerique--prendre-en-main-un-ordinateur"
NEW = "numerique--maitriser-les-fondamentaux-du-numerique"


def test_the_v6_database_is_upgraded_with_its_data(sqlite_url):
    with older_database(sqlite_url, "relais-v6.sql") as connection:
        connection.execute("INSERT INTO theme (slug, label) VALUES (?, 'Ordinateur')", (OLD,))
        connection.execute("INSERT INTO theme (slug, label) VALUES ('mon-theme-maison', 'Maison')")
        old_id, own_id = (
            connection.execute("SELECT id FROM theme WHERE slug = ?", (slug,)).fetchone()[0]
            for slug in (OLD, "mon-theme-maison")
        )
        connection.execute(
            "INSERT INTO partner_theme (partner_id, theme_id) VALUES (1, ?), (2, ?)", (old_id, own_id)
        )
        partners = connection.execute("SELECT count(*) FROM partner").fetchone()[0]
        links = connection.execute("SELECT count(*) FROM partner_theme").fetchone()[0]
        assert connection.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 6
    app = make_app(sqlite_url)
    with app.app_context():
        assert current_version() == migrations.head()
        assert Partner.select().count() == partners
        first = Partner.get_by_id(1)
        assert first.source is None and first.source_url == "" and first.insee_code == "" and first.rna == ""
        assert NEW in {theme.slug for theme in first.themes}
        assert not Theme.select().where(Theme.slug == OLD).exists()
        assert "mon-theme-maison" in {theme.slug for theme in Partner.get_by_id(2).themes}  # kept
        assert PartnerTheme.select().count() == links
        assert Permanence.select().where(Permanence.draft).count() == 0
        assert "imported_service" in db.get_tables()
    db.close()


def test_moving_themes_merges_links_on_both_engines(any_app):
    old = Theme.create(slug=OLD, label="Ordinateur")
    new = Theme.get(Theme.slug == NEW)
    both = Partner.create(name="A déjà les deux", slug="a")
    only_old = Partner.create(name="N'a que l'ancien", slug="b")
    PartnerTheme.create(partner=both, theme=old)
    PartnerTheme.create(partner=both, theme=new)
    PartnerTheme.create(partner=only_old, theme=old)
    with db.atomic():
        step.move_themes()
    assert [t.slug for t in both.themes] == [NEW]
    assert [t.slug for t in only_old.themes] == [NEW]
    assert not Theme.select().where(Theme.slug == OLD).exists()
