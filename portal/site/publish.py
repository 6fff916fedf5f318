"""Publishing the static site: build aside, swap in atomically, rebuild on change.

``site/`` is a symbolic link to the newest complete build, replaced with one
``rename`` (atomic on POSIX): visitors never see a half-built site, and a build
that fails leaves the previous one online. A file lock makes sure two builds
never run at once, even from several portal workers or a cron job.
"""

import fcntl
import os
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from flask import current_app

KEEP_BUILDS = 2  # the live one and the one before, for visitors mid-download


class BuildError(Exception):
    pass


def builds_dir(site_dir):
    site_dir = Path(os.path.abspath(site_dir))
    return site_dir.parent / f".{site_dir.name}-builds"


@contextmanager
def build_lock(site_dir):
    folder = builds_dir(site_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # waits for a build in progress
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_site(site_dir, config_file):
    """Build the site into a fresh folder, then make ``site_dir`` point to it."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    folder = builds_dir(site_dir)
    with build_lock(site_dir):
        target = Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"), dir=folder))
        try:
            build(load_config(str(config_file), site_dir=str(target)))
        except BaseException as error:
            shutil.rmtree(target, ignore_errors=True)
            if isinstance(error, Exception):
                raise BuildError(
                    f"La construction du site a échoué ({type(error).__name__} : {error}). "
                    "Le site en ligne n'a pas été modifié."
                ) from error
            raise
        swap_in(Path(os.path.abspath(site_dir)), target)
        prune(folder, keep=target)
    return target


def swap_in(site_dir, target):
    link = target.parent / f"link-{target.name}"
    os.symlink(os.path.relpath(target, site_dir.parent), link)
    if site_dir.is_dir() and not site_dir.is_symlink():
        # First publication over a folder made by a plain `mkdocs build`.
        os.rename(site_dir, target.parent / f"previous-{target.name}")
    os.replace(link, site_dir)


def prune(folder, keep):
    builds = sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in builds[:-KEEP_BUILDS]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


# -- rebuild when published content changes -----------------------------------

_worker_lock = threading.Lock()
_worker = None


def request_rebuild(app=None):
    """Ask for a rebuild soon; never builds inside the request.

    Requests are debounced: the build starts once no new request came for
    ``SITE_REBUILD_DELAY`` seconds, so ten quick edits make one build. The
    request is a marker file, so any worker (or `relais build-site`) can
    honour a request made by another.
    """
    global _worker
    app = app or current_app._get_current_object()
    if not app.config["SITE_AUTO_REBUILD"]:
        return None
    marker = builds_dir(app.config["SITE_DIR"]) / "requested"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_rebuild_when_quiet, args=(app, marker), daemon=True)
            _worker.start()
    return _worker


def _rebuild_when_quiet(app, marker):
    delay = app.config["SITE_REBUILD_DELAY"]
    while True:
        time.sleep(delay)
        try:
            requested_at = marker.stat().st_mtime
        except FileNotFoundError:
            return  # someone else built it
        if time.time() - requested_at < delay:
            continue  # still changing: wait until it is quiet
        with app.app_context():
            try:
                build_site(app.config["SITE_DIR"], app.config["MKDOCS_CONFIG"])
            except BuildError:
                app.logger.exception("Reconstruction du site impossible")
                return
            finally:
                from portal.store.db import db

                db.close()
        if marker.exists() and marker.stat().st_mtime == requested_at:
            marker.unlink(missing_ok=True)
            return
