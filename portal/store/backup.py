"""Backups that stay consistent while the portal keeps writing, and their restore.

SQLite: the online backup API copies the database page by page under a read
transaction, so the copy is a consistent snapshot even with WAL writers.
PostgreSQL: pg_dump (custom format) does the same from one snapshot, and
pg_restore puts it back.
"""

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path


class BackupError(Exception):
    """A French message saying what went wrong and what to do."""


def sqlite_path(url):
    """'sqlite:////srv/relais.db' -> '/srv/relais.db', 'sqlite:///relais.db' -> 'relais.db'."""
    return url.split("///", 1)[1]


def backup(url, destination):
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        source = sqlite_path(url)
        if not os.path.exists(source):
            raise BackupError(f"La base {source} n'existe pas.")
        with sqlite3.connect(source) as live, sqlite3.connect(destination) as copy:
            live.backup(copy)
        copy.close()
        live.close()
    else:
        run([postgres_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={destination}", url])
    return destination


def restore(url, source):
    """Replace the database's content with the backup's (stop the portal first)."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"La sauvegarde {source} n'existe pas.")
    if url.startswith("sqlite"):
        target = sqlite_path(url)
        with sqlite3.connect(source) as backup_file, sqlite3.connect(target) as live:
            backup_file.backup(live)
        backup_file.close()
        live.close()
    else:
        run(
            [
                postgres_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={url}",
                str(source),
            ]
        )


def postgres_tool(name):
    """pg_dump/pg_restore: from PATH, else the newest Debian server's bin folder."""
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise BackupError(f"{name} est introuvable : installez le paquet postgresql-client.")
    return found


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        raise BackupError(f"{Path(command[0]).name} a échoué : {result.stderr.strip()[:500]}")
