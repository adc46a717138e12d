"""The browser displays for a hall's TV screens, and the files they load.

- `GET /display/{hall}?token=…`: the lobby board (综合屏), laid out for 1920x1080.
- `GET /display/{hall}/window/{n}?token=…`: the screen above window n (窗口屏).
- `/static/…`: the pages' CSS and JavaScript, from the package's `web/` folder;
  `/static/protocol.js` is generated from `protocol.py` (`protocol_js.py`): the
  names the pages share with the server.

The pages hold no hall data and check no token: the script reads the token
from the page's own URL and hands it to the hall feed
(`/ws/halls/{hall}/board`, docs/feed.md), which refuses a bad one with a code
the page turns into a message on screen. So serving a page needs no database.

Browsers start speech only after a user gesture: on a kiosk TV either click
the page's "点击启用语音播报" button once, or start Chromium with
`--autoplay-policy=no-user-gesture-required`.
"""

import hashlib
import html
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from string import Template

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import protocol_js

WEB = files("queue_server") / "web"

# Everything the page uses is ours: no CDN, no inline script, and the feed is
# same-origin ('self' covers ws:/wss: to this host in CSP 3). The token sits in
# the page URL, so the page never sends it onward as a Referer.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


@cache
def template(name: str) -> Template:
    return Template(WEB.joinpath(name).read_text(encoding="utf-8"))


@cache
def assets_version() -> str:
    """A digest of the scripts and styles: a TV never keeps an old copy after an upgrade."""
    digest = hashlib.sha256(protocol_js.script().encode())
    for item in sorted(WEB.iterdir(), key=lambda i: i.name):
        if item.name.endswith((".js", ".css")):
            digest.update(item.read_bytes())
    return digest.hexdigest()[:12]


# The ticket machine also talks to the ID-card reader bridge on its own
# machine (docs/id-reader.md), and to nothing else.
KIOSK_HEADERS = HEADERS | {
    "Content-Security-Policy": HEADERS["Content-Security-Policy"].replace(
        "connect-src 'self'", "connect-src 'self' ws://127.0.0.1:* ws://localhost:*"
    )
}


def render(
    request: Request, name: str, *, headers: Mapping[str, str] = HEADERS, **values: str
) -> Response:
    """Fill a page template; every value is HTML-escaped (the hall id comes from the URL)."""
    fields = {"base": request.scope.get("root_path", ""), "version": assets_version()} | values
    page = template(name).substitute({k: html.escape(v) for k, v in fields.items()})
    return HTMLResponse(page, headers=dict(headers))


async def board_page(request: Request) -> Response:
    return render(request, "display.html", hall=request.path_params["hall"])


async def window_page(request: Request) -> Response:
    p = request.path_params
    return render(request, "window.html", hall=p["hall"], window=str(p["n"]))


async def protocol_script(_request: Request) -> Response:
    return Response(protocol_js.script(), media_type="text/javascript; charset=utf-8")


routes = [
    Route("/display/{hall}", board_page),
    Route("/display/{hall}/window/{n:int}", window_page),
    Route("/static/protocol.js", protocol_script),  # before the folder's mount: it is not a file
    Mount("/static", app=StaticFiles(packages=[("queue_server", "web")]), name="static"),
]
