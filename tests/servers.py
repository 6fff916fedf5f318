"""Servers for the tests and the benchmarks: a throw-away PostgreSQL in a
temporary folder on a free local port, and waiting for a server to answer.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@contextmanager
def throwaway_postgres():
    """Yields the URL of a fresh cluster; removes everything afterwards."""
    bindir = postgres_bin()
    if bindir is None:
        raise FileNotFoundError("initdb")
    # Not under pytest's tmp dir: as root, the server runs as "postgres",
    # which must be able to reach its data directory.
    top = Path(tempfile.mkdtemp(prefix="relais-pg-"))
    datadir = top / "data"
    port = free_port()
    as_postgres = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(top, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]

    def run(*cmd):
        subprocess.run([*as_postgres, *cmd], check=True, capture_output=True)

    run(
        str(bindir / "initdb"),
        "-D",
        str(datadir),
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C",
    )
    options = (
        f"-p {port} -k {top} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off "
        "-c max_connections=200"
    )
    run(str(bindir / "pg_ctl"), "-D", str(datadir), "-o", options, "-w", "-l", str(top / "log"), "start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop")
        shutil.rmtree(top, ignore_errors=True)


def wait_until_up(url, timeout=30):
    """Returns once ``url`` answers (any HTTP answer), or raises after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
