"""Routes of a ticket's reminders, for its holder's page (the id is the key):

- `GET /api/tickets/{id}/reminders`: whether texts are on, the hall's default N;
- `POST /api/tickets/{id}/reminders` `{phone?, ahead}`: a code to `phone` (202),
  or without a phone, texts on at once to the booking's verified phone (200);
- `POST /api/tickets/{id}/reminders/confirm` `{challenge, code}`: texts on;
- `DELETE /api/tickets/{id}/reminders`: texts off.
"""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .api import hub, ok, parse
from .bodies import ReminderConfirmIn, ReminderIn
from .booking_api import client_address
from .ticket_reminders import TicketReminders


def reminders(request: Request) -> TicketReminders:
    return TicketReminders(hub(request), request.state.phone_challenges)


async def show(request: Request) -> Response:
    return ok(await run_in_threadpool(reminders(request).status, request.path_params["id"]))


async def ask(request: Request) -> Response:
    body = await parse(request, ReminderIn)
    args = (request.path_params["id"], body, client_address(request))
    answer, status = await run_in_threadpool(reminders(request).ask, *args)
    return ok(answer, status)


async def confirm(request: Request) -> Response:
    body = await parse(request, ReminderConfirmIn)
    args = (request.path_params["id"], body, client_address(request))
    return ok(await run_in_threadpool(reminders(request).confirm, *args))


async def switch_off(request: Request) -> Response:
    return ok(await run_in_threadpool(reminders(request).off, request.path_params["id"]))


routes = [
    Route("/api/tickets/{id}/reminders", show, methods=["GET"]),
    Route("/api/tickets/{id}/reminders", ask, methods=["POST"]),
    Route("/api/tickets/{id}/reminders", switch_off, methods=["DELETE"]),
    Route("/api/tickets/{id}/reminders/confirm", confirm, methods=["POST"]),
]
