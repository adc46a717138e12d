"""REST routes for a hall's staff and their sign-in (issue 14). A signed-in
member's session travels as an HttpOnly, SameSite=Strict cookie, so page
scripts cannot read it and other sites cannot send it; `api.who` turns it
into the caller."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .api import hall_route, hub, ok, parse, who
from .bodies import LoginIn, StaffIn, StaffPatchIn
from .errors import Unauthorized
from .sessions import SESSION_COOKIE, SESSION_S


async def create_staff(request: Request) -> Response:
    principal, body = await who(request), await parse(request, StaffIn)
    hall = request.path_params["hall"]
    return ok(await run_in_threadpool(hub(request).create_staff, principal, hall, body), 201)


async def change_staff(request: Request) -> Response:
    principal, body = await who(request), await parse(request, StaffPatchIn)
    p = request.path_params
    args = (principal, p["hall"], p["staff_no"], body)
    return ok(await run_in_threadpool(hub(request).change_staff, *args))


def _over_https(request: Request) -> bool:
    return request.url.scheme == "https"


async def login(request: Request) -> Response:
    body = await parse(request, LoginIn)
    address = request.client.host if request.client else None
    view, secret = await run_in_threadpool(hub(request).login, body, address)
    response = ok(view)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=SESSION_S,
        path="/",
        secure=_over_https(request),
        httponly=True,
        samesite="strict",
    )
    return response


async def logout(request: Request) -> Response:
    if secret := request.cookies.get(SESSION_COOKIE):
        await run_in_threadpool(hub(request).logout, secret)
    response = Response(status_code=204)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=_over_https(request), httponly=True, samesite="strict"
    )
    return response


async def sign_in_at_window(request: Request) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise Unauthorized(
            "请先登录，再在窗口签到",
            en="log in first (POST /api/login), then sign in at the window",
            code="no_session",
        )
    p = request.path_params
    args = (secret, p["hall"], p["n"])
    return ok(await run_in_threadpool(hub(request).sign_in_at_window, *args))


async def sign_out_of_window(request: Request) -> Response:
    principal, p = await who(request), request.path_params
    await run_in_threadpool(hub(request).sign_out_of_window, principal, p["hall"], p["n"])
    return Response(status_code=204)


async def ticket_record(request: Request) -> Response:
    principal, p = await who(request), request.path_params
    args = (principal, p["hall"], p["ticket"], request.query_params.get("date"))
    return ok(await run_in_threadpool(hub(request).ticket_record, *args))


# Listed before api.routes (see app.py): `windows/{n}/{action}` would take them.
routes = [
    Route("/api/halls/{hall}/windows/{n:int}/sign-in", sign_in_at_window, methods=["POST"]),
    Route("/api/halls/{hall}/windows/{n:int}/sign-out", sign_out_of_window, methods=["POST"]),
    Route("/api/halls/{hall}/staff", create_staff, methods=["POST"]),
    Route("/api/halls/{hall}/staff", hall_route(lambda s: s.list_staff), methods=["GET"]),
    Route("/api/halls/{hall}/staff/{staff_no}", change_staff, methods=["PATCH"]),
    Route("/api/halls/{hall}/tickets/{ticket}/transitions", ticket_record),
    Route("/api/login", login, methods=["POST"]),
    Route("/api/logout", logout, methods=["POST"]),
]
