"""The printer against a real server process: `ticket-printer print`, and the
kiosk following the hall feed, across reconnects, restarts and printer faults.

The kiosk runs as its own process (as on a ticket machine); the printer is
the fake network printer, so every ticket it printed can be read back.
"""

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live import LiveServer
from tests.printer.fakes import COVER_OPEN, PAPER_OUT, READY, FakePrinter, Relay, wait_until
from ticket_printer.cli import build_parser, print_one, printer_from_args

pytestmark = pytest.mark.slow


def run_cli(*args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = os.environ | ({"TICKET_PRINTER_TOKEN": token} if token else {})
    return subprocess.run(
        [sys.executable, "-m", "ticket_printer.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def printed_numbers(printer: FakePrinter) -> list[str]:
    """The ticket number (the line in the largest type) of each printed ticket."""
    return [max(t.lines, key=lambda line: line.width).text for t in printer.tickets()]


def issue(server: LiveServer, token: str, service: str = "HZ-SFZ-HL") -> dict[str, Any]:
    ticket: dict[str, Any] = server.api(
        "POST", "/api/halls/live/tickets", token=token, json={"service": service}
    )
    return ticket


class Kiosk:
    """`ticket-printer kiosk` in a subprocess; its log is a file."""

    def __init__(self, tmp_path: Path, server_url: str, token: str, printer_url: str) -> None:
        self.args = [
            sys.executable,
            "-m",
            "ticket_printer.cli",
            "kiosk",
            "--server",
            server_url,
            "--hall",
            "live",
            "--printer",
            printer_url,
            "--journal",
            str(tmp_path / "kiosk.journal"),
            "--timeout",
            "2",
            "--status-interval",
            "0.3",
            "--retry-max",
            "0.3",
            "--reconnect-max",
            "0.5",
        ]
        self.env = os.environ | {"TICKET_PRINTER_TOKEN": token}
        self.log_path = tmp_path / "kiosk.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "Kiosk":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def wait_following(self, times: int = 1) -> None:
        """Until the kiosk has taken the feed's snapshot `times` times."""
        wait_until(
            lambda: self.log.count("following hall live") >= times,
            20,
            f"the kiosk to follow the feed ({times}):\n{self.log}",
        )

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture
def hall(live_server: LiveServer) -> dict[str, str]:
    tokens = live_server.setup_hall()
    tokens["other-kiosk"] = live_server.api(
        "POST", "/api/tokens", json={"role": "kiosk", "hall": "live", "label": "2号取号机"}
    )["token"]
    return tokens


@pytest.fixture
def kiosks(tmp_path: Path) -> Iterator[list[Kiosk]]:
    """Every kiosk a test starts is stopped after it, whatever happened."""
    started: list[Kiosk] = []
    try:
        yield started
    finally:
        for kiosk in started:
            kiosk.stop()


def devices(server: LiveServer, token: str) -> dict[str, str]:
    """The printers that reported, by label (the list holds every credential)."""
    listed = server.api("GET", "/api/halls/live/devices", token=token)
    return {d["label"]: d["state"] for d in listed if d["state"]}


# ---------------------------------------------------------------- ticket-printer print


def test_print_and_reprint_a_ticket(
    live_server: LiveServer, hall: dict[str, str], fake_printer: FakePrinter
) -> None:
    ticket = issue(live_server, hall["kiosk"], "JDC-ZC-DJ")
    args = ("print", "--server", live_server.url, "--ticket", ticket["id"])
    for _ in range(2):  # the second is the reprint
        done = run_cli(*args, "--printer", fake_printer.url, "--paper", "80")
        assert done.returncode == 0, done.stderr
        assert f"printed {ticket['number']}" in done.stdout
    printed = wait_until(lambda: len(fake_printer.tickets()) == 2 and fake_printer.tickets(), 10)
    first = printed[0]
    assert first.qr == [f"{live_server.url}/t/{ticket['id']}"]
    assert "实时测试大厅" in first.text and "机动车注册登记" in first.text
    assert "《机动车注册、转移、注销登记/转入申请表》" in first.text.replace("\n", "")
    assert printed_numbers(fake_printer) == [ticket["number"]] * 2


def test_print_refuses_an_unknown_ticket_and_a_bad_printer(
    live_server: LiveServer, hall: dict[str, str]
) -> None:
    unknown = run_cli(
        "print", "--server", live_server.url, "--ticket", "nope", "--printer", "preview:"
    )
    assert unknown.returncode == 1 and "no ticket 'nope'" in unknown.stderr
    bad = run_cli("print", "--server", live_server.url, "--ticket", "x", "--printer", "lpt1:")
    assert bad.returncode == 2 and "unknown printer" in bad.stderr


def test_print_on_a_printer_out_of_paper_fails_and_tells_the_board(
    live_server: LiveServer, hall: dict[str, str]
) -> None:
    ticket = issue(live_server, hall["kiosk"])
    with FakePrinter(PAPER_OUT) as printer:
        done = run_cli(
            "print",
            "--server",
            live_server.url,
            "--ticket",
            ticket["id"],
            "--printer",
            printer.url,
            token=hall["kiosk"],
        )
        assert done.returncode == 3, done.stderr
        assert "not printed" in done.stderr and "stays valid" in done.stderr
        assert printer.tickets() == []
    shown = devices(live_server, hall["supervisor"])
    assert list(shown.values()) == ["paper_out"], (shown, done.stderr)
    view = live_server.api("GET", f"/api/tickets/{ticket['id']}")
    assert view["status"] == "waiting"  # the ticket stays valid


def test_preview_in_the_terminal(live_server: LiveServer, hall: dict[str, str]) -> None:
    ticket = issue(live_server, hall["kiosk"])
    done = run_cli("preview", "--server", live_server.url, "--ticket", ticket["id"])
    assert done.returncode == 0, done.stderr
    assert "居民身份证换领" in done.stdout.replace("  ", "") and "扫码查看排队进度" in done.stdout


# ---------------------------------------------------------------- the kiosk


def test_the_kiosk_prints_its_own_tickets_once_and_no_others(
    live_server: LiveServer,
    hall: dict[str, str],
    fake_printer: FakePrinter,
    tmp_path: Path,
    kiosks: list[Kiosk],
) -> None:
    kiosk = Kiosk(tmp_path, live_server.url, hall["kiosk"], fake_printer.url).start()
    kiosks.append(kiosk)
    kiosk.wait_following()
    mine = [issue(live_server, hall["kiosk"])["number"] for _ in range(3)]
    theirs = issue(live_server, hall["other-kiosk"])["number"]
    mine.append(issue(live_server, hall["kiosk"], "CRJ-HZ-SC")["number"])
    wait_until(lambda: len(printed_numbers(fake_printer)) >= 4, 20, f"4 tickets\n{kiosk.log}")
    wait_until(lambda: kiosk.log.count("printed ") >= 4, 5)
    assert printed_numbers(fake_printer) == mine
    assert theirs not in printed_numbers(fake_printer)
    assert kiosk.process is not None and kiosk.process.poll() is None


def test_a_ticket_issued_while_the_kiosk_was_cut_off_prints_after_it_reconnects(
    live_server: LiveServer,
    hall: dict[str, str],
    fake_printer: FakePrinter,
    tmp_path: Path,
    kiosks: list[Kiosk],
) -> None:
    with Relay(live_server.port) as relay:
        kiosk = Kiosk(tmp_path, relay.url, hall["kiosk"], fake_printer.url).start()
        kiosks.append(kiosk)
        kiosk.wait_following()
        first = issue(live_server, hall["kiosk"])["number"]
        wait_until(lambda: printed_numbers(fake_printer) == [first], 20, f"{first}\n{kiosk.log}")

        relay.block()  # the kiosk loses the server, which restarts meanwhile
        live_server.restart()
        missed = issue(live_server, hall["kiosk"])["number"]
        wait_until(lambda: "feed lost" in kiosk.log, 10, "the kiosk to notice")
        assert printed_numbers(fake_printer) == [first]

        relay.unblock()
        kiosk.wait_following(2)
        wait_until(
            lambda: printed_numbers(fake_printer) == [first, missed], 20, f"{missed}\n{kiosk.log}"
        )
        after = issue(live_server, hall["kiosk"])["number"]
        wait_until(lambda: len(printed_numbers(fake_printer)) == 3, 20, f"{after}\n{kiosk.log}")
    assert printed_numbers(fake_printer) == [first, missed, after]


def test_a_restarted_kiosk_prints_what_it_missed_and_nothing_twice(
    live_server: LiveServer,
    hall: dict[str, str],
    fake_printer: FakePrinter,
    tmp_path: Path,
    kiosks: list[Kiosk],
) -> None:
    kiosk = Kiosk(tmp_path, live_server.url, hall["kiosk"], fake_printer.url).start()
    kiosks.append(kiosk)
    kiosk.wait_following()
    first = issue(live_server, hall["kiosk"])["number"]
    wait_until(lambda: printed_numbers(fake_printer) == [first], 20, f"{first}\n{kiosk.log}")
    kiosk.stop()
    # As if it had died after printing but before noting how far it got: on
    # start it asks for everything since seq 0, and the journal alone stops
    # the first ticket from printing again.
    (tmp_path / "kiosk.journal.seq").write_text("0\n")

    missed = issue(live_server, hall["kiosk"])["number"]  # while no kiosk runs
    kiosk.start()
    kiosk.wait_following(2)
    wait_until(lambda: len(printed_numbers(fake_printer)) >= 2, 20, f"{missed}\n{kiosk.log}")
    later = issue(live_server, hall["kiosk"])["number"]
    wait_until(lambda: len(printed_numbers(fake_printer)) >= 3, 20, f"{later}\n{kiosk.log}")
    assert printed_numbers(fake_printer) == [first, missed, later]
    assert len((tmp_path / "kiosk.journal").read_text().split()) == 3


def test_paper_out_shows_on_the_board_and_the_ticket_prints_once_paper_is_back(
    live_server: LiveServer,
    hall: dict[str, str],
    tmp_path: Path,
    kiosks: list[Kiosk],
) -> None:
    with FakePrinter(PAPER_OUT) as printer:
        kiosk = Kiosk(tmp_path, live_server.url, hall["kiosk"], printer.url).start()
        kiosks.append(kiosk)
        wait_until(
            lambda: "paper_out" in devices(live_server, hall["supervisor"]).values(),
            20,
            f"paper_out on the board\n{kiosk.log}",
        )
        kiosk.wait_following()
        ticket = issue(live_server, hall["kiosk"])
        wait_until(lambda: f"{ticket['number']} not printed" in kiosk.log, 20, kiosk.log)
        assert printer.tickets() == []
        assert live_server.api("GET", f"/api/tickets/{ticket['id']}")["status"] == "waiting"

        printer.set(READY)  # paper is back
        wait_until(lambda: printed_numbers(printer) == [ticket["number"]], 20, kiosk.log)
        wait_until(lambda: list(devices(live_server, hall["supervisor"]).values()) == ["ok"], 10)
        board = live_server.api("GET", "/api/halls/live/board", token=hall["display"])
        assert [d["state"] for d in board["devices"]] == ["ok"]
        wait_until(lambda: kiosk.log.count("printed ") >= 1, 5)
        assert printed_numbers(printer) == [ticket["number"]]  # once, not once per retry


def test_a_display_token_cannot_run_a_kiosk(
    live_server: LiveServer, hall: dict[str, str], tmp_path: Path, kiosks: list[Kiosk]
) -> None:
    kiosk = Kiosk(tmp_path, live_server.url, hall["display"], "preview:").start()
    kiosks.append(kiosk)
    assert kiosk.process is not None
    assert kiosk.process.wait(timeout=20) == 2
    assert "a kiosk token is needed" in kiosk.log


def test_print_in_process_reports_a_fault_with_the_kiosk_token(
    live_server: LiveServer, hall: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The same `print` path as above, run in this process (so coverage sees it)."""
    ticket = issue(live_server, hall["kiosk"])
    with FakePrinter(COVER_OPEN) as printer:
        args = build_parser().parse_args(
            [
                "print",
                "--server",
                live_server.url,
                "--ticket",
                ticket["id"],
                "--printer",
                printer.url,
            ]
        )
        args.token = hall["kiosk"]
        assert asyncio.run(print_one(args, printer_from_args(args))) == 3
        assert "cover is open" in capsys.readouterr().err
        assert list(devices(live_server, hall["supervisor"]).values()) == ["cover_open"]

        printer.set(READY)
        assert asyncio.run(print_one(args, printer_from_args(args))) == 0
        assert f"printed {ticket['number']}" in capsys.readouterr().out
        wait_until(lambda: printed_numbers(printer) == [ticket["number"]], 10)
