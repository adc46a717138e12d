"""Routes of the 导办 desk and of temporary green channels (issue 14).

- `GET /guide/{hall}`: the greeter's tablet page (web/guide.*), on a staff session.
- `GET /api/halls/{hall}/items?q=…`: the hall's items by name or pinyin (initials).
- `GET /api/halls/{hall}/estimate?service=…`: how long a ticket taken now would wait.
- `GET|POST /api/halls/{hall}/green-channels`, `DELETE …/green-channels/{id}`.
- `GET|PUT /api/halls/{hall}/declared-groups`: groups an ID number cannot show.

Issuing on a visitor's behalf is `POST /api/halls/{hall}/tickets` with the
session (api.py), with `note` and `special` in the body.
"""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .api import hall_route, hub, ok, parse, who
from .bodies import DeclaredGroupsIn, GreenChannelIn
from .pages import render


async def guide_page(request: Request) -> Response:
    return render(request, "guide.html", hall=request.path_params["hall"])


async def add_green_channel(request: Request) -> Response:
    principal, body = await who(request), await parse(request, GreenChannelIn)
    hall = request.path_params["hall"]
    return ok(await run_in_threadpool(hub(request).add_green_channel, principal, hall, body), 201)


async def set_declared_groups(request: Request) -> Response:
    principal, body = await who(request), await parse(request, DeclaredGroupsIn)
    hall = request.path_params["hall"]
    return ok(await run_in_threadpool(hub(request).set_declared_groups, principal, hall, body))


async def remove_green_channel(request: Request) -> Response:
    principal, p = await who(request), request.path_params
    args = (principal, p["hall"], p["id"])
    return ok(await run_in_threadpool(hub(request).remove_green_channel, *args))


routes = [
    Route("/guide/{hall}", guide_page),
    Route("/api/halls/{hall}/items", hall_route(lambda s: s.find_items, query="q")),
    Route("/api/halls/{hall}/estimate", hall_route(lambda s: s.service_estimate, query="service")),
    Route("/api/halls/{hall}/green-channels", hall_route(lambda s: s.green_channels)),
    Route("/api/halls/{hall}/green-channels", add_green_channel, methods=["POST"]),
    Route("/api/halls/{hall}/green-channels/{id}", remove_green_channel, methods=["DELETE"]),
    Route("/api/halls/{hall}/declared-groups", hall_route(lambda s: s.declared_groups)),
    Route("/api/halls/{hall}/declared-groups", set_declared_groups, methods=["PUT"]),
]
