"""REST routes: parse the request, call a use case, answer. No decisions here.

Every refusal leaves as JSON `{"error": code, "message": text}` with the
status its exception names (errors.py maps them); the blocking database work
runs in the thread pool so the event loop stays free for the displays.
"""

import json
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import audit, openapi_document
from .access import Principal
from .bodies import (
    CallIn,
    FinishIn,
    GreenCheckIn,
    HallIn,
    HoursIn,
    PolicyIn,
    RatingIn,
    TicketIn,
    TicketRefIn,
    TokenIn,
    TransferIn,
    WindowIn,
)
from .body_errors import in_chinese
from .broadcast import Doorbell
from .edge import prefers_english
from .errors import BadJson, ClientGone, InvalidInput, NotFound
from .readiness import readiness
from .services import HallServices
from .sessions import SESSION_COOKIE

B = TypeVar("B", bound=BaseModel)


ACTION_BODIES: dict[str, type[BaseModel] | None] = {
    "open": None,
    "pause": None,
    "resume": None,
    "close": None,
    "call-next": None,
    "call": CallIn,
    "recall": None,
    "start": None,
    "finish": FinishIn,
    "no-show": None,
    "transfer": TransferIn,
    "suspend": None,
    "resume-ticket": TicketRefIn,
    "green-check": GreenCheckIn,
}


def hub(request: Request) -> HallServices:
    services: HallServices = request.state.services
    return services


async def who(request: Request) -> Principal:
    """The caller: a bearer token's, else a signed-in staff member's (the cookie)."""
    session = request.cookies.get(SESSION_COOKIE)
    if session and not _has_token(request):
        return await run_in_threadpool(hub(request).session_principal, session)
    authorization = request.headers.get("authorization")
    known = hub(request).tokens.cached_principal(authorization)  # most requests: no thread hop
    if known is not None:
        return known
    address = request.client.host if request.client else None
    return await run_in_threadpool(hub(request).tokens.authenticate, authorization, address)


MAX_DEPTH = 32  # no request body of ours nests deeper; json and pydantic recurse per level


async def read_json(request: Request) -> Any:
    """The body as JSON; {} when empty; 400 when malformed or nested past MAX_DEPTH.

    The size limit and the read deadline are the edge's (edge.Guard), met
    while the body streams in.
    """
    try:
        raw = await request.body()
    except ClientDisconnect:
        raise ClientGone(
            "客户端在发送请求内容前已断开",
            en="the client went away before sending its request body",
        ) from None
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # ValueError: bad JSON, bad UTF-8, huge ints
        raise BadJson(
            "请求内容不是有效的 JSON", en=f"request body is not valid JSON: {str(exc)[:200]}"
        ) from None
    if b"\\u0000" in raw:  # valid JSON, but no text column of PostgreSQL can hold it
        raise BadJson(
            "请求内容含有空字符（\\u0000）",
            en="request body holds a NUL character (\\u0000)",
            code="bad_characters",
        )
    if depth(data) > MAX_DEPTH:
        raise BadJson(
            f"请求内容嵌套超过 {MAX_DEPTH} 层",
            en=f"request body nests deeper than {MAX_DEPTH} levels",
            code="too_deep",
        )
    return data


def depth(value: Any) -> int:
    """How deep `value` nests (a scalar is 0), without recursing."""
    deepest, level = 0, [(value, 0)]
    while level:
        item, d = level.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, d + 1)
            if d + 1 <= MAX_DEPTH:
                children = item.values() if isinstance(item, dict) else item
                level.extend((child, d + 1) for child in children)
    return deepest


async def parse(request: Request, model: type[B]) -> B:
    data = await read_json(request)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(in_chinese(exc), en=describe(exc), code="invalid_body") from None


def where(error: Any) -> str:
    return ".".join(str(p) for p in error["loc"]) or "body"


def describe(exc: ValidationError) -> str:
    """Pydantic's errors as one line a person can act on: 'score: ...; service: ...'."""
    return "; ".join(f"{where(error)}: {error['msg']}" for error in exc.errors())


def ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


# ---------------------------------------------------------------- routes


async def healthz(request: Request) -> Response:
    return ok({"status": "ok"})


async def readyz(request: Request) -> Response:
    state = request.state
    ready, checks = await readiness(state.services.store, state.doorbell, state.jobs)
    return ok(
        {"status": "ready" if ready else "not_ready", "checks": checks}, 200 if ready else 503
    )


async def openapi_json(request: Request) -> Response:
    return ok(openapi_document.describe(request.app.routes))


