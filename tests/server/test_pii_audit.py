"""Privacy audit of a seeded hall day (issue 11, part C).

A real server process on SQLite runs a day: bookings confirmed by code,
walk-in tickets with ID numbers, check-ins, calls, finishes, no-shows, a
transfer, a suspension, the CSV export. Then every place data leaves or rests
is searched for the raw ID numbers, phones and names: the database file and
its write-ahead log (names allowed: the clerk reads the booker's), the server
log, every feed message, the pages and the JSON they read (the clerk's view
may show the name and the mask) and the CSV. Last, an attacker holding the
database file alone tries to recover the ID numbers: every candidate
consistent with each stored mask (given generous side knowledge: the
population's regions and birth years), checked against the stored hash with
any key the file holds. With the key that lives outside the file, the same
search finds every number, which shows the search itself works.
"""

import hmac
import json
import random
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from websockets.sync.client import connect

from queue_server.identity import check_char
from tests.live import LiveServer
from tests.server.conftest import ID_CARD, PASSPORT

pytestmark = pytest.mark.slow

HALL = "audit"
REGIONS = ("110101", "110105", "110108")  # Beijing: masks start "11"
BIRTH_YEARS = (1950, 1985)  # elderly and adults
BIRTH_DAYS = 60  # born in the first 60 days of the year (the attacker knows it)
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军")


def resident_id(rng: random.Random) -> str:
    born = date(rng.choice(BIRTH_YEARS), 1, 1) + timedelta(days=rng.randrange(BIRTH_DAYS))
    first17 = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + check_char(first17)


def morning_zone() -> str:
    """An Etc/GMT zone where it is 10:xx now, so the day has slots ahead."""
    offset = (10 - datetime.now(UTC).hour + 12) % 24 - 12
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


class Day:
    """The seeded day's people and what the server answered."""

    def __init__(self, server: LiveServer, rng: random.Random) -> None:
        self.s = server
        self.rng = rng
        self.ids: list[str] = []
        self.phones: list[str] = []
        self.names: list[str] = []
        self.tickets: list[dict[str, Any]] = []
        self.clerk_views: list[Any] = []

    def person(self) -> tuple[str, str, str]:
        number = resident_id(self.rng)
        phone = f"13{self.rng.randrange(10**9):09d}"
        name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
        self.ids.append(number)
        self.phones.append(phone)
        self.names.append(name)
        return number, phone, name


def setup_hall(server: LiveServer) -> dict[str, str]:
    server.api(
        "POST", "/api/halls", json={"id": HALL, "name": "审计大厅", "timezone": morning_zone()}
    )
    every_day = {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    server.api("PUT", f"/api/halls/{HALL}/hours", json={"weekly": every_day, "closed_dates": []})
    server.api(
        "PUT",
        f"/api/halls/{HALL}/policy",
        json={"appointment_share_pct": 100, "checkin_early_min": 120},
    )
    tokens = {}
    for n in (1, 2, 3):
        server.api(
            "PUT", f"/api/halls/{HALL}/windows/{n}", json={"label": f"{n}号窗口", "services": "all"}
        )
        body = {"role": "window", "hall": HALL, "window": n}
        tokens[f"window-{n}"] = server.api("POST", "/api/tokens", json=body)["token"]
    for role in ("kiosk", "display", "supervisor"):
        tokens[role] = server.api("POST", "/api/tokens", json={"role": role, "hall": HALL})["token"]
    return tokens


@pytest.fixture
def audited(tmp_path: Path) -> Iterator[tuple[LiveServer, Path]]:
    server = LiveServer(
        f"sqlite:///{tmp_path}/hall.db",
        tmp_path,
        env={
            "QUEUE_SECRET_KEY": "",  # a plain local run: the key goes to a file
            "QUEUE_BOOKING_LIMIT_ADDRESS": "1000/minute",
        },
    ).start()
    try:
        yield server, tmp_path
    finally:
        server.stop()


class Feed:
    """Every message a display and a supervisor receive, kept raw."""

    def __init__(self, server: LiveServer, tokens: dict[str, str]) -> None:
        self.messages: list[str] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._follow, args=(server, tokens[role]), daemon=True)
            for role in ("display", "supervisor")
        ]
        for t in self._threads:
            t.start()

    def _follow(self, server: LiveServer, token: str) -> None:
        with connect(f"{server.ws_url}/ws/halls/{HALL}/board?token={token}") as ws:
            while not self._stop.is_set():
                try:
                    self.messages.append(str(ws.recv(timeout=0.2)))
                except TimeoutError:
                    continue

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=10)


