"""The last floor under call-to-screen: a socket-only writer, with no ASGI at all.

The `websockets` library's own server holds the displays at `/ws` (one
snapshot each on connect, as ours sends) and, on `POST /broadcast`, writes
one ready-made frame to every display (`websockets.broadcast`) before it
answers. No framework, no JSON per display, no database: what the event loop
and the sockets cost alone. Compression off, as `queue-server serve` runs.

    python scripts/floor_ws.py --port 8002
"""

import argparse
import asyncio
import json
from http import HTTPStatus

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.http11 import Request, Response

counter = {"n": 0}


async def display(connection: ServerConnection) -> None:
    await connection.send(json.dumps({"type": "snapshot", "seq": counter["n"]}))
    await connection.wait_closed()


async def main(port: int) -> None:
    async def plain_http(connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/ws":
            return None  # the websocket handshake goes on
        if request.path == "/broadcast":
            counter["n"] += 1
            frame = json.dumps({"type": "ticket.called", "seq": counter["n"]})
            broadcast([c for c in server.connections if c is not connection], frame)
        return connection.respond(HTTPStatus.OK, "ok\n")  # /healthz and the rest

    async with serve(
        display, "127.0.0.1", port, process_request=plain_http, compression=None
    ) as server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", type=int, default=8002)
    asyncio.run(main(parser.parse_args().port))
