"""A fake ID-card reader bridge, for tests and demonstrations (docs/id-reader.md).

A real bridge wraps a vendor's SDK for second-generation resident ID card
readers and serves the bridge protocol on the kiosk machine. This one serves
the same protocol and replays cards from the command line and from standard
input, one command a line:

    card <18-character number> [name]   a card placed on the reader
    removed                             the card taken away
    absent | ok                         the reader unplugged, plugged back

    python -m display_client.fake_id_reader --port 47800 --card 11010519491231002X

It prints "listening on ws://HOST:PORT/" first (with `--port 0`, the port the
system chose), then one line per message sent.
"""

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Sequence
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve

DEFAULT_PORT = 47800


def card(number: str, name: str = "测试") -> dict[str, Any]:
    """The message of a card placed on the reader: the birth date is the
    number's digits 7-14, as on the card itself."""
    birth = number[6:14]
    return {
        "type": "card",
        "id_number": number.upper(),
        "name": name,
        "birth_date": f"{birth[:4]}-{birth[4:6]}-{birth[6:]}",
        "issued_by": "测试市公安局",
    }


def message(line: str) -> dict[str, Any] | None:
    """The message a command line asks for, or None (a blank or unknown line)."""
    words = line.split()
    if not words:
        return None
    if words[0] == "card" and len(words) >= 2 and len(words[1]) == 18:
        return card(words[1], " ".join(words[2:]) or "测试")
    if words[0] == "removed":
        return {"type": "removed"}
    if words[0] in ("ok", "absent"):
        return {"type": "status", "reader": words[0]}
    return None


class Bridge:
    """The connected kiosk pages, and the reader's state new ones are told first."""

    def __init__(self, cards: Sequence[str], delay_s: float) -> None:
        self.clients: set[ServerConnection] = set()
        self.reader = "ok"
        self.cards = list(cards)
        self.delay_s = delay_s

    async def handler(self, connection: ServerConnection) -> None:
        self.clients.add(connection)
        try:
            await connection.send(json.dumps({"type": "status", "reader": self.reader}))
            for number in self.cards:  # --card: replayed to each page that connects
                await asyncio.sleep(self.delay_s)
                await connection.send(json.dumps(card(number), ensure_ascii=False))
            await connection.wait_closed()
        finally:
            self.clients.discard(connection)

    def send(self, sent: dict[str, Any]) -> None:
        if sent["type"] == "status":
            self.reader = sent["reader"]
        broadcast(self.clients, json.dumps(sent, ensure_ascii=False))
        print(f"sent {sent['type']} to {len(self.clients)} page(s)", flush=True)


async def run(host: str, port: int, cards: Sequence[str], delay_s: float) -> None:
    bridge = Bridge(cards, delay_s)
    async with serve(bridge.handler, host, port) as server:
        bound = next(iter(server.sockets)).getsockname()[1]
        print(f"listening on ws://{host}:{bound}/", flush=True)
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            if (sent := message(line)) is not None:
                bridge.send(sent)
        await asyncio.Future()  # stdin closed: keep serving the --card replays


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m display_client.fake_id_reader", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0: any free port")
    parser.add_argument("--card", action="append", default=[], help="a number sent on connect")
    parser.add_argument("--delay", type=float, default=2.0, help="seconds before each --card")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends a demonstration
        asyncio.run(run(args.host, args.port, args.card, args.delay))
    return 0


if __name__ == "__main__":
    sys.exit(main())
