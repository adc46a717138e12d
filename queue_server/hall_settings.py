"""A hall's own settings, as the director's console changes them: the hall's
name, time zone and lobby announcement; 专项服务 extra sessions; today's
延时服务. (The weekly hours, closed dates and the holiday switch are
`hall_admin.set_hours`.) Each change is audited in its own transaction; a
change the lobby screen shows (`hall.updated`) is announced after commit.

The 专项服务 JSON (HallRow.specials) is shared: this module owns its keys
`extra_sessions`, `extended` and `address` (the hall's street address, for
a booking's calendar entry) and keeps every other key as it finds it.
"""

import unicodedata
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .access import Principal, Role, require
from .audit import record
from .bodies import ExtendIn, ExtraSessionsIn, HallPatchIn
from .domain import Hall
from .errors import Conflict, InvalidInput
from .hall_calendar import EXTENDED, EXTRA_SESSIONS, unknown_warning
from .hours import (
    Extension,
    HoursError,
    extension_json,
    extra_json,
    parse_extra_sessions,
    parse_time,
)
from .protocol import Event, EventType
from .public import local_iso, public_hall
from .store import Tx
from .transactions import Runner

ANNOUNCEMENT_MAX = 200  # characters: two passes of a lobby screen's scrolling line
CALENDAR_AHEAD_DAYS = 60  # as far as the kiosk looks for the next opening
ADDRESS = "address"  # the key of `specials` that holds the hall's street address


def check_zone(name: str) -> str:
    """`name` if it is a time zone this server knows; else a refusal."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: 'Asia' is a folder
        raise InvalidInput(
            f"未知时区 {name[:64]!r}（例如 Asia/Shanghai）",
            en=f"unknown time zone {name[:64]!r} (e.g. Asia/Shanghai)",
        ) from None
    return name


def one_line(text: str) -> str:
    """`text` as one line for a screen: control and format characters dropped (a
    stray newline or a bidi override would garble it), runs of spaces made one."""
    kept = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in text
        if unicodedata.category(c) not in ("Cf", "Co", "Cs", "Cn")
    )
    return " ".join(kept.split())


def clean_announcement(text: str) -> str:
    line = one_line(text)
    if len(line) > ANNOUNCEMENT_MAX:
        raise InvalidInput(
            f"公告最多 {ANNOUNCEMENT_MAX} 个字（现有 {len(line)} 个），请精简",
            en=f"the announcement holds at most {ANNOUNCEMENT_MAX} characters, not {len(line)}",
        )
    return line


def clean_name(text: str) -> str:
    name = one_line(text)
    if not name:
        raise InvalidInput("大厅名称不能为空", en="the hall's name cannot be empty")
    return name


def _set_address(tx: Tx, principal: Principal, hall_id: str, address: str, now: datetime) -> None:
    """The hall's street address (only a booking's calendar entry shows it: the
    screens are not told); audited when it changes."""
    specials = tx.specials(hall_id)
    before = specials.get(ADDRESS, "")
    if before != address:
        tx.set_hall(hall_id, specials=specials | {ADDRESS: address})
        change = {"before": {ADDRESS: before}, "after": {ADDRESS: address}}
        record(tx, principal, hall_id, "hall.update", hall_id, now=now, **change)


class HallSettings(Runner):
    def update_hall(self, principal: Principal, hall_id: str, body: HallPatchIn) -> dict[str, Any]:
        """Change the hall's name, time zone, announcement or address; the screens
        are told (of all but the address, which only bookings show)."""
        require(principal, set(), hall=hall_id)
        wanted: dict[str, str] = {}
        if body.name is not None:
            wanted["name"] = clean_name(body.name)
        if body.timezone is not None:
            wanted["timezone"] = check_zone(body.timezone)
        if body.announcement is not None:
            wanted["announcement"] = clean_announcement(body.announcement)
        address = None if body.address is None else one_line(body.address)
        if not wanted and address is None:
            raise InvalidInput(
                "没有要修改的内容：请给出 name、timezone、announcement 或 address",
                en="nothing to change: give name, timezone, announcement or address",
            )

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            if address is not None:
                _set_address(tx, principal, hall_id, address, now)
            before = public_hall(tx.hall(hall_id))
            changed = {k: v for k, v in wanted.items() if before[k] != v}
            if not changed:
                return before
            tx.set_hall(hall_id, **changed)
            after = before | changed
            old = {k: before[k] for k in changed}
            record(
                tx, principal, hall_id, "hall.update", hall_id, before=old, after=changed, now=now
            )
            events.append(Event(EventType.HALL_UPDATED, {"hall": after}))
            return after

        return self.write(hall_id, work)

    def set_extra_sessions(
        self, principal: Principal, hall_id: str, body: ExtraSessionsIn
    ) -> dict[str, Any]:
        """专项服务: the extra sessions outside the usual hours, the whole list."""
        require(principal, set(), hall=hall_id)
        try:
            sessions = parse_extra_sessions([s.model_dump() for s in body.sessions])
        except HoursError as exc:
            raise InvalidInput(str(exc), en=exc.en) from None
        for session in sessions:
            if session.services is None:
                continue
            if not session.services:
                raise InvalidInput(
                    f"{session.day} 的专项服务时段没有事项：不限事项请不填 services",
                    en=f"{session.day}: an extra session for no item; omit services for all items",
                )
            if bad := self.catalogue.unknown(sorted(session.services)):
                raise InvalidInput(
                    f"没有这些事项编码：{', '.join(bad)}", en=f"unknown services: {', '.join(bad)}"
                )
        stored = extra_json(sessions)

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            if tx.hall(hall_id).hours.always_open:
                raise Conflict(
                    "本大厅尚未设置每周办公时间（全天开放），请先设置办公时间，再添加专项服务时段",
                    en="this hall has no weekly hours (always open): set them first",
                    code="no_hours",
                )
            specials = tx.specials(hall_id)
            before = specials.get(EXTRA_SESSIONS) or []
            tx.set_hall(hall_id, specials=specials | {EXTRA_SESSIONS: stored})
            record(
                tx,
                principal,
                hall_id,
                "hours.extra_sessions",
                hall_id,
                before={"sessions": before},
                after={"sessions": stored},
                now=now,
            )
            return {"extra_sessions": stored}

        return self.write(hall_id, work)

    def extend_today(self, principal: Principal, hall_id: str, body: ExtendIn) -> dict[str, Any]:
        """延时服务: today's service goes on until `until` for the tickets already
        issued (the kiosk still stops at the usual closing time)."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        try:
            until = parse_time(body.until, ("延时至", "until"))
        except HoursError as exc:
            raise InvalidInput(str(exc), en=exc.en) from None

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            hall = tx.hall(hall_id)
            today, zone = hall.business_date(now), hall.zone
            closes = None if hall.hours.always_open else hall.hours.day_close(today, zone)
            if closes is None:
                raise Conflict(
                    "本大厅今天没有办公时段，无需延时服务",
                    en="the hall has no opening hours today; there is nothing to extend",
                    code="no_hours_today",
                )
            ends = datetime.combine(today, until, zone)
            _check_extension(ends, closes, now)
            if tx.day_report(hall_id, today) is not None:
                raise Conflict(
                    "今天已闭厅结算，等候的号码已结束，不能再延时",
                    en="today is already closed and its waiting tickets ended; too late to extend",
                    code="day_closed",
                )
            specials = tx.specials(hall_id)
            after = extension_json(Extension(today, until))
            tx.set_hall(hall_id, specials=specials | {EXTENDED: after})
            before = specials.get(EXTENDED)
            record(
                tx,
                principal,
                hall_id,
                "hall.extend",
                today.isoformat(),
                before={"extended": before}
                if before and before.get("date") == str(today)
                else None,
                after={"extended": after},
                now=now,
            )
            return {"extended": after, "closes_at": local_iso(closes, zone)}

        return self.write(hall_id, work)


