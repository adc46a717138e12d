"""The floor the benchmark compares against: what Starlette and uvicorn do at all.

`POST /tickets` answers a small JSON body with no work; `WS /ws` holds
displays, and `POST /broadcast` sends one message to every one of them, the
way our feed would, but with no database, no snapshot and no relay.

    python scripts/bare_app.py --port 8001 [--with-stack]

`--with-stack` first imports the libraries our server holds at rest
(sqlmodel with SQLAlchemy and pydantic, APScheduler, limits) and uses none of
them: the memory floor of any server built on that stack.

It is served the way `queue-server serve` serves ours (uvicorn.run, log level
info, so the access log is written too; websocket compression off and the same
frame limit, as `queue_server.cli.WS_OPTIONS`), so a ratio between the two is
the price of our work, not of a different server setup.
"""

import argparse
import importlib
import json
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

STACK = ("sqlmodel", "apscheduler.schedulers.background", "limits")  # what ours imports at rest
displays: set[WebSocket] = set()
counter = {"n": 0}


async def issue(request: Request) -> Response:
    body: dict[str, Any] = await request.json()
    counter["n"] += 1
    return JSONResponse({"number": f"A{counter['n']:03d}", "service": body.get("service")}, 201)


async def broadcast(request: Request) -> Response:
    text = json.dumps({"type": "ticket.called", "seq": counter["n"]})
    for ws in list(displays):
        try:
            await ws.send_text(text)
        except (WebSocketDisconnect, RuntimeError):
            displays.discard(ws)
    return JSONResponse({"sent": len(displays)})


async def board(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(json.dumps({"type": "snapshot", "seq": 0}))
    displays.add(websocket)
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        displays.discard(websocket)


app = Starlette(
    routes=[
        Route("/tickets", issue, methods=["POST"]),
        Route("/broadcast", broadcast, methods=["POST"]),
        Route("/healthz", lambda _r: JSONResponse({"status": "ok"})),
        WebSocketRoute("/ws", board),
    ]
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--with-stack", action="store_true", help="import our libraries too")
    args = parser.parse_args()
    if args.with_stack:
        for module in STACK:
            importlib.import_module(module)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        ws_per_message_deflate=False,  # not imported: bare loads none of our code
        ws_max_size=64 * 1024,
    )


if __name__ == "__main__":
    main()
