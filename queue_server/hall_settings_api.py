"""REST routes for a hall's own settings (`hall_settings`): the hall's name,
zone and lobby announcement, 专项服务 extra sessions, today's 延时服务, and
the dispatch trade-off in plain words (`tradeoff`)."""

from starlette.routing import Route

from .api import hall_route
from .bodies import ExtendIn, ExtraSessionsIn, HallPatchIn, TradeoffIn

routes = [
    Route("/api/halls/{hall}", hall_route(lambda s: s.update_hall, HallPatchIn), methods=["PATCH"]),
    Route(
        "/api/halls/{hall}/extra-sessions",
        hall_route(lambda s: s.set_extra_sessions, ExtraSessionsIn),
        methods=["PUT"],
    ),
    Route(
        "/api/halls/{hall}/extend", hall_route(lambda s: s.extend_today, ExtendIn), methods=["POST"]
    ),
    Route("/api/halls/{hall}/policy/tradeoff", hall_route(lambda s: s.policy_tradeoff)),
    Route(
        "/api/halls/{hall}/policy/tradeoff",
        hall_route(lambda s: s.set_policy_tradeoff, TradeoffIn),
        methods=["PUT"],
    ),
]
