"""Files uploaded on the staff import page, kept between its steps
(columns, preview, import) under an unguessable name, for a day at most."""

import re
import secrets
import time
from pathlib import Path

from portal.services.errors import NotFound

KEEP_SECONDS = 24 * 3600
NAME = re.compile(r"[A-Za-z0-9_-]{20,64}")


def save(folder, structures, services=b""):
    """Store the uploaded bytes; returns the token naming them."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    purge(folder)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.structures").write_bytes(structures)
    (folder / f"{token}.services").write_bytes(services or b"")
    return token


def load(folder, token):
    """(structures bytes, services bytes), or NotFound when gone or forged."""
    if not isinstance(token, str) or not NAME.fullmatch(token):
        raise NotFound()
    folder = Path(folder)
    try:
        return (folder / f"{token}.structures").read_bytes(), (folder / f"{token}.services").read_bytes()
    except OSError:
        raise NotFound() from None


def discard(folder, token):
    if NAME.fullmatch(token or ""):
        for suffix in ("structures", "services"):
            (Path(folder) / f"{token}.{suffix}").unlink(missing_ok=True)


def purge(folder, now=None):
    now = now or time.time()
    for path in Path(folder).glob("*.s*"):
        try:
            if now - path.stat().st_mtime > KEEP_SECONDS:
                path.unlink()
        except OSError:
            pass  # another request purged it first
