"""Routes for a hall's devices (issue 14): the list, credentials handed over by a
one-time link, heartbeats and printer reports, and the page a link opens.

- `GET /device/claim/{code}`: the page a device opens from its one-time link
  (or QR); its button claims the credential (`POST /api/devices/claim/{code}`)
  and moves the device to its own page. The page itself changes nothing, so a
  chat app that fetches a link to preview it does not use it up.
"""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .api import hall_route, hub, ok, parse, who
from .bodies import DeviceIn, DeviceStatusIn
from .pages import render
from .visitor_pages import qr_svg_text


async def create_device(request: Request) -> Response:
    principal, body = await who(request), await parse(request, DeviceIn)
    services, hall = hub(request), request.path_params["hall"]
    base = services.settings.public_url or str(request.base_url)
    view = await run_in_threadpool(services.create_device, principal, hall, body, base)
    # The QR travels in the answer: the link's code never sits in a URL of ours.
    svg = await run_in_threadpool(qr_svg_text, view["link"])
    return ok(view | {"qr_svg": svg}, 201)


async def claim_device(request: Request) -> Response:
    code, address = request.path_params["code"], request.client.host if request.client else None
    return ok(await run_in_threadpool(hub(request).claim_device, code, address))


async def heartbeat(request: Request) -> Response:
    principal = await who(request)
    await run_in_threadpool(hub(request).heartbeat, principal, request.path_params["hall"])
    return Response(status_code=204)


async def claim_page(request: Request) -> Response:
    return render(request, "claim.html")


routes = [
    Route("/api/halls/{hall}/devices", hall_route(lambda s: s.devices), methods=["GET"]),
    Route("/api/halls/{hall}/devices", create_device, methods=["POST"]),
    Route(
        "/api/halls/{hall}/devices/status",
        hall_route(lambda s: s.report_device, DeviceStatusIn),
        methods=["POST"],
    ),
    Route("/api/halls/{hall}/devices/heartbeat", heartbeat, methods=["POST"]),
    Route("/api/devices/claim/{code}", claim_device, methods=["POST"]),
    Route("/device/claim/{code}", claim_page),
]
