"""Setting a hall up: the hall, its policy and hours, and its windows (its
devices are devices.py's)."""

from dataclasses import replace
from datetime import datetime
from typing import Any

from . import audit, tradeoff
from .access import HALL_ROLES, Principal, Role, require
from .audit import record
from .bodies import HallIn, HoursIn, PolicyIn, TradeoffIn, WindowIn
from .domain import Hall, Policy, Skills, Window
from .errors import Conflict, InvalidInput, NotFound
from .hall_calendar import calendar_named
from .hall_settings import check_zone, hours_view
from .hours import HoursError, hours_json, parse_hours
from .policy_help import HELP
from .protocol import Event, EventType
from .public import local_iso
from .store import Tx
from .transactions import Runner
from .window_staff import flag_events


class HallAdmin(Runner):
    def create_hall(self, principal: Principal, body: HallIn) -> dict[str, Any]:
        require(principal, set())
        timezone = check_zone(body.timezone or self.settings.timezone)
        if body.services is not None and (bad := self.catalogue.unknown(body.services)):
            raise InvalidInput(
                f"没有这些事项编码：{', '.join(bad)}", en=f"unknown services: {', '.join(bad)}"
            )
        hall = Hall(
            id=body.id,
            name=body.name,
            timezone=timezone,
            services=frozenset(body.services) if body.services is not None else None,
        )

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            if tx.hall_exists(hall.id):
                raise Conflict(
                    f"大厅「{hall.id}」已存在",
                    en=f"hall {hall.id!r} already exists",
                    code="hall_exists",
                )
            tx.add_hall(hall, now)
            view = self._hall_view(tx, hall.id)
            created: dict[str, Any] = {"name": hall.name, "timezone": hall.timezone}
            if hall.services is not None:  # a hall that offers part of the catalogue
                created["services"] = sorted(hall.services)
            audit.record(tx, principal, hall.id, "hall.create", hall.id, after=created, now=now)
            return view

        return self.write(None, work)

    def set_policy(self, principal: Principal, hall_id: str, body: PolicyIn) -> dict[str, Any]:
        require(principal, set(), hall=hall_id)
        if emptied := [
            HELP[k].label for k in sorted(body.model_fields_set) if getattr(body, k) is None
        ]:
            # Leaving a setting out keeps it; a null would read as "back to the default".
            raise InvalidInput(
                f"请求内容有误：{'、'.join(emptied)}不能为空（不改的设置请不要发送）",
                en="a setting cannot be null: leave it out to keep it",
                code="invalid_body",
            )
        return self._change_policy(principal, hall_id, body.model_dump(exclude_none=True))

    def policy_tradeoff(self, principal: Principal, hall_id: str) -> dict[str, Any]:
        """The plain-words trade-offs, and which one the hall's policy is."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)  # the console reads it
        with self.store.read() as tx:
            return tradeoff.described(tx.hall(hall_id).policy)

    def set_policy_tradeoff(
        self, principal: Principal, hall_id: str, body: TradeoffIn
    ) -> dict[str, Any]:
        """Set the dispatch settings a phrase stands for (audited with the phrase)."""
        require(principal, set(), hall=hall_id)
        wanted = tradeoff.settings(body.phrase, body.minutes)
        said = tradeoff.PHRASES[body.phrase].text(body.minutes)
        settings = self._change_policy(principal, hall_id, wanted, "policy.tradeoff", said)
        return tradeoff.described(replace(Policy(), **settings))

    def _change_policy(
        self,
        principal: Principal,
        hall_id: str,
        changes: dict[str, Any],
        action: str = "policy.update",
        said: str | None = None,
    ) -> dict[str, Any]:
        """Merge `changes` into the hall's policy; audit what moved (and the phrase)."""

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            current = tx.hall(hall_id).policy
            merged = replace(current, **changes)
            tx.set_hall(hall_id, policy=_policy_dict(merged))
            before, after = _policy_dict(current), _policy_dict(merged)
            if (moved := [k for k in after if before[k] != after[k]]) or said:
                was: dict[str, Any] = {k: before[k] for k in moved}
                now_is: dict[str, Any] = {k: after[k] for k in moved}
                if said:
                    now_is["tradeoff"] = said
                audit.record(tx, principal, hall_id, action, before=was, after=now_is, now=now)
            if merged.window_shows_staff != current.window_shows_staff:
                events.extend(flag_events(tx, self.state(tx, hall_id, now, reading=True), now))
            return after

        return self.write(hall_id, work)

    def set_hours(self, principal: Principal, hall_id: str, body: HoursIn) -> dict[str, Any]:
        """Weekly sessions, closed dates and the holiday calendar, in the hall's time zone."""
        require(principal, set(), hall=hall_id)
        try:
            parsed = parse_hours(body.weekly, body.closed_dates)
        except HoursError as exc:
            raise InvalidInput(str(exc), en=exc.en) from None
        hours = hours_json(replace(parsed, calendar=calendar_named(body.holidays)))

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            before = hours_json(tx.hall(hall_id).hours)
            tx.set_hall(hall_id, hours=hours)
            record(
                tx, principal, hall_id, "hours.put", hall_id, before=before, after=hours, now=now
            )
            return hours

        return self.write(hall_id, work)

    def hall_view(self, principal: Principal, hall_id: str) -> dict[str, Any]:
        # A clerk not yet at a window reads it too: /login lists the windows to go to.
        require(principal, HALL_ROLES | {Role.CLERK}, hall=hall_id)
        with self.store.read() as tx:
            return self._hall_view(tx, hall_id)

    def _hall_view(self, tx: Tx, hall_id: str) -> dict[str, Any]:
        hall, now = tx.hall(hall_id), self.clock()
        offered = [s for s in self.catalogue.services.values() if hall.offers(s.code)]
        return {
            "id": hall.id,
            "name": hall.name,
            "timezone": hall.timezone,
            "policy": _policy_dict(hall.policy),
            "hours": hours_json(hall.hours),
            **_opening_now(hall, now),
            **hours_view(hall, now),
            "services": [s.code for s in offered],
            "categories": sorted({s.category for s in offered}),
            "windows": [self._window_config(w) for w in tx.windows(hall_id)],
        }

    @staticmethod
    def _window_config(window: Window) -> dict[str, Any]:
        skills = window.skills
        return {
            "number": window.number,
            "label": window.label,
            "services": "all" if skills.accepts_all else sorted(skills.services),
            "categories": sorted(skills.categories),
            "lane": window.lane.value,
            "state": window.state.value,
        }

    def put_window(
        self, principal: Principal, hall_id: str, number: int, body: WindowIn
    ) -> dict[str, Any]:
        require(principal, set(), hall=hall_id)
        if not 1 <= number <= 999:
            raise InvalidInput("窗口号应在 1 到 999 之间", en="window numbers run from 1 to 999")
        skills = self._skills(body)

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            state = self.state(tx, hall_id, now)
            try:
                before: dict[str, Any] | None = self._window_config(state.window(number))
                window = replace(
                    state.window(number), label=body.label, skills=skills, lane=body.lane
                )
            except NotFound:
                before = None
                window = Window(
                    hall=hall_id, number=number, label=body.label, skills=skills, lane=body.lane
                )
            self.apply(tx, state, state.configure(window), events)
            after, where = self._window_config(window), f"window {number}"
            audit.record(
                tx, principal, hall_id, "window.put", where, before=before, after=after, now=now
            )
            # The feed gets the window as every window event carries it (the
            # skills are for GET /api/halls/{hall}); the caller, its configuration.
            events.append(Event(EventType.WINDOW_UPDATED, {"window": state.public_window(window)}))
            return self._window_config(window)

        return self.write(hall_id, work)

    def _skills(self, body: WindowIn) -> Skills:
        if body.services == "all" or (body.services is None and body.categories is None):
            return Skills(accepts_all=True)
        services = body.services or []
        categories = body.categories or []
        if bad := self.catalogue.unknown(services, categories):
            raise InvalidInput(
                f"没有这些事项或类别：{', '.join(bad)}",
                en=f"unknown services or categories: {', '.join(bad)}",
            )
        if not services and not categories:
            raise InvalidInput(
                "窗口至少要办理一项业务：请给出事项、类别或 'all'",
                en="a window must accept something: give services, categories or 'all'",
            )
        return Skills(
            accepts_all=False, services=frozenset(services), categories=frozenset(categories)
        )

    def whoami(self, principal: Principal) -> dict[str, Any]:
        return {
            "role": principal.role.value,
            "hall": principal.hall,
            "window": principal.window,
            "token_id": principal.token_id,
            "label": principal.label,
        }


def _opening_now(hall: Hall, now: datetime) -> dict[str, Any]:
    """Whether the hall takes tickets now, and else when it opens next (the kiosk
    says so on its first screen rather than after a visitor chose an item)."""
    hours, zone = hall.hours, hall.zone
    if hours.always_open or hours.session_at(now, zone) is not None:
        return {"open_now": True, "opens_at": None}
    return {"open_now": False, "opens_at": local_iso(hours.next_opening(now, zone), zone)}


def _policy_dict(policy: Policy) -> dict[str, int]:
    return policy.settings()