def _check_extension(ends: datetime, closes: datetime, now: datetime) -> None:
    if ends <= closes:
        raise InvalidInput(
            f"延时服务应晚于今天的下班时间 {closes:%H:%M}",
            en=f"an extension must end after today's closing at {closes:%H:%M}",
        )
    if ends <= now:
        raise InvalidInput(
            f"{ends:%H:%M} 已过，请选择更晚的时间",
            en=f"{ends:%H:%M} has passed; choose a later time",
        )


def hours_view(hall: Hall, now: datetime) -> dict[str, Any]:
    """What the hall view adds about hours: the announcement, 专项服务 sessions,
    today (its sessions, closing, extension, holiday) and the holiday calendar."""
    hours, zone = hall.hours, hall.zone
    today = hall.business_date(now)
    extension = hours.extension if hours.extension and hours.extension.day == today else None
    closes = hours.day_close(today, zone)
    return {
        "announcement": hall.announcement,
        "extra_sessions": extra_json(hours.extra),
        "today": {
            "date": today.isoformat(),
            "sessions": [
                [f"{s.astimezone(zone):%H:%M}", f"{e.astimezone(zone):%H:%M}"]
                for s, e in hours.sessions(today, zone)
            ],
            "closes_at": local_iso(closes, zone),
            "extended": extension_json(extension),
        },
        "calendar": _calendar_view(hall, now),
    }


def _calendar_view(hall: Hall, now: datetime) -> dict[str, Any] | None:
    """The holiday calendar's days ahead, and a warning for the years it does not know."""
    calendar = hall.hours.calendar
    if calendar is None:
        return None
    today = hall.business_date(now)
    ahead = calendar.between(today, today + timedelta(days=CALENDAR_AHEAD_DAYS))
    return {
        "name": calendar.name,
        "years": [calendar.first_year, calendar.last_year],
        "warning": unknown_warning(calendar, today, CALENDAR_AHEAD_DAYS),
        "upcoming": [
            {"date": d.isoformat(), "working": working, "holiday": name}
            for d, working, name in ahead
        ],
    }
