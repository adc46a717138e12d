"""The city view's routes (issue 14): `GET /admin`, the page, and `GET /api/city`,
every hall's live figures for the city's admin (the server's admin token in
`?token=`, as the other staff pages take theirs)."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .api import hub, ok, who
from .pages import render


async def city(request: Request) -> Response:
    principal = await who(request)
    return ok(await run_in_threadpool(hub(request).city, principal))


async def city_page(request: Request) -> Response:
    return render(request, "city.html")


routes = [
    Route("/api/city", city),
    Route("/admin", city_page),
]
