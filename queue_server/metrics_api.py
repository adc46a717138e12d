"""`GET /metrics` for Prometheus, and the middleware that times HTTP requests.

The scrape is for operators: with `QUEUE_METRICS_TOKEN` set it takes that
token as a bearer (from anywhere); without it, only a client on this machine
(loopback) is answered, so a scraper on the same host or a sidecar works out
of the box and a hall's LAN sees nothing.
"""

import ipaddress
import time
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import logs
from .access import same_secret
from .errors import Forbidden, Unauthorized
from .live import HallFeed
from .metrics import HallFigures, Metrics, hall_figures
from .services import HallServices

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class RequestTimer:
    """Times each HTTP request by its route template (`/api/tickets/{id}`), never
    by its path: paths hold ticket ids, and every id would be a new series.
    Gives the request its id (`X-Request-Id`, `logs.REQUEST_ID`) and, with
    JSON logs, writes its access line."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, log_access: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        self.log_access = log_access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500
        given = Headers(scope=scope).get("x-request-id")
        rid = logs.request_id(given)
        bound = logs.REQUEST_ID.set(rid)

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-Id"] = rid
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.requests.labels(route, scope["method"], str(status)).observe(seconds)
            if self.log_access:
                hall = (scope.get("path_params") or {}).get("hall")
                facts = {"method": scope["method"], "route": route, "hall": hall}
                facts |= {"status": status, "ms": round(seconds * 1000, 1)}
                logs.access.info("%s %s %s", scope["method"], route, status, extra=facts)
            logs.REQUEST_ID.reset(bound)


def hall_reader(services: HallServices, feed: HallFeed) -> Any:
    """What the scrape reads: every hall's figures, from one read transaction."""

    def read() -> HallFigures:
        now: datetime = services.clock()
        with services.store.read() as tx:
            figures = {}
            for hall in tx.hall_ids():
                state = services.state(tx, hall, now, reading=True)
                devices: dict[str, int] = {}
                for row in tx.devices(hall):
                    devices[row.state] = devices.get(row.state, 0) + 1
                relay = feed.relays.get(hall)
                displays = len(relay.subscribers) if relay is not None else 0
                figures[hall] = hall_figures(state, now, displays, devices)
        return figures

    return read


async def metrics(request: Request) -> Response:
    _allowed(request)
    exposition = request.state.services.metrics.exposition
    return Response(await run_in_threadpool(exposition), media_type=CONTENT_TYPE)


def _allowed(request: Request) -> None:
    token = request.state.services.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not given or not same_secret(given, token):
            raise Unauthorized(
                "请提供指标令牌（QUEUE_METRICS_TOKEN）",
                en="GET /metrics needs the metrics token (QUEUE_METRICS_TOKEN) as a bearer",
            )
        return
    host = request.client.host if request.client else ""
    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:  # not an address (a test client's name)
        local = False
    if not local:
        raise Forbidden(
            "指标仅对本机开放；从其他机器抓取请设置 QUEUE_METRICS_TOKEN",
            en="/metrics answers this machine only; set QUEUE_METRICS_TOKEN to scrape from another",
        )


routes = [Route("/metrics", metrics)]
