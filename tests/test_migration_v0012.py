"""v0012: topics get a log of their moves, on the committed version-6 database
(tests/fixtures/relais-v6.sql) upgraded through every step, and the step alone
on both engines."""

import pytest
from peewee import IntegrityError

from portal.store import migrations
from portal.store.db import db
from portal.store.migrations import SchemaVersion, current_version, upgrade
from portal.store.models import Topic, TopicTransition, User
from tests.conftest import make_app, older_database, row_counts


def test_the_v6_database_gets_the_topic_log_and_keeps_every_row(sqlite_url):
    with older_database(sqlite_url, "relais-v6.sql") as connection:
        before = row_counts(connection)
        statuses = dict(connection.execute("SELECT id, status FROM topic"))
    assert before["schema_version"] == 1 and before["topic"] >= 3
    app = make_app(sqlite_url)  # runs init-db's upgrade
    with app.app_context():
        assert current_version() == migrations.head() >= 12
        for table, count in before.items():
            if table != "schema_version":
                assert db.execute_sql(f'SELECT count(*) FROM "{table}"').fetchone()[0] == count, table
        # No invented history: nobody knows who decided on the existing topics, nor when.
        assert TopicTransition.select().count() == 0
        assert {t.id: t.status for t in Topic.select()} == statuses
        # The new table works with the old rows, and its links hold.
        topic = Topic.select().first()
        user = User.register(email="m@relais.example", password="mot-de-passe-solide", role="mediator")
        TopicTransition.create(topic=topic, actor=user, from_status="proposed", to_status="accepted")
        assert topic.transitions.count() == 1
        User.delete_by_id(user.id)
        assert TopicTransition.get().actor_id is None  # the row outlives the account
        Topic.delete_by_id(topic.id)
        assert TopicTransition.select().count() == 0
    db.close()


def test_the_step_runs_on_both_engines(any_app):
    """The step alone, replayed on a database that has no topic log yet."""
    fresh = {(c.name, c.data_type, c.null) for c in db.get_columns("topic_transition")}
    db.execute_sql('DROP TABLE "topic_transition"')
    SchemaVersion.delete().where(SchemaVersion.version >= 12).execute()
    SchemaVersion.create(version=11)
    topic = Topic.create(title="Addictions", status="accepted")

    assert upgrade([step for step in migrations.steps() if step[0] <= 12]) == [12]
    TopicTransition.create(topic=topic, from_status="accepted", to_status="held", actor_label="Relais")
    assert [row.to_status for row in topic.transitions] == ["held"]
    with pytest.raises(IntegrityError), db.atomic():  # the statuses are checked by the database
        TopicTransition.create(topic=topic, to_status="bogus")
    # The step builds the table a fresh database gets from the model.
    assert {(c.name, c.data_type, c.null) for c in db.get_columns("topic_transition")} == fresh
    assert {name for name, _, _ in fresh} == {
        "id",
        "topic_id",
        "actor_id",
        "actor_label",
        "from_status",
        "to_status",
        "reason",
        "created_at",
    }
