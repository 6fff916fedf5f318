"""relais backup / relais restore: every row comes back, on SQLite and PostgreSQL."""

import sqlite3
import threading

from portal.demo import load_demo
from portal.store.backup import backup, restore
from portal.store.db import db
from portal.store.models import MODELS, Sector


def counts():
    return {model.__name__: model.select().count() for model in MODELS}


def wipe(url):
    """An empty database of the same kind, as after a disk loss."""
    if url.startswith("sqlite"):
        for model in reversed(MODELS):
            model.delete().execute()
    else:
        db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


def test_backup_then_restore_finds_every_row(any_app, database_url, tmp_path):
    load_demo()
    before = counts()
    archive = backup(database_url, tmp_path / "relais.backup")
    assert archive.stat().st_size > 0
    wipe(database_url)
    db.close()
    restore(database_url, archive)
    assert counts() == before
    assert Sector.get(Sector.slug == "ozanam-et-albignac").name == "Ozanam et Albignac"


def test_sqlite_backup_is_consistent_while_the_portal_writes(any_app, database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        return  # pg_dump reads one snapshot by design
    load_demo()
    stop = threading.Event()

    def writer():
        with any_app.app_context():
            n = 0
            while not stop.is_set():
                Sector.create(name=f"Secteur {n}", slug=f"secteur-{n}", position=100 + n)
                n += 1
            db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        archives = [backup(database_url, tmp_path / f"copy-{i}.db") for i in range(3)]
    finally:
        stop.set()
        thread.join()
    for archive in archives:
        with sqlite3.connect(archive) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert copy.execute("SELECT count(*) FROM partner").fetchone()[0] >= 25
        copy.close()


def test_backup_and_restore_commands(app, runner, tmp_path):
    with app.app_context():
        Sector.create(name="Grazailles et Fleming", slug="grazailles")
    result = runner.invoke(args=["backup", str(tmp_path / "save.db")])
    assert result.exit_code == 0 and "Sauvegarde écrite" in result.output
    with app.app_context():
        Sector.delete().execute()
        db.close()
    refused = runner.invoke(args=["restore", str(tmp_path / "save.db")], input="n\n")
    assert refused.exit_code != 0
    result = runner.invoke(args=["restore", str(tmp_path / "save.db"), "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert Sector.get().slug == "grazailles"
    missing = runner.invoke(args=["restore", str(tmp_path / "nope.db"), "--yes"])
    assert missing.exit_code != 0 and "n'existe pas" in missing.output
