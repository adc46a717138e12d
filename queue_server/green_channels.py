"""Temporary green channels (专项服务): a group, its items, a date range.

A hall opens one for a group no ID number shows, for a while: Suining opened
one for 高考考生 (the college entrance examination's candidates) applying for
ID cards. While it runs, a ticket for one of its items may claim it (the
kiosk offers "我是高考考生", a 导办 marks it) and goes to the green channel.

Stored in the hall's `specials` JSON under "green_channels", a list of
{id, group_label, services, from, to} (ISO dates, inclusive, the hall's
business days). Other keys of `specials` belong to other features: each
change reads the whole JSON under the hall's lock and writes it back with
only this key changed.
"""

import secrets
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from . import audit
from .access import HALL_ROLES, Principal, Role, require
from .bodies import GreenChannelIn
from .errors import Conflict, InvalidInput, NotFound
from .protocol import Event
from .store import Tx
from .transactions import Runner

KEY = "green_channels"
MAX_CHANNELS = 50
MAX_DAYS = 366


def _channels(specials: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(specials.get(KEY) or [])


def running(channel: Mapping[str, Any], day: date) -> bool:
    return date.fromisoformat(channel["from"]) <= day <= date.fromisoformat(channel["to"])


def running_channels(specials: Mapping[str, Any], day: date) -> list[dict[str, Any]]:
    return [c for c in _channels(specials) if running(c, day)]


def check_claim(specials: Mapping[str, Any], channel_id: str, service: str, day: date) -> str:
    """The group label of the channel a ticket for `service` on `day` claims,
    or a refusal saying why it may not."""
    channel = next((c for c in _channels(specials) if c["id"] == channel_id), None)
    if channel is None:
        raise NotFound(
            "没有这个专项服务（可能已被撤销），请按普通号办理或咨询工作人员",
            en=f"no temporary green channel {channel_id[:16]!r} in this hall",
            code="unknown_green_channel",
        )
    label = channel["group_label"]
    if not running(channel, day):
        raise Conflict(
            f"「{label}」专项服务的开放期为 {channel['from']} 至 {channel['to']}，今天不在开放期内",
            en=f"the {label} green channel runs from {channel['from']} to {channel['to']}, "
            "not today",
            code="green_channel_not_running",
        )
    if service not in channel["services"]:
        raise InvalidInput(
            f"「{label}」专项服务不含此事项，请按普通号办理",
            en=f"the {label} green channel does not cover service {service}",
            code="green_channel_not_for_service",
        )
    return str(label)


class GreenChannels(Runner):
    def green_channels(self, principal: Principal, hall_id: str) -> dict[str, Any]:
        """The hall's temporary green channels, each saying whether it runs today
        (the kiosk and the 导办 offer those that do)."""
        require(principal, HALL_ROLES | {Role.CLERK}, hall=hall_id)
        with self.store.read() as tx:
            today = tx.hall(hall_id).business_date(self.clock())
            channels = _channels(tx.specials(hall_id))
        return {
            "hall": hall_id,
            "today": today.isoformat(),
            "green_channels": [self._view(c, today) for c in channels],
        }

    def _view(self, channel: Mapping[str, Any], today: date) -> dict[str, Any]:
        known = self.catalogue.services
        names = [known[s].name if s in known else s for s in channel["services"]]
        return dict(channel) | {"service_names": names, "running": running(channel, today)}

    def add_green_channel(
        self, principal: Principal, hall_id: str, body: GreenChannelIn
    ) -> dict[str, Any]:
        require(principal, set(), hall=hall_id)
        services = list(dict.fromkeys(body.services))
        _check_new(self.catalogue.unknown(services), body)
        channel: dict[str, Any] = {
            "id": secrets.token_hex(4),
            "group_label": body.group_label,
            "services": services,
            "from": body.from_.isoformat(),
            "to": body.to.isoformat(),
        }

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            specials = tx.specials(hall_id)
            channels = _channels(specials)
            if len(channels) >= MAX_CHANNELS:
                raise Conflict(
                    f"本大厅已有 {MAX_CHANNELS} 个专项服务，请先撤销已结束的",
                    en=f"this hall already has {MAX_CHANNELS} green channels; remove ended ones",
                    code="too_many_green_channels",
                )
            tx.set_hall(hall_id, specials=specials | {KEY: [*channels, channel]})
            audit.record(
                tx, principal, hall_id, "green_channel.add", channel["id"], after=channel, now=now
            )
            return self._view(channel, tx.hall(hall_id).business_date(now))

        return self.write(hall_id, work)

    def remove_green_channel(
        self, principal: Principal, hall_id: str, channel_id: str
    ) -> dict[str, Any]:
        require(principal, set(), hall=hall_id)

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            specials = tx.specials(hall_id)
            channels = _channels(specials)
            gone = next((c for c in channels if c["id"] == channel_id), None)
            if gone is None:
                raise NotFound(
                    "没有这个专项服务（可能已被撤销）",
                    en=f"no temporary green channel {channel_id[:16]!r} in this hall",
                    code="unknown_green_channel",
                )
            kept = [c for c in channels if c is not gone]
            tx.set_hall(hall_id, specials=specials | {KEY: kept})
            audit.record(
                tx, principal, hall_id, "green_channel.remove", channel_id, before=gone, now=now
            )
            return {"id": channel_id, "removed": True}

        return self.write(hall_id, work)


def _check_new(unknown: Sequence[str], body: GreenChannelIn) -> None:
    if unknown:
        raise InvalidInput(
            f"没有这些事项：{'、'.join(s[:40] for s in unknown)}",
            en=f"unknown services: {', '.join(unknown)}",
            code="unknown_service",
        )
    if body.to < body.from_:
        raise InvalidInput(
            "结束日期不能早于开始日期", en="'to' is before 'from'", code="bad_date_range"
        )
    if (body.to - body.from_).days >= MAX_DAYS:
        raise InvalidInput(
            f"专项服务最长 {MAX_DAYS} 天，长期的绿色通道请在窗口设置中开设",
            en=f"a temporary green channel lasts at most {MAX_DAYS} days",
            code="bad_date_range",
        )
