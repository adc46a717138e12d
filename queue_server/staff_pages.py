"""The staff's browser pages: the clerk console, its evaluator screen, the supervisor console.

- `GET /window/{hall}/{n}?token=…` (window token of n, or a supervisor's; without
  a token, a staff session that signs in at window n on the page): the
  clerk console (叫号台), laid out for a 1366x768 desk screen.
- `GET /window/{hall}/{n}/rate?token=…` (window token): the evaluator (评价器),
  a second screen at window n that faces the visitor (1280x800 and the like).
- `GET /supervisor/{hall}?token=…` (supervisor token): the supervisor console,
  laid out for 1920x1080; without a token, a supervisor's or an admin's session.
- `GET /login?hall=…&next=…`: the staff sign-in page (`POST /api/login`).
- `GET /admin/{hall}`: the director's console (大厅管理), for the hall's admins
  (supervisors read it); on a session, or `?token=` with the server's admin token.
  web/admin-core.js is its frame; each section is a script web/admin-<name>.js.

Like the hall screens (pages.py), these pages hold no hall data and check no
token: the scripts read the token from the page URL, call the REST API and
the hall feed with it, and turn a refusal into a message on screen. Serving
them needs no database. Scripts and styles come from `web/` (clerk.*, rate.*,
supervisor.*, and the shared staff-*.js, hall-socket.js, chart.js,
rate-handoff.js, staff.css; the evaluator's form is rating-form.js, the one
the phone page and the kiosk draw too).

How the evaluator learns which ticket to rate: a rating goes to
`POST /api/tickets/{id}/rating`, and the id is the holder's private key to
their ticket, so the hall feed never carries it (docs/feed.md). The clerk
console is the one place that sees it: the answer to its `finish` action holds
`ticket.id`. Both screens run in one browser on the clerk's PC, so the console
hands `{id, number}` to the evaluator through the browser itself
(BroadcastChannel, with a `storage` event on localStorage as the fallback and
as the memory for an evaluator that (re)loads just after a finish; see
web/rate-handoff.js). The evaluator also watches the feed for
`ticket.finished` at its window, so the number it shows is the one the hall
saw finish. Nothing of this leaves the machine; the stored id expires after a
few minutes and is dropped once rated.
"""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .pages import render


async def clerk_page(request: Request) -> Response:
    p = request.path_params
    return render(request, "clerk.html", hall=p["hall"], window=str(p["n"]))


async def rate_page(request: Request) -> Response:
    p = request.path_params
    return render(request, "rate.html", hall=p["hall"], window=str(p["n"]))


async def supervisor_page(request: Request) -> Response:
    return render(request, "supervisor.html", hall=request.path_params["hall"])


async def admin_page(request: Request) -> Response:
    return render(request, "admin.html", hall=request.path_params["hall"])


async def login_page(request: Request) -> Response:
    return render(request, "login.html", hall=request.query_params.get("hall", "")[:40])


routes = [
    Route("/login", login_page),
    Route("/window/{hall}/{n:int}", clerk_page),
    Route("/window/{hall}/{n:int}/rate", rate_page),
    Route("/supervisor/{hall}", supervisor_page),
    Route("/admin/{hall}", admin_page),
]
