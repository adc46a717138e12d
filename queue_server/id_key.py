"""The key of the ID-number hash, kept outside the database.

A copy of the database alone (a backup, a lost disk) must not give back an ID
number: with the key beside the hashes, each number is a short brute force
from its mask. The key comes from `QUEUE_SECRET_KEY` (required in
production), else from a file outside the database (0600, generated once).
Databases from before kept the key in `meta.id_hash_key`: it is moved out to
the file and erased, so their hashes still match.
"""

import logging
import os
import secrets
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from . import identity
from .settings import Settings
from .store import Store

log = logging.getLogger("queue_server")

LEGACY_META_KEY = "id_hash_key"
MASKS_META_KEY = "id_mask_version"
MASKS_VERSION = "2"  # first two and last character of 18 (was first four and last four)


def load_id_key(settings: Settings, store: Store) -> bytes:
    """The key, after moving a key found in the database out of it."""
    with store.read() as tx:
        legacy = tx.meta(LEGACY_META_KEY)
        masks_done = tx.meta(MASKS_META_KEY) == MASKS_VERSION
    path = settings.key_file()
    if legacy is not None:
        _move_out(legacy, None if legacy == settings.secret_key else path, store)
    if not masks_done:
        _shrink_masks(store)
    if settings.secret_key is not None:
        if legacy is not None and legacy != settings.secret_key:
            raise SystemExit(
                f"this database's ID numbers were hashed with the key now in {path}, not with "
                "QUEUE_SECRET_KEY: set QUEUE_SECRET_KEY to that file's content (or unset it), "
                "or check-in by ID number, duplicate checks and booking bans stop matching"
            )
        return settings.secret_key.encode()
    return _read_or_create(path, settings.production).encode()


def _move_out(legacy: str, path: Path | None, store: Store) -> None:
    """Erase the key from the database, after saving it to `path` (None: the
    key is QUEUE_SECRET_KEY already)."""
    if path is not None:
        existing = _read(path)
        if existing is None:
            _create(path, legacy)
        elif existing != legacy:
            raise SystemExit(
                f"the database holds an ID-hash key (meta.id_hash_key) and {path} another: "
                "the database's hashes were made with its own; move that file away and restart"
            )
    with store.write() as tx:
        tx.delete_meta(LEGACY_META_KEY)
    store.checkpoint()
    log.warning("moved the ID-number hash key out of the database (to %s)", path or "the setting")


def _shrink_masks(store: Store) -> None:
    try:
        with store.write() as tx:
            changed = tx.shrink_id_masks(identity.mask)
            tx.set_meta(MASKS_META_KEY, MASKS_VERSION)
    except IntegrityError:  # another process starting at the same time did it
        return
    if changed:
        store.checkpoint()
        log.warning(
            "masked %d stored ID numbers down to their first two and last character", changed
        )


def _read_or_create(path: Path, production: bool) -> str:
    key = _read(path)
    if key is not None:
        return key
    if production:
        raise SystemExit(f"QUEUE_SECRET_KEY_FILE={path} does not exist")
    _create(path, secrets.token_hex(32))
    log.warning("generated the ID-number hash key in %s: keep it, and out of backups", path)
    key = _read(path)
    assert key is not None
    return key


def _read(path: Path) -> str | None:
    try:
        text = path.read_text("ascii").strip()
    except FileNotFoundError:
        return None
    if path.stat().st_mode & 0o077:
        log.warning("%s can be read by other users: chmod 600 it", path)
    if not text:
        raise SystemExit(f"{path} is empty: it should hold the ID-number hash key")
    return text


def _create(path: Path, key: str) -> None:
    """Write the key to `path`, readable by its owner only; a process that
    loses the race to create it keeps the winner's (read it back)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(key + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.link(temp, path)  # atomic, and fails if another process made it first
    except FileExistsError:
        pass
    finally:
        temp.unlink(missing_ok=True)
