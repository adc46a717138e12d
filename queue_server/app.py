"""Composition root: `create_app()` wires settings, store, feed and routes.

The lifespan owns every resource (the engines, the doorbell and the hall
feed) and hands them to requests through the lifespan state.
"""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TypedDict

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from . import (
    api,
    booking_api,
    booking_pages,
    case_api,
    city_api,
    devices_api,
    followup_api,
    guide_api,
    hall_settings_api,
    live,
    metrics_api,
    outbox_api,
    pages,
    reminders_api,
    remote_api,
    report_api,
    settings_api,
    staff_api,
    staff_pages,
    staffing_api,
    visit_api,
    visitor_pages,
    webhook_api,
)
from .bookings import Bookings
from .broadcast import Doorbell, doorbell_for
from .day import HallDay
from .edge import Guard, prefers_english, redact_server_logs, refusal
from .errors import QueueError
from .jobs import Jobs
from .live import HallFeed
from .metrics import Metrics
from .metrics_api import RequestTimer, hall_reader
from .outbox_sender import OutboxSender
from .phone_challenges import PhoneChallenges
from .remote_queue import RemotePlaces
from .services import HallServices
from .settings import Settings
from .store import Store
from .transactions import utcnow

log = logging.getLogger("queue_server")


class State(TypedDict):
    services: HallServices
    bookings: Bookings
    outbox: OutboxSender
    phone_challenges: PhoneChallenges
    remote: RemotePlaces
    feed: HallFeed
    doorbell: Doorbell
    jobs: Jobs


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], datetime] = utcnow
) -> Starlette:
    settings = settings or Settings.from_env()
    metrics = Metrics()  # the middleware's too, so made before the lifespan

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[State]:
        redact_server_logs()
        settings.ensure_sqlite_dir()
        store = Store(settings.database_url, synchronous=settings.sqlite_synchronous)
        store.create_all()
        feed = HallFeed(store, lag=metrics.feed_lag.observe)
        doorbell = doorbell_for(settings.redis_url)
        await doorbell.start(feed.ring, feed.heal)
        services = HallServices(store, settings, clock=clock, notify=doorbell.ring, metrics=metrics)
        services.tokens.cache_trusted = doorbell.reliable
        doorbell.on_revoke = services.tokens.forget
        services.id_key()  # read (or made) now, not on the event loop by a first ID number
        _ = services.item_index  # the items' pinyin, worked out once, before any request
        bookings = Bookings(services)
        sender = OutboxSender(services, bookings.sms)  # one SMS provider for the server
        jobs = Jobs(HallDay(services), clock, settings.jobs_interval_s, sender, metrics)
        jobs.start()
        metrics.watch(hall_reader(services, feed))
        try:
            yield {
                "services": services,
                "bookings": bookings,
                "outbox": sender,
                "phone_challenges": bookings.challenges,
                "remote": RemotePlaces(services, bookings.challenges),
                "feed": feed,
                "doorbell": doorbell,
                "jobs": jobs,
            }
        finally:
            jobs.stop()
            await feed.stop()
            await doorbell.stop()
            store.dispose()

    return Starlette(
        routes=all_routes(),
        lifespan=lifespan,
        middleware=[
            Middleware(RequestTimer, metrics=metrics, log_access=settings.log_format == "json"),
            Middleware(
                Guard,
                max_body_bytes=settings.max_body_bytes,
                body_timeout_s=settings.body_timeout_s,
            ),
        ],
        exception_handlers={
            QueueError: queue_error,
            HTTPException: http_error,
            Exception: unexpected_error,
        },
    )


def all_routes() -> list[BaseRoute]:
    """Every route, in the order they are matched."""
    return [
        *staff_api.routes,  # first: its window sign-in is no window action
        *devices_api.routes,
        *city_api.routes,
        *api.routes,
        *booking_api.routes,
        *remote_api.routes,
        *case_api.routes,
        *hall_settings_api.routes,
        *settings_api.routes,
        *live.routes,
        *pages.routes,
        *visitor_pages.routes,
        *booking_pages.routes,
        *staff_pages.routes,
        *guide_api.routes,
        *report_api.routes,
        *staffing_api.routes,
        *followup_api.routes,
        *outbox_api.routes,
        *reminders_api.routes,
        *visit_api.routes,
        *metrics_api.routes,
        *webhook_api.routes,
    ]


async def queue_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, QueueError)
    return refusal(exc, request.headers.get("accept-language"))


HTTP_MESSAGES = {
    404: ("没有这个地址，请查看 README 中的接口说明", "no such path; see the API in the README"),
    405: ("此地址不接受该请求方法", "method not allowed here"),
}


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    zh, en = HTTP_MESSAGES.get(exc.status_code, (exc.detail, exc.detail))
    english = prefers_english(request.headers.get("accept-language"))
    return JSONResponse(
        {"error": "http_error", "message": en if english else zh},
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def unexpected_error(request: Request, exc: Exception) -> Response:
    # A bug, not a refusal: log it whole, tell the caller nothing internal.
    log.exception("unhandled error", exc_info=exc)
    english = prefers_english(request.headers.get("accept-language"))
    message = "internal error; the server logged it" if english else "服务器内部错误，已记录日志"
    return JSONResponse({"error": "internal", "message": message}, status_code=500)
