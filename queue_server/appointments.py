"""Appointment (预约) rules, pure: slots, capacity, check-in timing, no-show strikes.

A hall's day is cut into slots of `Policy.slot_minutes` inside its opening
sessions. Each service's capacity per slot is the share of window time the
hall holds for bookings (`appointment_share_pct`) turned into visitors:
share x windows that accept the service x slot length / handling minutes.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from .domain import Hall, Service, Window


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"  # on time: precedence inside the slot
    LATE = "late"  # checked in after the grace period: served as a walk-in
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


ACTIVE_BOOKINGS = (BookingStatus.BOOKED, BookingStatus.CHECKED_IN, BookingStatus.LATE)


class Arrival(StrEnum):
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime
    capacity: int


def capacity(hall: Hall, service: Service, windows: Sequence[Window]) -> int:
    """Bookable visitors per slot for `service` (0 when the hall holds no share)."""
    share = hall.policy.appointment_share_pct / 100
    able = sum(1 for w in windows if w.skills.accepts(service.code, service.category))
    if share <= 0 or able == 0:
        return 0
    return max(1, int(share * able * hall.policy.slot_minutes / service.minutes))


def day_slots(hall: Hall, service: Service, day: date, windows: Sequence[Window]) -> list[Slot]:
    """The day's slots: whole slots inside each opening session (none without hours)."""
    per_slot = capacity(hall, service, windows)
    length = timedelta(minutes=hall.policy.slot_minutes)
    slots = []
    for start, end in hall.hours.sessions(day, hall.zone):
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
