"""A booking's row: found by its code, shown to its holder, and its lifecycle.

The row (`models.AppointmentRow`) keeps everything a booking holds; the pure
`appointments.Booking` is what its lifecycle needs. A status changes only as
`appointments.apply_booking` says: `booking_of` reads the row into it and
`save_booking` writes its status back.
"""

from datetime import date
from typing import Any

from sqlmodel import col

from .appointments import ACTIVE_BOOKINGS, Booking, BookingStatus
from .catalogue import Catalogue
from .domain import Hall
from .errors import Conflict, NotFound
from .guide_trees import answered
from .identity import DocumentType, mask_name
from .models import AppointmentRow
from .public import local_iso
from .store import Tx


def booking_of(row: AppointmentRow) -> Booking:
    return Booking(
        code=row.code,
        business_date=row.business_date,
        slot_start=row.slot_start,
        status=BookingStatus(row.status),
    )


def save_booking(tx: Tx, row: AppointmentRow, booking: Booking) -> None:
    """Store the status `apply_booking` gave (and whatever else changed on `row`)."""
    assert booking.code == row.code
    row.status = booking.status.value
    tx.save_appointment(row)


def find_booking(tx: Tx, code: str) -> AppointmentRow:
    """The booking with `code` (as typed: any case, spaces around), or NotFound."""
    row = tx.appointment(code.strip().upper())
    if row is None:
        raise NotFound(
            "没有这个预约码，请核对后重新输入",
            en="unknown appointment code",
            code="appointment_unknown",
        )
    return row


def one_a_day(tx: Tx, id_hash: str, day: date, *, besides: str | None = None) -> None:
    """Conflict if the person holds an active booking on `day` (`besides` the one
    being moved): one booking per person per day."""
    held = tx.appointments(
        col(AppointmentRow.id_hash) == id_hash,
        col(AppointmentRow.business_date) == day,
        col(AppointmentRow.status).in_([s.value for s in ACTIVE_BOOKINGS]),
    )
    if any(row.code != besides for row in held):
        raise Conflict(
            f"该证件号码在{day}已有预约，每人每天限约一次；如非本人预约，请携带证件到大厅现场办理",
            en=f"this person already has a booking on {day}",
            code="already_booked",
        )


def booking_view(catalogue: Catalogue, row: AppointmentRow, hall: Hall) -> dict[str, Any]:
    """What the booker sees of a booking (whoever holds the code sees it): the
    name, ID number and phone masked; with the 办事指引 answers given and the
    personal `checklist` they make."""
    service = catalogue.service(row.service)
    return {
        "code": row.code,
        "hall": hall.id,
        "hall_name": hall.name,
        "service": service.code,
        "service_name": service.name,
        **answered(catalogue.guide(service.code, hall), row.answers, service.materials),
        "slot_start": local_iso(row.slot_start, hall.zone),
        "slot_end": local_iso(row.slot_end, hall.zone),
        "status": row.status,
        "name_masked": mask_name(row.name),
        "document_type": row.document_type or DocumentType.RESIDENT_ID.value,
        "id_masked": row.id_masked,
        "phone_masked": row.phone_masked,
        "materials": list(service.materials),
    }
