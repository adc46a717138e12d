"""REST routes: parse the request, call a use case, answer. No decisions here.

Every refusal leaves as JSON `{"error": code, "message": text}` with the
status its exception names (errors.py maps them); the blocking database work
runs in the thread pool so the event loop stays free for the displays.
"""

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .access import Principal
from .domain import InvalidInput, QueueError
from .models import (
    CallIn,
    DeviceStatusIn,
    FinishIn,
    HallIn,
    PolicyIn,
    RatingIn,
    TicketIn,
    TicketRefIn,
    TokenIn,
    TransferIn,
    WindowIn,
)
from .services import HallServices

B = TypeVar("B", bound=BaseModel)


class PayloadTooLarge(QueueError):
    status = 413
    code = "payload_too_large"


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
}


def hub(request: Request) -> HallServices:
    services: HallServices = request.state.services
    return services


async def who(request: Request) -> Principal:
    return await run_in_threadpool(hub(request).authenticate, request.headers.get("authorization"))


async def read_json(request: Request) -> Any:
    """The body as JSON; {} when empty. 413 past the size limit, 400 when malformed."""
    limit = hub(request).settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body is larger than {limit} bytes")
    raw = await request.body()
    if len(raw) > limit:
        raise PayloadTooLarge(f"request body is larger than {limit} bytes")
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadJson(f"request body is not valid JSON: {exc}") from None


class BadJson(QueueError):
    status = 400
    code = "bad_json"


async def parse(request: Request, model: type[B]) -> B:
    data = await read_json(request)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    """Pydantic's errors as one line a person can act on: 'score: ...; service: ...'."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


# ---------------------------------------------------------------- routes


async def healthz(request: Request) -> Response:
    return ok({"status": "ok"})


async def list_services(request: Request) -> Response:
    catalogue = hub(request).catalogue
    return ok(
        {
            "categories": [vars_of(c) for c in catalogue.categories.values()],
            "services": [vars_of(s) for s in catalogue.services.values()],
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


async def get_hall(request: Request) -> Response:
    principal = await who(request)
    return ok(
        await run_in_threadpool(hub(request).hall_view, principal, request.path_params["hall"])
    )


async def put_policy(request: Request) -> Response:
    principal, body = await who(request), await parse(request, PolicyIn)
    return ok(
        await run_in_threadpool(
            hub(request).set_policy, principal, request.path_params["hall"], body
        )
    )


async def put_window(request: Request) -> Response:
    principal, body = await who(request), await parse(request, WindowIn)
    p = request.path_params
    return ok(await run_in_threadpool(hub(request).put_window, principal, p["hall"], p["n"], body))


async def create_token(request: Request) -> Response:
    principal, body = await who(request), await parse(request, TokenIn)
    return ok(await run_in_threadpool(hub(request).create_token, principal, body), 201)


async def issue_ticket(request: Request) -> Response:
    principal, body = await who(request), await parse(request, TicketIn)
    key = request.headers.get("idempotency-key")
    view, created = await run_in_threadpool(
        hub(request).issue_ticket, principal, request.path_params["hall"], body, key
    )
    return ok(view, 201 if created else 200)


async def issued_since(request: Request) -> Response:
    principal = await who(request)
    raw = request.query_params.get("since_seq", "0")
    if not raw.isdigit():
        raise InvalidInput("since_seq must be a whole number (a feed seq)")
    return ok(
        await run_in_threadpool(
            hub(request).issued_since, principal, request.path_params["hall"], int(raw)
        )
    )


async def get_ticket(request: Request) -> Response:
    return ok(await run_in_threadpool(hub(request).ticket_view, request.path_params["id"]))


async def rate_ticket(request: Request) -> Response:
    body = await parse(request, RatingIn)
    return ok(await run_in_threadpool(hub(request).rate, request.path_params["id"], body), 201)


async def cancel_ticket(request: Request) -> Response:
    return ok(await run_in_threadpool(hub(request).cancel_ticket, request.path_params["id"]))


async def window_action(request: Request) -> Response:
    p = request.path_params
    action = p["action"]
    if action not in ACTION_BODIES:
        raise UnknownAction(
            f"unknown window action {action!r}; use one of: {', '.join(ACTION_BODIES)}"
        )
    principal = await who(request)
    model = ACTION_BODIES[action]
    body = await parse(request, model) if model else await read_json(request)
    result = await run_in_threadpool(
        hub(request).window_action, principal, p["hall"], p["n"], action, body
    )
    return Response(status_code=204) if result is None else ok(result)


class UnknownAction(QueueError):
    status = 404
    code = "unknown_action"


async def whoami(request: Request) -> Response:
    return ok(hub(request).whoami(await who(request)))


async def report_device(request: Request) -> Response:
    principal, body = await who(request), await parse(request, DeviceStatusIn)
    return ok(
        await run_in_threadpool(
            hub(request).report_device, principal, request.path_params["hall"], body
        )
    )


async def list_devices(request: Request) -> Response:
    principal = await who(request)
    return ok(await run_in_threadpool(hub(request).devices, principal, request.path_params["hall"]))


async def stats(request: Request) -> Response:
    principal = await who(request)
    return ok(
        await run_in_threadpool(
            hub(request).stats,
            principal,
            request.path_params["hall"],
            request.query_params.get("date"),
        )
    )


async def board(request: Request) -> Response:
    principal = await who(request)
    return ok(await run_in_threadpool(hub(request).board, principal, request.path_params["hall"]))


routes = [
    Route("/healthz", healthz),
    Route("/api/services", list_services),
    Route("/api/halls", create_hall, methods=["POST"]),
    Route("/api/halls/{hall}", get_hall),
    Route("/api/halls/{hall}/policy", put_policy, methods=["PUT"]),
    Route("/api/halls/{hall}/windows/{n:int}", put_window, methods=["PUT"]),
    Route("/api/halls/{hall}/windows/{n:int}/{action}", window_action, methods=["POST"]),
    Route("/api/halls/{hall}/tickets", issue_ticket, methods=["POST"]),
    Route("/api/halls/{hall}/tickets", issued_since, methods=["GET"]),
    Route("/api/halls/{hall}/stats", stats),
    Route("/api/halls/{hall}/board", board),
    Route("/api/halls/{hall}/devices", list_devices),
    Route("/api/halls/{hall}/devices/status", report_device, methods=["POST"]),
    Route("/api/tokens", create_token, methods=["POST"]),
    Route("/api/whoami", whoami),
    Route("/api/tickets/{id}", get_ticket),
    Route("/api/tickets/{id}/rating", rate_ticket, methods=["POST"]),
    Route("/api/tickets/{id}/cancel", cancel_ticket, methods=["POST"]),
]
