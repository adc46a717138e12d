"""Bookings and check-ins in scripts/soak: a visitor books today's next slot
on the booking page (asks, reads the one-time code, confirms), walks to the
hall and checks in at the kiosk with the booking's code.

The one-time code is read where the development SMS provider (`log:`) writes
it, the servers' logs, as tests/live.py's `book` does: each visitor's phone is
one the run gives nobody else, so its mask (`13w****nnnn`) finds its code.
"""

import asyncio
import re
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from queue_server.identity import check_char

if TYPE_CHECKING:
    from scripts.soak_city import City

BOOKED_SERVICE = "HZ-SFZ-HL"  # 居民身份证换领: its form asks for a reason
FORM = {"reason": "有效期满"}
ZONE = ZoneInfo("Asia/Shanghai")
CODE_LINE = re.compile(r"to (\d{3}\*{4}\d{4}): .*?验证码为(\d{6})")
CODE_BYTES = "验证码".encode()
CODE_WAIT_S = 5  # a code not in any log by then is given up


class SmsLogs:
    """The one-time codes the servers' logs hold, by masked phone, read as they grow."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = [Path(p) for p in paths]
        self.offsets = [0] * len(paths)
        self.rest = [b""] * len(paths)
        self.codes: dict[str, list[str]] = defaultdict(list)

    def read(self) -> None:
        for n, path in enumerate(self.paths):
            if not path.exists():
                continue
            with path.open("rb") as log:
                log.seek(self.offsets[n])
                data = self.rest[n] + log.read()
                self.offsets[n] = log.tell()
            *lines, self.rest[n] = data.split(b"\n")
            for line in lines:
                if CODE_BYTES in line and (
                    found := CODE_LINE.search(line.decode(errors="replace"))
                ):
                    self.codes[found[1]].append(found[2])

    async def codes_for(self, mask: str, seen: int) -> list[str]:
        """The codes sent to `mask` beyond the first `seen`, newest first."""
        deadline = time.monotonic() + CODE_WAIT_S
        while time.monotonic() < deadline:
            self.read()
            if len(self.codes[mask]) > seen:
                return self.codes[mask][seen:][::-1]
            await asyncio.sleep(0.1)
        return []


class Visitors:
    """A worker's booking visitors: one stream of them per hall."""

    def __init__(self, city: "City", worker: int, logs: list[str]) -> None:
        self.city = city
        self.worker = worker % 10
        self.sms = SmsLogs(logs)
        self.made = 0
        self.booked: list[str] = []  # codes of bookings confirmed (201)
        self.checked_in: dict[str, str] = {}  # booking code -> its ticket
        self.two_tickets = 0  # a booking checked in twice gave another ticket

    async def stream(self, hall: dict[str, Any], per_s: float) -> None:
        pending: set[asyncio.Task[None]] = set()
        while self.city.running:
            await asyncio.sleep(self.city.rng.expovariate(per_s))
            task = asyncio.create_task(self.city.guard(self.visit(hall)))
            pending.add(task)
            task.add_done_callback(pending.discard)

    def person(self) -> tuple[str, str]:
        """A phone and an ID number nobody else in the run has."""
        n = self.made
        self.made += 1
        phone = f"13{self.worker}{self.city.rng.randrange(10_000):04d}{n % 10_000:04d}"
        born = date(1970 + self.worker, 1, 1) + timedelta(days=n // 900)
        first17 = f"110105{born:%Y%m%d}{100 + n % 900:03d}"
        return phone, first17 + check_char(first17)

    async def visit(self, hall: dict[str, Any]) -> None:
        code = await self.book(hall)
        if code is None:
            return
        await asyncio.sleep(1 + 2 * self.city.rng.random())  # on the way to the hall
        client = [self.city.rng.randrange(2)]
        path = f"/api/halls/{hall['id']}/appointments/check-in"
        token = hall["tokens"]["kiosk"]
        reply = await self.city.request(
            "check-in", client, "POST", path, token, json={"code": code}
        )
        if reply is None or reply.status_code not in (200, 201):
            self.city.counts[f"check-in.{reply.status_code if reply else 'none'}"] += 1
            return
        ticket = reply.json()["id"]
        if self.checked_in.setdefault(code, ticket) != ticket:
            self.two_tickets += 1
        self.city.recent[hall["id"]].append(ticket)

    async def book(self, hall: dict[str, Any]) -> str | None:
        """Today's next slot with room, asked for and confirmed; the booking's code."""
        city, client = self.city, [self.city.rng.randrange(2)]
        today = datetime.now(ZONE).date().isoformat()
        reply = await city.request(
            "slots",
            client,
            "GET",
            f"/api/halls/{hall['id']}/slots?service={BOOKED_SERVICE}&date={today}",
            "",
        )
        free = (
            [s for s in reply.json()["slots"] if s["free"] > 0]
            if reply and reply.status_code == 200
            else []
        )
        if not free:
            city.counts["book.no_slot"] += 1
            return None
        phone, id_number = self.person()
        mask = f"{phone[:3]}****{phone[-4:]}"
        seen = len(self.sms.codes[mask])
        body = {"service": BOOKED_SERVICE, "slot": free[0]["start"], "name": "张三",
                "id_number": id_number, "phone": phone, "form": FORM}  # fmt: skip
        base = f"/api/halls/{hall['id']}/appointments"
        asked = await city.request("book", client, "POST", base, "", json=body)
        if asked is None or asked.status_code != 202:
            city.counts[f"book.{asked.status_code if asked else 'none'}"] += 1
            return None
        pending = asked.json()["pending_id"]
        for code in await self.sms.codes_for(mask, seen):
            confirm = {"pending_id": pending, "code": code}
            done = await city.request(
                "confirm", client, "POST", f"{base}/confirm", "", json=confirm
            )
            if done is not None and done.status_code == 201:
                self.booked.append(done.json()["code"])
                return str(done.json()["code"])
            city.counts[f"confirm.{done.status_code if done else 'none'}"] += 1
            if done is None or done.status_code != 422:
                return None
        city.counts["book.no_code"] += 1
        return None

    def record(self) -> dict[str, Any]:
        return {
            "booked": self.booked,
            "checked_in": self.checked_in,
            "booking_two_tickets": self.two_tickets,
        }
