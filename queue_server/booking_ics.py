"""A booking as a calendar entry (.ics, RFC 5545), for the booker's phone calendar.

Made with the `icalendar` library (imported only here): one event at the slot
in the hall's own time zone (TZID, with its VTIMEZONE), the hall's name and
address as the place, the item and the booking code, the check-in window, and
a reminder alarm. Whoever holds the code may fetch it, so it carries nothing
personal: no name, ID number or phone.
"""

from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event

from .appointments import BookingStatus
from .domain import Hall, Service
from .models import AppointmentRow

PRODID = "-//yichuang//booking//ZH"
REMIND_BEFORE = timedelta(hours=2)  # time to reach the hall with the materials


def booking_calendar(
    row: AppointmentRow, hall: Hall, service: Service, address: str, now: datetime
) -> bytes:
    """The .ics of the booking `row` (a cancelled one says so: STATUS:CANCELLED)."""
    zone = hall.zone
    start, end = row.slot_start.astimezone(zone), row.slot_end.astimezone(zone)
    early = hall.policy.checkin_early_min
    event = Event()
    event.add("uid", f"{row.code}@{hall.id}.yichuang")
    event.add("dtstamp", now)
    # A moved booking keeps its UID; the entry fetched later must win over the
    # one a calendar already holds, so the sequence grows with time (minutes).
    event.add("sequence", int(now.timestamp()) // 60)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", f"预约办理：{service.name}（{hall.name}）")
    event.add("location", f"{hall.name} {address}".strip())
    event.add("description", _description(row, service, start, early))
    cancelled = row.status == BookingStatus.CANCELLED.value
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -REMIND_BEFORE)
        alarm.add(
            "description", f"{start:%H:%M} 在{hall.name}办理{service.name}，预约码 {row.code}"
        )
        event.add_component(alarm)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(event)
    calendar.add_missing_timezones()  # the VTIMEZONE of the hall's zone, for TZID
    ics: bytes = calendar.to_ical()
    return ics


def _description(row: AppointmentRow, service: Service, start: datetime, early: int) -> str:
    opens = start - timedelta(minutes=early)
    lines = [
        f"预约码：{row.code}",
        f"请于 {opens:%H:%M} 至 {start:%H:%M} 之间到大厅取号机扫码或输入预约码签到，"
        "迟到将按现场取号办理。",
        "请携带：" + "；".join(service.materials) if service.materials else "",
    ]
    return "\n".join(line for line in lines if line)
