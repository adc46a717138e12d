"""Appointment (预约) rules, pure: the booking lifecycle, slots, capacity,
check-in timing, no-show strikes.

A booking's life is a transition table, like a ticket's: it is booked, then
checked in (on time, or late and served as a walk-in), cancelled by the
booker up to the day before, or marked a no-show by the day's job once its
grace period has passed. `apply_booking` is the only way to change a
booking's status; an illegal move raises `InvalidTransition` and changes
nothing. Time comes in as `now`.

A hall's day is cut into slots of `Policy.slot_minutes` inside its opening
sessions. Each service's capacity per slot is the share of window time the
hall holds for bookings (`appointment_share_pct`) turned into visitors:
share x windows that accept the service x slot length / handling minutes,
unless the hall set the item's capacity itself.
"""

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from .domain import Hall, Service, Window
from .errors import InvalidTransition


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"  # on time: precedence inside the slot
    LATE = "late"  # checked in after the grace period: served as a walk-in
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


ACTIVE_BOOKINGS = (BookingStatus.BOOKED, BookingStatus.CHECKED_IN, BookingStatus.LATE)


class BookingAction(StrEnum):
    CHECK_IN = "check-in"  # at the ticket machine, in time: precedence inside the slot
    CHECK_IN_LATE = "check-in-late"  # after the grace period: a walk-in ticket
    CANCEL = "cancel"  # by the booker, up to the day before
    MISS = "miss"  # by the day's job: not checked in by the end of the grace period


class Arrival(StrEnum):
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


_B = BookingStatus
BOOKING_TRANSITIONS: Mapping[tuple[BookingStatus, BookingAction], BookingStatus] = {
    (_B.BOOKED, BookingAction.CHECK_IN): _B.CHECKED_IN,
    (_B.BOOKED, BookingAction.CHECK_IN_LATE): _B.LATE,
    (_B.BOOKED, BookingAction.CANCEL): _B.CANCELLED,
    (_B.BOOKED, BookingAction.MISS): _B.NO_SHOW,
}

# The words a visitor reads in refusals (and the clerk on the booking).
_STATUS_ZH = {
    _B.BOOKED: "已预约",
    _B.CHECKED_IN: "已签到",
    _B.LATE: "已签到（迟到）",
    _B.CANCELLED: "已取消",
    _B.NO_SHOW: "已过期未到",
}

# The arrival each check-in action stands for.
_CHECK_IN_AT = {BookingAction.CHECK_IN: Arrival.ON_TIME, BookingAction.CHECK_IN_LATE: Arrival.LATE}


@dataclass(frozen=True, slots=True)
class Booking:
    """What a booking's lifecycle needs to know of it; the row keeps the rest."""

    code: str
    business_date: date  # the slot's day in the hall's time zone
    slot_start: datetime
    status: BookingStatus


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime
    capacity: int


def capacity(hall: Hall, service: Service, windows: Sequence[Window]) -> int:
    """Bookable visitors per slot for `service`: the hall's own number for the
    item if it set one, else from its share (0 when it holds none)."""
    if service.slot_capacity is not None:
        return service.slot_capacity
    share = hall.policy.appointment_share_pct / 100
    able = sum(1 for w in windows if w.skills.accepts(service.code, service.category))
    if share <= 0 or able == 0:
        return 0
    return max(1, int(share * able * hall.policy.slot_minutes / service.minutes))


def day_slots(hall: Hall, service: Service, day: date, windows: Sequence[Window]) -> list[Slot]:
    """The day's slots: whole slots inside each opening session that serves the
    item (none without hours)."""
    per_slot = capacity(hall, service, windows)
    length = timedelta(minutes=hall.policy.slot_minutes)
    slots = []
    for start, end in hall.hours.sessions(day, hall.zone, service.code):
        at = start
        while at + length <= end:
            slots.append(Slot(at, at + length, per_slot))
            at += length
    return slots


def arrival(hall: Hall, slot_start: datetime, now: datetime) -> Arrival:
    """Early before the check-in window, late after the grace period, else on time."""
    policy = hall.policy
    if now < slot_start - timedelta(minutes=policy.checkin_early_min):
        return Arrival.EARLY
    if now > slot_start + timedelta(minutes=policy.checkin_grace_min):
        return Arrival.LATE
    return Arrival.ON_TIME


def is_missed(hall: Hall, slot_start: datetime, now: datetime) -> bool:
    """A booking not checked in by the end of its grace period is a no-show."""
    return now > slot_start + timedelta(minutes=hall.policy.checkin_grace_min)


def check_in_action(hall: Hall, slot_start: datetime, now: datetime) -> BookingAction:
    """The check-in that `now` allows: late after the grace period, else on time
    (which `apply_booking` refuses while check-in has not opened)."""
    if arrival(hall, slot_start, now) is Arrival.LATE:
        return BookingAction.CHECK_IN_LATE
    return BookingAction.CHECK_IN


