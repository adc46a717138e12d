"""The route of the outbox's delivery log (`outbox_log`): what went to the
provincial platform and to visitors' phones, and each attempt."""

from starlette.routing import Route

from .api import hall_route

routes = [
    Route(
        "/api/halls/{hall}/outbox",
        hall_route(lambda s: s.outbox_log, query="limit"),
        methods=["GET"],
    ),
]
