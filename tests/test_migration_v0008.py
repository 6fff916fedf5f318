"""v0008: the partner transition log and the contact address awaiting confirmation,
on the committed version-6 database (tests/fixtures/relais-v6.sql)."""

from portal.store import migrations
from portal.store.db import db
from portal.store.migrations import current_version
from tests.conftest import make_app, older_database, row_counts


def test_the_v6_database_gets_the_partner_log_and_keeps_every_row(sqlite_url):
    from portal.store.models import Partner, PartnerTransition

    with older_database(sqlite_url, "relais-v6.sql") as connection:
        before = row_counts(connection)
        statuses = dict(connection.execute("SELECT id, status FROM partner"))
    assert before["schema_version"] == 1 and before["partner"] > 10
    app = make_app(sqlite_url)  # runs init-db's upgrade
    with app.app_context():
        assert current_version() == migrations.head() >= 8
        for table, count in before.items():
            if table != "schema_version":
                assert db.execute_sql(f'SELECT count(*) FROM "{table}"').fetchone()[0] == count, table
        # No invented history: nobody knows who published the existing partners, nor when.
        assert PartnerTransition.select().count() == 0
        assert {p.id: p.status for p in Partner.select()} == statuses
        assert {p.pending_contact_email for p in Partner.select()} == {""}
        # The new table works with the old rows: a log row, then its partner deleted.
        partner = Partner.select().first()
        PartnerTransition.create(partner=partner, from_status="published", to_status="withdrawn")
        assert partner.transitions.count() == 1
        columns = {column.name for column in db.get_columns("partner_transition")}
        assert columns >= {"partner_id", "actor_id", "actor_label", "from_status", "to_status", "reason"}
    db.close()