async def list_services(request: Request) -> Response:
    catalogue = hub(request).catalogue
    return ok(
        {
            "categories": [vars_of(c) for c in catalogue.categories.values()],
            "services": [
                vars_of(s) | {"guide": (g := catalogue.guide(s.code)) and g.public()}
                for s in catalogue.services.values()
            ],
        }
    )


def vars_of(obj: Any) -> dict[str, Any]:
    return {
        name: (list(v) if isinstance(v := getattr(obj, name), tuple) else v)
        for name in obj.__slots__
    }


async def create_hall(request: Request) -> Response:
    principal, body = await who(request), await parse(request, HallIn)
    return ok(await run_in_threadpool(hub(request).create_hall, principal, body), 201)


async def put_window(request: Request) -> Response:
    principal, body = await who(request), await parse(request, WindowIn)
    p = request.path_params
    return ok(await run_in_threadpool(hub(request).put_window, principal, p["hall"], p["n"], body))


async def create_token(request: Request) -> Response:
    principal, body = await who(request), await parse(request, TokenIn)
    return ok(await run_in_threadpool(hub(request).tokens.create, principal, body), 201)


async def list_tokens(request: Request) -> Response:
    principal, hall = await who(request), request.query_params.get("hall")
    return ok(await run_in_threadpool(hub(request).tokens.list, principal, hall))


async def revoke_token(request: Request) -> Response:
    principal = await who(request)
    services, token_id = hub(request), request.path_params["id"]
    view = await run_in_threadpool(services.revoke_token, principal, token_id)
    doorbell: Doorbell = request.state.doorbell
    await doorbell.tokens_revoked()  # answered once every other process has been told
    return ok(view)


async def issue_ticket(request: Request) -> Response:
    principal, body = await who(request), await parse(request, TicketIn)
    hall, services = request.path_params["hall"], hub(request)
    work = services.issuing(principal, hall, body, request.headers.get("idempotency-key"))
    view, created = await services.write_from_loop(hall, work)
    return ok(view, 201 if created else 200)


async def get_ticket(request: Request) -> Response:
    return ok(await run_in_threadpool(hub(request).ticket_view, request.path_params["id"]))


async def ticket_checklist(request: Request) -> Response:
    return ok(await run_in_threadpool(hub(request).ticket_checklist, request.path_params["id"]))


async def rate_ticket(request: Request) -> Response:
    body = await parse(request, RatingIn)
    # Public (the holder rates from the phone), but a caller that shows a token or
    # a staff session is held to its role: a window's evaluator (or a clerk signed
    # in there) rates only the visitor it just served.
    signed_in = _has_token(request) or SESSION_COOKIE in request.cookies
    rater = await who(request) if signed_in else None
    args = (request.path_params["id"], body, rater)
    return ok(await run_in_threadpool(hub(request).rate, *args), 201)


async def rating_form(request: Request) -> Response:
    return ok(await run_in_threadpool(hub(request).rating_form, request.path_params["id"]))


def _has_token(request: Request) -> bool:
    """Whether the request carries a token (pages without one send "Bearer ")."""
    _scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return bool(token.strip())


async def cancel_ticket(request: Request) -> Response:
    return ok(await run_in_threadpool(hub(request).cancel_ticket, request.path_params["id"]))


async def window_action(request: Request) -> Response:
    p = request.path_params
    action = p["action"]
    if action not in ACTION_BODIES:
        known = ", ".join(ACTION_BODIES)
        raise NotFound(
            f"没有“{action[:40]}”这个窗口操作，可用：{known}",
            en=f"unknown window action {action[:40]!r}; use one of: {known}",
            code="unknown_action",
        )
    principal = await who(request)
    model = ACTION_BODIES[action]
    body = await parse(request, model) if model else await read_json(request)
    services, where = hub(request), (principal, p["hall"], p["n"])
    if isinstance(body, GreenCheckIn):  # a use case of its own (green_check), audited there
        return ok(await run_in_threadpool(services.green_check, *where, body))
    result = await run_in_threadpool(services.window_action, *where, action, body)
    return Response(status_code=204) if result is None else ok(result)


async def cancel_by_staff(request: Request) -> Response:
    principal, p = await who(request), request.path_params
    return ok(
        await run_in_threadpool(hub(request).cancel_by_staff, principal, p["hall"], p["ticket"])
    )


async def tickets_csv(request: Request) -> Response:
    principal, hall = await who(request), request.path_params["hall"]
    text = await run_in_threadpool(
        partial(hub(request).tickets_csv, english=csv_in_english(request)),
        principal,
        hall,
        request.query_params.get("date"),
    )
    # A BOM so that spreadsheet programs read the Chinese as UTF-8.
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{hall}-tickets.csv"'},
    )


