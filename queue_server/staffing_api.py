"""The route of the 排班建议 (issue 18).

- `GET /api/halls/{hall}/staffing?date=YYYY-MM-DD`: per half-hour of the day,
  the forecast arrivals and work, the windows to open and the expected mean
  wait, with the history days the forecast used (default date: tomorrow).
"""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .api import hub, ok, who


async def staffing(request: Request) -> Response:
    principal, hall = await who(request), request.path_params["hall"]
    day = request.query_params.get("date")
    return ok(await run_in_threadpool(hub(request).staffing, principal, hall, day))


routes = [Route("/api/halls/{hall}/staffing", staffing)]
