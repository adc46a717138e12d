"""Routes of 容缺受理 follow-ups (issue 15).

- `GET /api/halls/{hall}/followups?status=open|all`: the hall's follow-ups,
  soonest due first, for its windows and supervisors.
- `POST /api/halls/{hall}/followups/{ticket_id}/close`: the materials arrived.

A follow-up opens when a window finishes a ticket with the outcome 容缺受理
(`POST …/windows/{n}/finish` with `missing` and `due`).
"""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .api import hall_route, hub, ok, parse, who
from .bodies import FollowupCloseIn


async def close_followup(request: Request) -> Response:
    principal, body = await who(request), await parse(request, FollowupCloseIn)
    p = request.path_params
    args = (principal, p["hall"], p["ticket_id"], body)
    return ok(await run_in_threadpool(hub(request).close_followup, *args))


routes = [
    Route("/api/halls/{hall}/followups", hall_route(lambda s: s.followups, query="status")),
    Route("/api/halls/{hall}/followups/{ticket_id}/close", close_followup, methods=["POST"]),
]
