"""v0010: every account of a v6 database gets its own session token; old cookies no longer log in."""

from portal.store import migrations
from portal.store.db import db
from portal.store.migrations import current_version
from portal.store.models import User
from tests.conftest import make_app, older_database


def load_v6(sqlite_url):
    with older_database(sqlite_url, "relais-v6.sql") as connection:
        return connection.execute('SELECT id, email, password_hash, role FROM "user" ORDER BY id').fetchall()


def test_v6_accounts_get_distinct_session_tokens_and_keep_everything_else(sqlite_url):
    before = load_v6(sqlite_url)
    assert before  # the fixture has the three demo accounts
    app = make_app(sqlite_url)  # runs init-db's upgrade
    with app.app_context():
        assert current_version() == migrations.head()
        after = [(u.id, u.email, u.password_hash, u.role) for u in User.select().order_by(User.id)]
        assert after == before
        tokens = [user.session_token for user in User.select()]
        assert all(len(token) >= 40 for token in tokens)
        assert len(set(tokens)) == len(tokens)
        # The token is unique in the database, as on a fresh one.
        indexes = {index.name: index for index in db.get_indexes("user")}
        assert indexes["user_session_token"].unique
    db.close()


def test_a_cookie_of_before_the_upgrade_logs_nobody_in(sqlite_url):
    """Cookies of v6 held the account id ("1"): it must not be taken for a token."""
    load_v6(sqlite_url)
    app = make_app(sqlite_url)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1"
        session["_fresh"] = True
    response = client.get("/portail/")
    assert response.status_code == 302 and "/portail/connexion" in response.headers["Location"]
    db.close()


def test_after_the_upgrade_the_demo_accounts_log_in(sqlite_url):
    load_v6(sqlite_url)
    app = make_app(sqlite_url)
    with app.app_context():
        admin = User.by_email("admin@relais.example")
        admin.set_password("un-nouveau-mot-de-passe")
        admin.save()
    client = app.test_client()
    from tests.conftest import csrf_token

    token = csrf_token(client, "/portail/connexion")
    client.post(
        "/portail/connexion",
        data={"csrf_token": token, "email": "admin@relais.example", "password": "un-nouveau-mot-de-passe"},
    )
    assert client.get("/portail/").status_code == 200
    db.close()


def test_the_step_runs_on_both_engines(any_app):
    """The step alone, replayed on a database whose accounts have no token yet."""
    from portal.store.migrations import SchemaVersion, upgrade

    for role in ("admin", "mediator"):
        User.register(email=f"{role}@relais.example", password="mot-de-passe-solide", role=role)
    assert db.execute_sql('SELECT count(*) FROM "user"').fetchone()[0] == 2
    db.execute_sql('DROP INDEX "user_session_token"')
    db.execute_sql('ALTER TABLE "user" DROP COLUMN session_token')
    SchemaVersion.delete().where(SchemaVersion.version >= 10).execute()
    SchemaVersion.create(version=9)

    # This step alone: the later ones already ran on this database.
    assert upgrade([step for step in migrations.steps() if step[0] <= 10]) == [10]
    tokens = {user.session_token for user in User.select()}
    assert len(tokens) == 2 and "" not in tokens
