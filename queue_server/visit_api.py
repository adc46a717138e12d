"""REST routes of 送服务上门 (home visits): the public request with its phone
code, the requester's view and cancel by the visit's code, and the hall's
list, moves and the address opened for the member who goes."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .api import hub, ok, parse, who
from .booking_api import client_address
from .errors import NotFound
from .phone_challenges import PhoneChallenges
from .visit_bodies import VisitCodeIn, VisitIn
from .visit_desk import MOVE_BODIES
from .visit_requests import VisitRequests

VISITS = "/api/halls/{hall}/home-visits"
MINE = "/api/home-visits/{id}"


def requests_of(request: Request) -> VisitRequests:
    challenges: PhoneChallenges = request.state.phone_challenges
    return VisitRequests(hub(request), challenges)


async def form(request: Request) -> Response:
    return ok(await run_in_threadpool(requests_of(request).form, request.path_params["hall"]))


async def ask(request: Request) -> Response:
    body, hall = await parse(request, VisitIn), request.path_params["hall"]
    sent = await run_in_threadpool(
        requests_of(request).request, hall, body, client_address(request)
    )
    return ok(sent, 202)


async def confirm(request: Request) -> Response:
    body, hall = await parse(request, VisitCodeIn), request.path_params["hall"]
    made = await run_in_threadpool(
        requests_of(request).confirm, hall, body, client_address(request)
    )
    return ok(made, 201)


async def show(request: Request) -> Response:
    return ok(await run_in_threadpool(requests_of(request).show, request.path_params["id"]))


async def ask_cancel(request: Request) -> Response:
    args = (request.path_params["id"], client_address(request))
    return ok(await run_in_threadpool(requests_of(request).ask_cancel, *args), 202)


async def cancel(request: Request) -> Response:
    body = await parse(request, VisitCodeIn)
    args = (request.path_params["id"], body, client_address(request))
    return ok(await run_in_threadpool(requests_of(request).cancel, *args))


async def list_visits(request: Request) -> Response:
    principal, hall = await who(request), request.path_params["hall"]
    args = (principal, hall, request.query_params.get("status"))
    return ok(await run_in_threadpool(hub(request).home_visits, *args))


async def contact(request: Request) -> Response:
    principal, p = await who(request), request.path_params
    args = (principal, p["hall"], p["id"])
    return ok(await run_in_threadpool(hub(request).home_visit_contact, *args))


async def move(request: Request) -> Response:
    p = request.path_params
    model = MOVE_BODIES.get(p["action"])
    if model is None:
        known = ", ".join(MOVE_BODIES)
        raise NotFound(
            f"没有“{p['action'][:40]}”这个上门服务操作，可用：{known}",
            en=f"unknown home visit action {p['action'][:40]!r}; use one of: {known}",
            code="unknown_action",
        )
    principal = await who(request)
    body = await parse(request, model)
    args = (principal, p["hall"], p["id"], p["action"], body)
    return ok(await run_in_threadpool(hub(request).move_home_visit, *args))


routes = [
    Route(VISITS, list_visits, methods=["GET"]),
    Route(VISITS, ask, methods=["POST"]),
    Route(VISITS + "/form", form, methods=["GET"]),
    Route(VISITS + "/confirm", confirm, methods=["POST"]),
    Route(VISITS + "/{id}/contact", contact, methods=["GET"]),
    Route(VISITS + "/{id}/{action}", move, methods=["POST"]),
    Route(MINE, show, methods=["GET"]),
    Route(MINE + "/cancel", ask_cancel, methods=["POST"]),
    Route(MINE + "/cancel/confirm", cancel, methods=["POST"]),
]
