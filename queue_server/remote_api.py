"""REST routes and pages of 线上取号 (`remote_queue`): what a phone may queue for,
the place taken with a phone code, the holder's arrival at the door or the
ticket machine, and the door sign a supervisor prints.

- `GET /remote/{hall}`: the phone page that takes a place (item, phone, code).
- `GET /arrive/{hall}?k=…`: what the door QR opens; it checks in the places
  this phone took (their ids kept in the browser by the holder's page).
- `GET /door/{hall}?token=…`: the sign with today's door QR, to print.
"""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .api import ok, parse, who
from .bodies import DoorCheckInIn, RemoteArrivalIn, RemoteConfirmIn, RemoteTicketIn
from .booking_api import client_address
from .pages import render
from .remote_queue import RemotePlaces
from .visitor_pages import qr_svg_text


def remote(request: Request) -> RemotePlaces:
    found: RemotePlaces = request.state.remote
    return found


async def offer(request: Request) -> Response:
    return ok(await run_in_threadpool(remote(request).offer, request.path_params["hall"]))


async def take_place(request: Request) -> Response:
    body, hall = await parse(request, RemoteTicketIn), request.path_params["hall"]
    sent = await run_in_threadpool(remote(request).request, hall, body, client_address(request))
    return ok(sent, 202)


async def confirm_place(request: Request) -> Response:
    body, hall = await parse(request, RemoteConfirmIn), request.path_params["hall"]
    view, created = await run_in_threadpool(
        remote(request).confirm, hall, body, client_address(request)
    )
    return ok(view, 201 if created else 200)


async def check_in_at_kiosk(request: Request) -> Response:
    principal, body = await who(request), await parse(request, RemoteArrivalIn)
    hall, client = request.path_params["hall"], client_address(request)
    answer, status = await run_in_threadpool(
        remote(request).check_in_at_kiosk, principal, hall, body, client
    )
    return ok(answer, status)


async def check_in_at_door(request: Request) -> Response:
    body, ticket = await parse(request, DoorCheckInIn), request.path_params["id"]
    return ok(await run_in_threadpool(remote(request).check_in_at_door, ticket, body))


async def door(request: Request) -> Response:
    principal, hall = await who(request), request.path_params["hall"]
    sign = await run_in_threadpool(remote(request).door, principal, hall, str(request.base_url))
    return ok(sign | {"qr_svg": await run_in_threadpool(qr_svg_text, sign["url"])})


async def remote_page(request: Request) -> Response:
    return render(request, "remote.html", hall=request.path_params["hall"])


async def arrive_page(request: Request) -> Response:
    return render(request, "arrive.html", hall=request.path_params["hall"])


async def door_page(request: Request) -> Response:
    return render(request, "door.html", hall=request.path_params["hall"])


routes = [
    Route("/api/halls/{hall}/remote-tickets", offer),
    Route("/api/halls/{hall}/remote-tickets", take_place, methods=["POST"]),
    Route("/api/halls/{hall}/remote-tickets/confirm", confirm_place, methods=["POST"]),
    Route("/api/halls/{hall}/remote-tickets/check-in", check_in_at_kiosk, methods=["POST"]),
    Route("/api/tickets/{id}/check-in", check_in_at_door, methods=["POST"]),
    Route("/api/halls/{hall}/door", door),
    Route("/remote/{hall}", remote_page),
    Route("/arrive/{hall}", arrive_page),
    Route("/door/{hall}", door_page),
]