def seeded_day(server: LiveServer, tokens: dict[str, str], rng: random.Random) -> Day:
    day = Day(server, rng)
    kiosk, supervisor = tokens["kiosk"], tokens["supervisor"]
    zone_today = server.api("GET", f"/api/halls/{HALL}/stats", token=supervisor)["date"]
    tomorrow = (date.fromisoformat(zone_today) + timedelta(days=1)).isoformat()

    def slots(on: str, service: str = ID_CARD) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = server.api(
            "GET", f"/api/halls/{HALL}/slots?service={service}&date={on}"
        )["slots"]
        return found

    soon = slots(zone_today)[:3]  # inside the two-hour check-in window
    booked = []
    for n in range(18):
        number, phone, name = day.person()
        slot = soon[n % len(soon)] if n < 12 else slots(tomorrow)[n % 5]
        body = {
            "service": ID_CARD,
            "slot": slot["start"],
            "name": name,
            "id_number": number.lower() if n % 4 == 0 else number,
            "phone": phone,
            "form": {"reason": "有效期满", "hukou_place": f"北京市{name}家"},
        }
        booked.append(server.book(HALL, body))
    for n, made in enumerate(booked[:8]):  # check-ins by code and by ID number
        body = {"code": made["code"]} if n % 2 else {"id_number": day.ids[n]}
        day.tickets.append(
            server.api("POST", f"/api/halls/{HALL}/appointments/check-in", token=kiosk, json=body)
        )
    for _ in range(20):  # walk-ins with ID numbers
        number, _phone, _name = day.person()
        body = {"service": rng.choice((ID_CARD, PASSPORT)), "id_number": number}
        day.tickets.append(server.api("POST", f"/api/halls/{HALL}/tickets", token=kiosk, json=body))
    for n in (1, 2, 3):
        server.api("POST", f"/api/halls/{HALL}/windows/{n}/open", token=tokens[f"window-{n}"])
    for step in range(24):
        n = step % 3 + 1
        window = tokens[f"window-{n}"]
        called = httpx2.post(
            f"{server.url}/api/halls/{HALL}/windows/{n}/call-next",
            headers={"Authorization": f"Bearer {window}"},
            timeout=10,
        )
        if called.status_code == 204:
            break
        day.clerk_views.append(called.json())
        day.clerk_views.append(server.api("GET", f"/api/halls/{HALL}/windows/{n}", token=window))
        if step % 7 == 3:
            server.api("POST", f"/api/halls/{HALL}/windows/{n}/no-show", token=window)
            continue
        server.api("POST", f"/api/halls/{HALL}/windows/{n}/start", token=window)
        if step % 7 == 5:
            server.api("POST", f"/api/halls/{HALL}/windows/{n}/suspend", token=window)
        elif step % 7 == 6:
            server.api(
                "POST",
                f"/api/halls/{HALL}/windows/{n}/transfer",
                token=window,
                json={"service": PASSPORT},
            )
        else:
            server.api(
                "POST",
                f"/api/halls/{HALL}/windows/{n}/finish",
                token=window,
                json={"outcome": "办结"},
            )
    return day


def public_reads(server: LiveServer, tokens: dict[str, str], day: Day) -> list[str]:
    """The pages and every JSON a display, the kiosk, a phone or the supervisor reads."""
    sup, display, kiosk = tokens["supervisor"], tokens["display"], tokens["kiosk"]
    reads = [
        ("/display/" + HALL, None),
        (f"/display/{HALL}/window/1", None),
        (f"/kiosk/{HALL}", None),
        (f"/supervisor/{HALL}", None),
        (f"/window/{HALL}/1", None),
        (f"/api/halls/{HALL}/board", display),
        (f"/api/halls/{HALL}/devices", display),
        (f"/api/halls/{HALL}/tickets?since_seq=0", kiosk),
        (f"/api/halls/{HALL}/queues", sup),
        (f"/api/halls/{HALL}/stats", sup),
        (f"/api/halls/{HALL}/alerts", sup),
        (f"/api/halls/{HALL}/snapshots", sup),
        (f"/api/halls/{HALL}/tickets.csv", sup),
    ]
    for ticket in day.tickets:
        reads += [(f"/t/{ticket['id']}", None), (f"/api/tickets/{ticket['id']}", None)]
    texts = []
    for path, token in reads:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        reply = httpx2.get(f"{server.url}{path}", headers=headers, timeout=10)
        assert reply.status_code == 200, (path, reply.status_code, reply.text[:200])
        texts.append(reply.text)
    return texts