async def audit_csv(request: Request) -> Response:
    principal, hall = await who(request), request.path_params["hall"]
    day = await run_in_threadpool(
        hub(request).audit, principal, hall, request.query_params.get("date")
    )
    return Response(
        "\ufeff" + audit.audit_csv(day),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{hall}-audit-{day["date"]}.csv"'},
    )


async def ack_alert(request: Request) -> Response:
    principal, p = await who(request), request.path_params
    return ok(await run_in_threadpool(hub(request).ack_alert, principal, p["hall"], p["alert"]))


def csv_in_english(request: Request) -> bool:
    """`?lang=en` (or `zh`) decides; without it, the client's Accept-Language."""
    lang = request.query_params.get("lang", "").lower()
    if lang in ("en", "zh"):
        return lang == "en"
    return prefers_english(request.headers.get("accept-language"))


async def get_window(request: Request) -> Response:
    principal, p = await who(request), request.path_params
    return ok(await run_in_threadpool(hub(request).window_view, principal, p["hall"], p["n"]))


async def whoami(request: Request) -> Response:
    principal = await who(request)
    if principal.staff_no is not None:
        return ok(await run_in_threadpool(hub(request).staff_whoami, principal))
    return ok(hub(request).whoami(principal))


def hall_route(
    use_case: Callable[[HallServices], Callable[..., Any]],
    body: type[BaseModel] | None = None,
    query: str | None = None,
) -> Callable[[Request], Awaitable[Response]]:
    """A handler for the common shape: use_case(principal, hall[, body][, ?query])."""

    async def handler(request: Request) -> Response:
        args: list[Any] = [await who(request), request.path_params["hall"]]
        if body is not None:
            args.append(await parse(request, body))
        if query is not None:
            args.append(request.query_params.get(query))
        return ok(await run_in_threadpool(use_case(hub(request)), *args))

    return handler


routes = [
    Route("/healthz", healthz),
    Route("/readyz", readyz),
    Route("/api/services", list_services),
    Route("/api/openapi.json", openapi_json),
    Route("/api/halls", create_hall, methods=["POST"]),
    Route("/api/halls/{hall}", hall_route(lambda s: s.hall_view)),
    Route(
        "/api/halls/{hall}/policy", hall_route(lambda s: s.set_policy, PolicyIn), methods=["PUT"]
    ),
    Route("/api/halls/{hall}/hours", hall_route(lambda s: s.set_hours, HoursIn), methods=["PUT"]),
    Route("/api/halls/{hall}/windows/{n:int}", put_window, methods=["PUT"]),
    Route("/api/halls/{hall}/windows/{n:int}", get_window, methods=["GET"]),
    Route("/api/halls/{hall}/alerts", hall_route(lambda s: s.alerts, query="date")),
    Route("/api/halls/{hall}/audit", hall_route(lambda s: s.audit, query="date")),
    Route("/api/halls/{hall}/audit.csv", audit_csv),
    Route("/api/halls/{hall}/alerts/{alert}/ack", ack_alert, methods=["POST"]),
    Route("/api/halls/{hall}/windows/{n:int}/{action}", window_action, methods=["POST"]),
    Route("/api/halls/{hall}/tickets", issue_ticket, methods=["POST"]),
    Route("/api/halls/{hall}/tickets", hall_route(lambda s: s.issued_since, query="since_seq")),
    Route("/api/halls/{hall}/stats", hall_route(lambda s: s.stats, query="date")),
    Route("/api/halls/{hall}/snapshots", hall_route(lambda s: s.snapshots, query="date")),
    Route("/api/halls/{hall}/queues", hall_route(lambda s: s.queues)),
    Route("/api/halls/{hall}/tickets.csv", tickets_csv),
    Route("/api/halls/{hall}/tickets/{ticket}/cancel", cancel_by_staff, methods=["POST"]),
    Route("/api/halls/{hall}/board", hall_route(lambda s: s.board)),
    Route("/api/tokens", create_token, methods=["POST"]),
    Route("/api/tokens", list_tokens, methods=["GET"]),
    Route("/api/tokens/{id}", revoke_token, methods=["DELETE"]),
    Route("/api/tokens/{id}/revoke", revoke_token, methods=["POST"]),
    Route("/api/whoami", whoami),
    Route("/api/tickets/{id}", get_ticket),
    Route("/api/tickets/{id}/checklist", ticket_checklist),
    Route("/api/tickets/{id}/rating", rate_ticket, methods=["POST"]),
    Route("/api/tickets/{id}/rating", rating_form, methods=["GET"]),
    Route("/api/tickets/{id}/cancel", cancel_ticket, methods=["POST"]),
]
