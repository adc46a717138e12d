"""REST routes of the console's catalogue and policy sections (issue 14): the
hall's own settings of catalogue items, and what each policy setting means."""

from functools import cache
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .api import hall_route, hub, ok, parse, who
from .bodies import CatalogueItemIn, PolicyIn
from .policy_help import settings_help


async def set_item(request: Request) -> Response:
    principal, body = await who(request), await parse(request, CatalogueItemIn)
    p = request.path_params
    args = (principal, p["hall"], p["code"], body)
    return ok(await run_in_threadpool(hub(request).set_item, *args))


@cache
def _described() -> list[dict[str, Any]]:
    """Each policy setting explained, with the range PUT /policy accepts."""
    bounds: dict[str, dict[str, Any]] = {}
    for name, prop in PolicyIn.model_json_schema()["properties"].items():
        number: dict[str, Any] = next(
            (a for a in prop.get("anyOf", []) if a.get("type") == "integer"), {}
        )
        bounds[name] = {k: number[k] for k in ("minimum", "maximum") if k in number}
    return [entry | bounds.get(str(entry["name"]), {}) for entry in settings_help()]


async def policy_settings(request: Request) -> Response:
    return ok(_described())


routes = [
    Route("/api/policy-settings", policy_settings),
    Route("/api/halls/{hall}/catalogue", hall_route(lambda s: s.hall_catalogue)),
    Route("/api/halls/{hall}/catalogue/{code}", set_item, methods=["PATCH"]),
]