def raw_forms(number: str) -> list[str]:
    return [number, number.lower(), f"{number[:6]} {number[6:14]} {number[14:]}"]


def stored_identities(db_file: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """What a thief reads from a copy of the file (and its WAL): (hash, mask) of
    every resident ID number, and every value of the meta table."""
    with sqlite3.connect(db_file) as db:
        rows = db.execute(
            "SELECT id_hash, id_masked FROM ticket WHERE id_hash IS NOT NULL "
            "UNION SELECT id_hash, id_masked FROM appointment"
        ).fetchall()
        meta = [value for (value,) in db.execute("SELECT value FROM meta")]
    return sorted(set(rows)), meta


def brute_force(rows: list[tuple[str, str]], keys: list[bytes]) -> set[str]:
    """Every number that fits a stored mask, from the regions and birth years of
    the population, hashed with each key: the numbers whose hash is stored."""
    wanted = {bytes.fromhex(h) for h, _ in rows}
    masks = {(m[:2], m[-1]) for _, m in rows}
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    tail = [
        sum(int(d) * w for d, w in zip(f"{q:03d}", weights[14:], strict=True)) for q in range(1000)
    ]
    found: set[str] = set()
    for region in REGIONS:
        for year in BIRTH_YEARS:
            for day in range(BIRTH_DAYS):
                born = date(year, 1, 1) + timedelta(days=day)
                stem = f"{region}{born:%Y%m%d}"
                head = sum(int(d) * w for d, w in zip(stem, weights[:14], strict=True))
                for seq in range(1000):
                    number = f"{stem}{seq:03d}{'10X98765432'[(head + tail[seq]) % 11]}"
                    if (number[:2], number[-1]) in masks:
                        for key in keys:
                            if hmac.digest(key, number.encode(), "sha256") in wanted:
                                found.add(number)
    return found


def test_a_seeded_day_leaves_no_personal_data_where_it_must_not_be(
    audited: tuple[LiveServer, Path],
) -> None:
    server, folder = audited
    tokens = setup_hall(server)
    feed = Feed(server, tokens)
    try:
        day = seeded_day(server, tokens, random.Random(11))
        reads = public_reads(server, tokens, day)
    finally:
        feed.stop()
    # a thief's copy of the database while the server runs: the file and its WAL
    thief = folder / "stolen"
    thief.mkdir()
    for name in ("hall.db", "hall.db-wal"):
        if (folder / name).exists():
            shutil.copy(folder / name, thief / name)
    server.stop()

    numbers = [f for n in day.ids for f in raw_forms(n)]
    phones, names = day.phones, day.names
    stored = b"".join(
        (thief / n).read_bytes() for n in ("hall.db", "hall.db-wal") if (thief / n).exists()
    )
    stored += (folder / "hall.db").read_bytes()
    log = server.log_path.read_text("utf-8")

    def leaks(text: str, secrets: list[str]) -> list[str]:
        return [s for s in secrets if s in text]

    assert leaks(stored.decode("utf-8", "replace"), numbers + phones) == []
    assert leaks(log, numbers + phones + names) == []
    assert len(feed.messages) > 50
    feed_text = "\n".join(feed.messages)
    assert leaks(feed_text, numbers + phones + names) == []
    assert "id_masked" not in feed_text and "11*" not in feed_text
    for text in reads:
        assert leaks(text, numbers + phones + names) == []
        assert "11*" not in text  # not even the mask
    for view in day.clerk_views:  # the clerk may read the name and the mask, no more
        assert leaks(json.dumps(view, ensure_ascii=False), numbers + phones) == []

    rows, meta = stored_identities(thief / "hall.db")
    n = len(rows)
    assert n == len(set(day.ids)) == 38
    key_file = folder / "secret.key"
    key = key_file.read_text().strip()
    assert key.encode() not in stored and key not in meta
    recovered = brute_force(rows, [v.encode() for v in meta])
    with_the_key = brute_force(rows, [key.encode()])
    print(
        f"PII audit: recovered {len(recovered)} of {n} ID numbers from the database alone; "
        f"{len(with_the_key)} of {n} with the key kept outside it"
    )
    assert recovered == set()
    assert with_the_key == set(day.ids)  # the search works: only the key is missing
