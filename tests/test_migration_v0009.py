"""v0009: a topic's decline reason moves from its description to its own column."""

from portal.store import migrations
from portal.store.db import db
from portal.store.migrations import SchemaVersion, current_version, upgrade
from portal.store.migrations.v0009_topic_decline_reason import split_reason
from portal.store.models import Topic
from tests.conftest import make_app, older_database

APPENDED = "Les factures explosent.\n\nMotif du refus (équipe) : Déjà traité l'an dernier."
# Declined topics as v6 stored them (the reason appended by the staff page), and
# others whose text looks alike but must not change.
V6_TOPICS = [
    (101, "Chauffage", APPENDED, "declined"),
    (102, "Sans description", "Motif du refus (équipe) : Hors de notre champ.", "declined"),
    (103, "Refusé sans motif", "Rien à ajouter.", "declined"),
    (104, "Proposé", "Texte\n\nMotif du refus (équipe) : écrit par le partenaire", "proposed"),
    (
        105,
        "Deux fois",
        "Je cite : « Motif du refus (équipe) : x »\n\nMotif du refus (équipe) : Le vrai motif.",
        "declined",
    ),
]


def load_v6(sqlite_url, topics=V6_TOPICS):
    with older_database(sqlite_url, "relais-v6.sql") as connection:
        connection.executemany(
            "INSERT INTO topic VALUES (?, '2026-10-01 09:00:00', '2026-10-02 09:00:00', ?, ?, NULL, ?, NULL)",
            [(id_, title, description, status) for id_, title, description, status in topics],
        )
        return connection.execute("SELECT id, title, status FROM topic ORDER BY id").fetchall()


def test_v6_topics_get_their_decline_reason_and_keep_everything_else(sqlite_url):
    before = load_v6(sqlite_url)
    app = make_app(sqlite_url)  # runs init-db's upgrade
    with app.app_context():
        assert current_version() == migrations.head()
        assert [(t.id, t.title, t.status) for t in Topic.select().order_by(Topic.id)] == before
        moved = {t.id: (t.description, t.decline_reason) for t in Topic.select().where(Topic.id > 100)}
        assert moved == {
            101: ("Les factures explosent.", "Déjà traité l'an dernier."),
            102: ("", "Hors de notre champ."),
            103: ("Rien à ajouter.", ""),
            104: ("Texte\n\nMotif du refus (équipe) : écrit par le partenaire", ""),  # not declined
            105: ("Je cite : « Motif du refus (équipe) : x »", "Le vrai motif."),
        }
        # The demo's topics (the fixture's own) have no reason and keep their text.
        demo = Topic.get_by_id(1)
        assert demo.decline_reason == "" and demo.description.startswith("Repérer la souffrance")
    db.close()


def test_the_staff_page_shows_the_moved_reason(sqlite_url):
    load_v6(sqlite_url)
    app = make_app(sqlite_url)
    from tests.conftest import csrf_token

    with app.app_context():
        from portal.store.models import User

        User.register(email="m@relais.example", password="mot-de-passe-solide", role="mediator")
    client = app.test_client()
    token = csrf_token(client, "/portail/connexion")
    client.post(
        "/portail/connexion",
        data={"csrf_token": token, "email": "m@relais.example", "password": "mot-de-passe-solide"},
    )
    page = client.get("/portail/themes/").get_data(as_text=True)
    assert "Motif : Déjà traité l&#39;an dernier." in page
    assert "Motif du refus (équipe) : Déjà traité" not in page
    db.close()


def test_split_reason():
    assert split_reason("Texte") is None
    assert split_reason("Motif du refus (équipe) : x") == ("", "x")
    assert split_reason("a\n\nMotif du refus (équipe) :  b  ") == ("a", "b")


def test_the_step_runs_on_both_engines(any_app):
    """The step alone, replayed on a database whose topics have no column yet."""
    db.execute_sql("ALTER TABLE topic DROP COLUMN decline_reason")
    for id_, title, description, status in V6_TOPICS:
        db.execute_sql(
            "INSERT INTO topic (id, created_at, updated_at, title, description, status) "
            "VALUES (%s, '2026-10-01 09:00:00', '2026-10-02 09:00:00', %s, %s, %s)".replace("%s", db.param),
            (id_, title, description, status),
        )
    SchemaVersion.delete().where(SchemaVersion.version >= 9).execute()
    SchemaVersion.create(version=8)

    # This step alone: the later ones already ran on this database.
    assert upgrade([step for step in migrations.steps() if step[0] <= 9]) == [9]
    assert Topic.get_by_id(101).decline_reason == "Déjà traité l'an dernier."
    assert Topic.get_by_id(101).description == "Les factures explosent."
    assert Topic.get_by_id(104).decline_reason == ""