# ---------------------------------------------------------------- the lifecycle


def booking_status_zh(status: BookingStatus) -> str:
    return _STATUS_ZH[status]


def next_booking_status(
    status: BookingStatus, action: BookingAction, *, code: str = ""
) -> BookingStatus:
    """The status after `action`, or InvalidTransition naming the status (and
    the booking's `code` when given) with the code clients tell refusals by."""
    if (status, action) in BOOKING_TRANSITIONS:
        return BOOKING_TRANSITIONS[(status, action)]
    raise _refusal(status, action, code)


def _refusal(status: BookingStatus, action: BookingAction, code: str) -> InvalidTransition:
    # The wording and codes the booking pages have always shown.
    now_zh, now_en = _STATUS_ZH[status], status.value
    name_zh, name_en = (
        (f"预约{code}", f"appointment {code}") if code else ("该预约", "this appointment")
    )
    match action:
        case BookingAction.CANCEL:
            return InvalidTransition(
                f"该预约{now_zh}，不能取消",
                en=f"this appointment is {now_en}; it cannot be cancelled",
                code="appointment_not_cancellable",
            )
        case BookingAction.CHECK_IN | BookingAction.CHECK_IN_LATE:
            return InvalidTransition(
                f"{name_zh}{now_zh}", en=f"{name_en} is {now_en}", code="appointment_not_active"
            )
        case BookingAction.MISS:
            return InvalidTransition(
                f"{name_zh}{now_zh}，不能记为未到",
                en=f"{name_en} is {now_en}; it cannot be marked missed",
            )


def apply_booking(booking: Booking, action: BookingAction, *, hall: Hall, now: datetime) -> Booking:
    """The booking after `action` at `now`, or InvalidTransition: the table first,
    then the action's time (cancel up to the day before; check in from
    `checkin_early_min` before the slot, on time until the grace period ends and
    late after it; a no-show only once the grace period has passed)."""
    status = next_booking_status(booking.status, action, code=booking.code)
    match action:
        case BookingAction.CANCEL:
            if hall.business_date(now) >= booking.business_date:
                raise InvalidTransition(
                    "预约最晚可在前一天取消",
                    en="appointments can be cancelled up to the day before",
                    code="cancel_too_late",
                )
        case BookingAction.CHECK_IN | BookingAction.CHECK_IN_LATE:
            _check_in_time(booking, action, hall, now)
        case BookingAction.MISS:
            if not is_missed(hall, booking.slot_start, now):
                raise InvalidTransition(
                    f"预约{booking.code}的签到时间未过，不能记为未到",
                    en=f"appointment {booking.code} may still check in; it is not missed",
                    code="appointment_not_missed",
                )
    return replace(booking, status=status)


def _check_in_time(booking: Booking, action: BookingAction, hall: Hall, now: datetime) -> None:
    timing = arrival(hall, booking.slot_start, now)
    opens = booking.slot_start.astimezone(hall.zone)
    if timing is Arrival.EARLY:
        early = hall.policy.checkin_early_min
        raise InvalidTransition(
            f"您预约的是{opens:%H:%M}，签到从{early}分钟前开始，请稍后再来签到",
            en=f"check-in for this {opens:%H:%M} appointment opens {early} minutes before it",
            code="checkin_too_early",
            slot_start=opens.isoformat(),
        )
    if timing is not _CHECK_IN_AT[action]:
        kind = "迟到" if timing is Arrival.LATE else "准时"
        raise InvalidTransition(
            f"预约{booking.code}（{opens:%H:%M}）此时应按{kind}签到",
            en=f"appointment {booking.code} ({opens:%H:%M}) checks in {timing.value} now, "
            f"not by '{action.value}'",
            code="checkin_timing",
        )


def ban_key(id_hash: str, phone_hash: str | None) -> str:
    """Missed bookings count against the ID number together with the phone that
    booked (bookings from before phones were verified: the ID number alone), so
    booking under someone else's ID number cannot get them suspended."""
    if phone_hash is None:
        return id_hash
    return hashlib.sha256(f"{id_hash}:{phone_hash}".encode()).hexdigest()


def banned_until(hall: Hall, missed: Sequence[datetime], now: datetime) -> datetime | None:
    """Repeated no-shows in the strike window suspend booking for `ban_days`."""
    policy = hall.policy
    recent = [m for m in missed if m > now - timedelta(days=policy.strike_days)]
    if len(recent) < policy.noshow_strikes:
        return None
    return max(recent) + timedelta(days=policy.ban_days)


def mask_phone(phone: str) -> str:
    """138****5678: enough for the visitor to recognise, useless to anyone else."""
    digits = "".join(c for c in phone if c.isdigit())
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else "****"
