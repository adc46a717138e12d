"""`queue-server backup` while the hall is busy, and `restore` into a server
that then serves the hall as it was."""

import threading
from pathlib import Path

import httpx2
import pytest

from queue_server.cli import main
from tests.live import LiveServer

ONE = {"service": "HZ-SFZ-HL"}


def cli(*args: str) -> int:
    return main(list(args))


def said(capsys: pytest.CaptureFixture[str]) -> str:
    """What the command printed, as one line (rich wraps long ones)."""
    return " ".join(capsys.readouterr().out.split())


def test_a_backup_taken_in_a_rush_is_restored_and_served(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/hall.db"
    server = LiveServer(url, tmp_path).start()
    tokens = server.setup_hall()
    issued = [
        server.api("POST", "/api/halls/live/tickets", token=tokens["kiosk"], json=ONE)
        for _ in range(5)
    ]
    stop = threading.Event()

    def kiosk() -> None:  # keeps issuing while the backup is taken
        with httpx2.Client(timeout=5) as http:
            while not stop.is_set():
                http.post(
                    f"{server.url}/api/halls/live/tickets",
                    headers={"Authorization": f"Bearer {tokens['kiosk']}"},
                    json=ONE,
                )

    rush = threading.Thread(target=kiosk)
    rush.start()
    try:
        copy = tmp_path / "backups" / "hall-0800.db"
        copy.parent.mkdir()
        assert cli("backup", str(copy), "--database-url", url) == 0
    finally:
        stop.set()
        rush.join()
        server.stop()
    out = said(capsys)
    assert "backup written (备份完成)" in out and "1 hall" in out
    assert not list(copy.parent.glob("*.partial"))

    # A new machine: the backup restored into an empty place, served again.
    restored_url = f"sqlite:///{tmp_path}/new/hall.db"
    assert cli("restore", str(copy), "--database-url", restored_url) == 0
    assert "restored (已恢复)" in said(capsys)
    again = LiveServer(restored_url, tmp_path).start()
    try:
        for ticket in issued:  # what was issued before the backup is there
            assert again.api("GET", f"/api/tickets/{ticket['id']}")["number"] == ticket["number"]
        # The hall's tokens still work: the window opens and calls the first ticket.
        again.api("POST", "/api/halls/live/windows/1/open", token=tokens["window-1"])
        called = again.api("POST", "/api/halls/live/windows/1/call-next", token=tokens["window-1"])
        assert called["ticket"]["number"] == issued[0]["number"]
    finally:
        again.stop()


def test_restore_keeps_the_database_it_replaces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = f"sqlite:///{tmp_path}/old.db", f"sqlite:///{tmp_path}/new.db"
    assert cli("init", "--demo", "--database-url", old) == 0
    assert cli("init", "--database-url", new) == 0
    assert cli("backup", str(tmp_path / "demo.db"), "--database-url", old) == 0
    capsys.readouterr()
    assert cli("restore", str(tmp_path / "demo.db"), "--database-url", new) == 0
    out = said(capsys)
    kept = sorted(tmp_path.glob("new.db.before-restore-*"))
    assert len(kept) == 1 and str(kept[0]) in out.replace(" ", "")
    assert "1 hall" in out  # the demo hall is in place now


def test_what_cannot_be_backed_up_or_restored_is_said_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/hall.db"
    assert cli("init", "--database-url", url) == 0
    target = tmp_path / "taken.db"
    target.write_bytes(b"someone's file")
    assert cli("backup", str(target), "--database-url", url) == 2
    assert "exists; choose a new file name" in said(capsys)
    assert target.read_bytes() == b"someone's file"

    assert cli("restore", str(target), "--database-url", url) == 2  # not a database
    assert "is not a yichuang database" in said(capsys)
    assert cli("restore", str(tmp_path / "nothing.db"), "--database-url", url) == 2
    assert "no file at" in said(capsys)

    pg = "postgresql://postgres@127.0.0.1/test"
    assert cli("backup", str(tmp_path / "pg.db"), "--database-url", pg) == 2
    assert "for PostgreSQL use pg_dump" in said(capsys)
