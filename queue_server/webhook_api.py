"""Routes of a hall's webhook subscriptions (`webhook_desk`); the deliveries
show in the outbox's log (`GET /api/halls/{hall}/outbox`)."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .api import hall_route, hub, ok, parse, who
from .bodies import WebhookIn


async def add_webhook(request: Request) -> Response:
    principal, body = await who(request), await parse(request, WebhookIn)
    hall = request.path_params["hall"]
    return ok(await run_in_threadpool(hub(request).add_webhook, principal, hall, body), 201)


async def remove_webhook(request: Request) -> Response:
    principal, p = await who(request), request.path_params
    return ok(await run_in_threadpool(hub(request).remove_webhook, principal, p["hall"], p["id"]))


routes = [
    Route("/api/halls/{hall}/webhooks", hall_route(lambda s: s.webhooks)),
    Route("/api/halls/{hall}/webhooks", add_webhook, methods=["POST"]),
    Route("/api/halls/{hall}/webhooks/{id}", remove_webhook, methods=["DELETE"]),
]
