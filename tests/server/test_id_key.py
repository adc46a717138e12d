"""The ID-number hash key never lives in the database: from the settings or a
0600 file outside it; a key left in an old database is moved out and erased."""

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from queue_server.access import Principal, Role
from queue_server.bodies import TicketIn
from queue_server.demo import DEMO_HALL, ensure_demo_hall
from queue_server.errors import DuplicateTicket
from queue_server.id_key import LEGACY_META_KEY, MASKS_META_KEY
from queue_server.models import MetaRow, TicketRow
from queue_server.services import HallServices
from queue_server.settings import Settings
from queue_server.store import Store
from tests.conftest import Clock
from tests.server.test_tickets_api import ELDER_ID

ADMIN = Principal(Role.ADMIN)
OLD_KEY = "9f1c" * 16  # a key as the old code generated it: 64 hex characters


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    store = Store(db_url)
    store.create_all()
    try:
        yield store
    finally:
        store.dispose()


def hub(store: Store, clock: Clock, **settings: object) -> HallServices:
    return HallServices(store, Settings(database_url=store.url).with_(**settings), clock=clock)


def issue(services: HallServices) -> dict[str, object]:
    body = TicketIn(service="CRJ-HZ-SC", id_number=ELDER_ID)
    view, _ = services.issue_ticket(ADMIN, DEMO_HALL, body, None)
    return view


def file_bytes(db_url: str) -> bytes:
    """The SQLite file and its write-ahead log, as a thief would copy them."""
    path = Path(db_url.removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_a_local_run_generates_the_key_into_a_private_file_beside_the_database(
    tmp_path: Path, clock: Clock
) -> None:
    url = f"sqlite:///{tmp_path}/var/hall.db"
    Settings(database_url=url).ensure_sqlite_dir()
    store = Store(url)
    store.create_all()
    first = hub(store, clock)
    ensure_demo_hall(first)
    issue(first)
    key_file = tmp_path / "var" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) == 64
    assert first.id_key() == key.encode()
    with store.read() as tx:
        assert tx.meta(LEGACY_META_KEY) is None
    store.dispose()
    assert key.encode() not in file_bytes(url)
    # the next start reads the same key: the same person is still found
    store = Store(url)
    with pytest.raises(DuplicateTicket):
        issue(hub(store, clock))
    store.dispose()


def test_a_key_left_in_an_old_database_is_moved_out_and_its_hashes_still_match(
    store: Store, db_url: str, tmp_path: Path, clock: Clock
) -> None:
    old = hub(store, clock, secret_key=OLD_KEY)
    ensure_demo_hall(old)
    issued = issue(old)
    with store.write() as tx:  # the database as the old code left it
        tx.set_meta(LEGACY_META_KEY, OLD_KEY)
        tx.delete_meta(MASKS_META_KEY)
        tx.s.execute(
            TicketRow.__table__.update().values(id_masked="1101**********002X")  # type: ignore[attr-defined]
        )
    key_file = tmp_path / "keys" / "id.key"
    new = hub(store, clock, secret_key_file=str(key_file))
    with pytest.raises(DuplicateTicket):  # the stored hash matches: the person is known
        issue(new)
    assert key_file.read_text().strip() == OLD_KEY
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with store.read() as tx:
        assert tx.s.scalars(select(MetaRow).where(col(MetaRow.key) == LEGACY_META_KEY)).all() == []
        masked = tx.s.scalars(select(TicketRow.id_masked)).all()
    assert masked == ["11***************X"]
    assert issued["number"] == "B001"
    if db_url.startswith("sqlite"):
        store.dispose()
        content = file_bytes(db_url)
        assert OLD_KEY.encode() not in content and b"1101**********002X" not in content


def test_the_old_key_is_kept_when_it_is_the_setting_and_refused_when_another(
    store: Store, tmp_path: Path, clock: Clock
) -> None:
    with store.write() as tx:
        tx.set_meta(LEGACY_META_KEY, OLD_KEY)
    key_file = tmp_path / "id.key"
    with pytest.raises(SystemExit, match="QUEUE_SECRET_KEY"):
        hub(store, clock, secret_key="another", secret_key_file=str(key_file)).id_key()
    # the key left the database all the same, into the file the message names
    assert key_file.read_text().strip() == OLD_KEY
    with store.read() as tx:
        assert tx.meta(LEGACY_META_KEY) is None
    with store.write() as tx:
        tx.set_meta(LEGACY_META_KEY, OLD_KEY)
    elsewhere = tmp_path / "unused.key"
    same = hub(store, clock, secret_key=OLD_KEY, secret_key_file=str(elsewhere))
    assert same.id_key() == OLD_KEY.encode()
    assert not elsewhere.exists()  # the setting holds it: no copy on disk
    with store.read() as tx:
        assert tx.meta(LEGACY_META_KEY) is None


def test_production_requires_the_key(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="QUEUE_SECRET_KEY"):
        Settings.from_env({"QUEUE_ENV": "production"})
    assert Settings.from_env({"QUEUE_ENV": "production", "QUEUE_SECRET_KEY": "k"}).production
    missing = Settings.from_env(
        {"QUEUE_ENV": "production", "QUEUE_SECRET_KEY_FILE": str(tmp_path / "none.key")}
    )
    url = f"sqlite:///{tmp_path}/hall.db"
    store = Store(url)
    store.create_all()
    try:
        with pytest.raises(SystemExit, match="does not exist"):
            HallServices(store, missing.with_(database_url=url)).id_key()
    finally:
        store.dispose()
    assert not (tmp_path / "none.key").exists()
