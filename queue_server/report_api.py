"""Routes of the 好差评 report (issue 15), and of the day's calls by reason
(issue 18: `GET /api/halls/{hall}/calls/reasons?date=`, `call_figures`).

- `GET /api/halls/{hall}/ratings/report?from=&to=&by=`: the figures as JSON.
- `GET /api/halls/{hall}/ratings/report.csv?from=&to=&by=`: the same, as CSV
  headed in Chinese, with a BOM so that spreadsheets read it as UTF-8.
"""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .api import hall_route, hub, ok, who


def _query(request: Request) -> tuple[str | None, str | None, str | None]:
    q = request.query_params
    return q.get("from"), q.get("to"), q.get("by")


async def ratings_report(request: Request) -> Response:
    principal, hall = await who(request), request.path_params["hall"]
    return ok(
        await run_in_threadpool(hub(request).ratings_report, principal, hall, *_query(request))
    )


async def ratings_report_csv(request: Request) -> Response:
    principal, hall = await who(request), request.path_params["hall"]
    text, answer = await run_in_threadpool(
        hub(request).ratings_report_csv, principal, hall, *_query(request)
    )
    name = f"{hall}-ratings-{answer['by']}-{answer['from']}-{answer['to']}.csv"
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


routes = [
    Route("/api/halls/{hall}/calls/reasons", hall_route(lambda s: s.call_reasons, query="date")),
    Route("/api/halls/{hall}/ratings/report", ratings_report),
    Route("/api/halls/{hall}/ratings/report.csv", ratings_report_csv),
]
