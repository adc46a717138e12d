"""REST routes of the 好差评 cases (`case_desk`, `case_intake`): the hall's
cases, one case, its moves and assignment, 「办不成事」 reports, and the hall's
好差评 settings."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .api import _has_token, hall_route, hub, ok, parse, who
from .case_bodies import CaseAssignIn, FeedbackIn, NotDoneIn
from .case_desk import MOVE_BODIES
from .errors import NotFound
from .sessions import SESSION_COOKIE

CASES = "/api/halls/{hall}/cases"


async def list_cases(request: Request) -> Response:
    principal, q = await who(request), request.query_params
    args = (q.get("status"), q.get("kind"), q.get("from"), q.get("to"))
    return ok(
        await run_in_threadpool(hub(request).cases, principal, request.path_params["hall"], *args)
    )


async def get_case(request: Request) -> Response:
    principal, p = await who(request), request.path_params
    return ok(await run_in_threadpool(hub(request).case, principal, p["hall"], p["id"]))


async def move_case(request: Request) -> Response:
    p = request.path_params
    action = p["action"]
    model = MOVE_BODIES.get(action)
    if model is None:
        known = ", ".join([*MOVE_BODIES, "assign"])
        raise NotFound(
            f"没有“{action[:40]}”这个工单操作，可用：{known}",
            en=f"unknown case action {action[:40]!r}; use one of: {known}",
            code="unknown_action",
        )
    principal = await who(request)
    body = await parse(request, model)
    args = (principal, p["hall"], p["id"], action, body)
    return ok(await run_in_threadpool(hub(request).move_case, *args))


async def assign_case(request: Request) -> Response:
    principal, p = await who(request), request.path_params
    body = await parse(request, CaseAssignIn)
    args = (principal, p["hall"], p["id"], body)
    return ok(await run_in_threadpool(hub(request).assign_case, *args))


async def report_not_done(request: Request) -> Response:
    body = await parse(request, NotDoneIn)
    # Public from the holder's phone (with the ticket's id); a caller that shows
    # a token (or a signed-in member) reports as that device or member.
    signed_in = _has_token(request) or SESSION_COOKIE in request.cookies
    reporter = await who(request) if signed_in else None
    client = request.client.host if request.client else ""
    args = (reporter, request.path_params["hall"], body, client)
    return ok(await run_in_threadpool(hub(request).report_not_done, *args), 201)


routes = [
    Route(CASES, list_cases, methods=["GET"]),
    Route(CASES, report_not_done, methods=["POST"]),
    Route(CASES + "/{id}", get_case, methods=["GET"]),
    Route(CASES + "/{id}/assign", assign_case, methods=["POST"]),
    Route(CASES + "/{id}/{action}", move_case, methods=["POST"]),
    Route("/api/halls/{hall}/feedback", hall_route(lambda s: s.feedback_settings), methods=["GET"]),
    Route(
        "/api/halls/{hall}/feedback",
        hall_route(lambda s: s.set_feedback, FeedbackIn),
        methods=["PUT"],
    ),
]
