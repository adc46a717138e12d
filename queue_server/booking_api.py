"""REST routes of appointments: what the booking page offers, a hall's free
slots, booking with a phone code, a booking looked at (and its calendar entry)
by its code, cancelled or moved with a code to its phone, and the kiosk's
check-in."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .api import ok, parse, who
from .bodies import AppointmentIn, CancelIn, ChallengeIn, CheckInIn, ConfirmIn, MoveIn
from .bookings import Bookings


def bookings(request: Request) -> Bookings:
    found: Bookings = request.state.bookings
    return found


async def slots(request: Request) -> Response:
    q = request.query_params
    return ok(
        await run_in_threadpool(
            bookings(request).slots, request.path_params["hall"], q.get("service"), q.get("date")
        )
    )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def book(request: Request) -> Response:
    body, hall = await parse(request, AppointmentIn), request.path_params["hall"]
    pending = await run_in_threadpool(bookings(request).book, hall, body, client_address(request))
    return ok(pending, 202)


async def confirm_booking(request: Request) -> Response:
    body, hall = await parse(request, ConfirmIn), request.path_params["hall"]
    made = await run_in_threadpool(bookings(request).confirm, hall, body, client_address(request))
    return ok(made, 201)


async def show_appointment(request: Request) -> Response:
    code, client = request.path_params["code"], client_address(request)
    return ok(await run_in_threadpool(bookings(request).show, code, client))


async def appointment_calendar(request: Request) -> Response:
    code, client = request.path_params["code"], client_address(request)
    ics = await run_in_threadpool(bookings(request).calendar, code, client)
    return Response(
        ics,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="booking.ics"'},
    )


async def booking_offer(request: Request) -> Response:
    return ok(await run_in_threadpool(bookings(request).offer, request.path_params["hall"]))


async def challenge(request: Request) -> Response:
    body, code = await parse(request, ChallengeIn), request.path_params["code"]
    sent = await run_in_threadpool(bookings(request).challenge, code, body, client_address(request))
    return ok(sent, 202)


async def cancel_appointment(request: Request) -> Response:
    body, code = await parse(request, CancelIn), request.path_params["code"]
    return ok(
        await run_in_threadpool(bookings(request).cancel, code, body, client_address(request))
    )


async def move_appointment(request: Request) -> Response:
    body, code = await parse(request, MoveIn), request.path_params["code"]
    return ok(await run_in_threadpool(bookings(request).move, code, body, client_address(request)))


async def check_in(request: Request) -> Response:
    principal, body = await who(request), await parse(request, CheckInIn)
    view, created = await run_in_threadpool(
        bookings(request).check_in, principal, request.path_params["hall"], body
    )
    return ok(view, 201 if created else 200)


routes = [
    Route("/api/halls/{hall}/booking", booking_offer),
    Route("/api/halls/{hall}/slots", slots),
    Route("/api/halls/{hall}/appointments", book, methods=["POST"]),
    Route("/api/halls/{hall}/appointments/confirm", confirm_booking, methods=["POST"]),
    Route("/api/halls/{hall}/appointments/check-in", check_in, methods=["POST"]),
    Route("/api/appointments/{code}.ics", appointment_calendar),  # before the booking itself
    Route("/api/appointments/{code}", show_appointment),
    Route("/api/appointments/{code}/challenge", challenge, methods=["POST"]),
    Route("/api/appointments/{code}/cancel", cancel_appointment, methods=["POST"]),
    Route("/api/appointments/{code}/move", move_appointment, methods=["POST"]),
]
