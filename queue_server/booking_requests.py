"""Booking with a one-time code: a visitor's request is checked, held until the
booker's phone answers a code (`otp.py`), and only then becomes a booking.

Until the phone is verified, the answer is the same whether or not the ID
number already holds a booking or a suspension. Capacity is checked and the
booking written in one transaction under the hall's lock, so a slot is never
overbooked, whatever the number of server processes. The name is kept for the
clerk; the ID number only as a keyed hash and a mask, the phone masked, as a
keyed hash, and sealed (`sealed`) for the 短信评价 link after the service.
Requests are rate-limited per address, ID number and phone.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col

from . import identity, otp
from .appointments import BookingStatus, ban_key, mask_phone
from .bodies import AppointmentIn, ConfirmIn
from .booking_rows import booking_view, one_a_day
from .booking_slots import check_offered, open_slot
from .domain import Hall, Service
from .errors import Conflict, InvalidInput, NotFound, QueueError, StaleState
from .forms import check_form
from .guide_trees import check_answers
from .models import AppointmentRow, PendingBookingRow
from .protocol import Event
from .public import local_iso
from .services import HallServices
from .sms import Sms, SmsKind, SmsProvider, send_now
from .store import Tx

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


@dataclass(frozen=True, slots=True)
class _Request:
    """A booking request that passed the checks needing no database."""

    body: AppointmentIn
    service: Service
    person: identity.Document
    phone: str
    form: dict[str, str]
    id_hash: str
    key: bytes


class BookingRequests:
    """`book` (the request, 202) and `confirm` (the code, 201)."""

    def __init__(self, services: HallServices, sms: SmsProvider) -> None:
        self.services = services
        self.catalogue = services.catalogue
        self.sms = sms
        settings = services.settings
        self.limits = otp.Limits(
            address=settings.booking_limit_address,
            id_number=settings.booking_limit_id,
            phone=settings.booking_limit_phone,
        )

    # ------------------------------------------------------------ the request

    def book(self, hall_id: str, body: AppointmentIn, client: str) -> dict[str, Any]:
        """Check a booking and send a one-time code to the phone; the pending
        booking's id (202). Nothing personal is checked yet: the answer is the
        same whether or not the ID number holds a booking."""
        self.limits.check("address", client)
        request = self._checked(body)
        pending_id, code = secrets.token_urlsafe(18), otp.new_code()

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            return self._hold(tx, hall_id, request, pending_id, code, now)

        pending = self.services.write(hall_id, work)
        minutes = int(otp.CODE_TTL.total_seconds() // 60)
        what = f"预约{request.service.name}"
        message = Sms.of(SmsKind.CODE, what=what, code=code, minutes=minutes)
        send_now(self.sms, request.phone, message)
        return pending

    def _checked(self, body: AppointmentIn) -> _Request:
        """The checks of a request that need no database (service, document, phone, form)."""
        service = self.catalogue.service(body.service)
        self.catalogue.check_document(service, body.document_type)
        now = self.services.clock()
        person = identity.parse_document(
            body.document_type, body.id_number, today=self.services.local_today(now)
        )
        phone = otp.normalise_phone(body.phone)
        form = check_form(self.catalogue.form(service.code), body.form)
        if body.slot.tzinfo is None:
            raise InvalidInput(
                "时段须带时区偏移，请按可预约时段列表原样提交",
                en="slot must carry its offset, as GET /slots lists it",
                code="slot_unknown",
            )
        key = self.services.id_key()
        id_hash = identity.keyed_hash(person, key)
        return _Request(body, service, person, phone, form, id_hash, key)

    def _hold(
        self, tx: Tx, hall_id: str, request: _Request, pending_id: str, code: str, now: datetime
    ) -> dict[str, Any]:
        """Keep the request until its code is answered (in the write transaction)."""
        hall = tx.hall(hall_id)
        check_offered(hall, request.service)
        check_answers(self.catalogue.guide(request.service.code, hall), request.body.answers)
        slot = open_slot(tx, hall, request.service, request.body.slot, now)
        # Counted once the request is sound: a typo costs the visitor nothing.
        self.limits.check("id", request.id_hash)
        self.limits.check("phone", request.phone)
        tx.drop_pending_bookings(col(PendingBookingRow.expires_at) <= now)
        expires = now + otp.CODE_TTL
        person, phone, key = request.person, request.phone, request.key
        tx.save_pending_booking(
            PendingBookingRow(
                id=pending_id,
                hall_id=hall_id,
                service=request.service.code,
                slot_start=slot.start,
                name=request.body.name,
                document_type=person.kind.value,
                id_hash=request.id_hash,
                id_masked=person.masked,
                phone_hash=otp.phone_hash(key, phone),
                phone_masked=mask_phone(phone),
                phone_enc=self.services.sealer.seal(phone),  # for the 短信评价 link
                priority=identity.age_class(person, slot.start.astimezone(hall.zone).date()).value,
                form=request.form or None,
                answers=request.body.answers or None,
                code_hash=otp.code_hash(key, pending_id, code),
                expires_at=expires,
            )
        )
        minutes = int(otp.CODE_TTL.total_seconds() // 60)
        return {
            "pending_id": pending_id,
            "phone_masked": mask_phone(phone),
            "expires_at": local_iso(expires, hall.zone),
            "expires_in_s": int(otp.CODE_TTL.total_seconds()),
            "message": f"验证码已发送至 {mask_phone(phone)}，请在{minutes}分钟内输入以完成预约",
        }

    # ------------------------------------------------------------ the code

    def confirm(self, hall_id: str, body: ConfirmIn, client: str) -> dict[str, Any]:
        """The phone answered: the pending booking becomes a booking (201), if the
        person may still book. Wrong codes are counted; a refusal is final."""
        self.limits.check("confirm", client)
        key = self.services.id_key()

        def work(
            tx: Tx, now: datetime, _events: list[Event]
        ) -> tuple[dict[str, Any] | None, QueueError | None]:
            pending = tx.pending_booking(body.pending_id)
            if pending is None or pending.hall_id != hall_id or pending.expires_at <= now:
                return None, NotFound(
                    "验证码已失效，请重新提交预约",
                    en="this code has expired or is unknown; book again",
                    code="otp_expired",
                )
            if not otp.code_matches(key, pending.id, body.code, pending.code_hash):
                return None, self._wrong_code(tx, pending)
            tx.drop_pending_bookings(col(PendingBookingRow.id) == pending.id)
            hall = tx.hall(hall_id)
            try:
                row = self._confirmed(tx, hall, pending, now)
            except StaleState:
                raise
            except QueueError as refused:  # the code is spent all the same
                return None, refused
            return booking_view(self.catalogue, row, hall), None

        # A refusal is returned, not raised, so the spent code or the counted
        # try is committed with it.
        view, refused = self.services.write(hall_id, work)
        if refused is not None:
            raise refused
        assert view is not None
        return view

    @staticmethod
    def _wrong_code(tx: Tx, pending: PendingBookingRow) -> QueueError:
        pending.tries += 1
        spent, refusal = otp.wrong_code(pending.tries, ("请重新提交预约", "book again"))
        if spent:
            tx.drop_pending_bookings(col(PendingBookingRow.id) == pending.id)
        else:
            tx.save_pending_booking(pending)
        return refusal

    def _confirmed(
        self, tx: Tx, hall: Hall, pending: PendingBookingRow, now: datetime
    ) -> AppointmentRow:
        """The checks that concern the person (after the phone answered), then the booking."""
        service = self.catalogue.service(pending.service)
        slot = open_slot(tx, hall, service, pending.slot_start, now)
        day = slot.start.astimezone(hall.zone).date()
        self._not_suspended(tx, hall, pending, now)
        one_a_day(tx, pending.id_hash, day)
        row = AppointmentRow(
            code=new_code(),
            hall_id=hall.id,
            service=service.code,
            business_date=day,
            slot_start=slot.start,
            slot_end=slot.end,
            name=pending.name,
            id_hash=pending.id_hash,
            id_masked=pending.id_masked,
            phone_masked=pending.phone_masked,
            phone_hash=pending.phone_hash,
            phone_enc=pending.phone_enc,
            document_type=pending.document_type,
            priority=pending.priority,
            form=pending.form,
            answers=pending.answers,
            status=BookingStatus.BOOKED.value,  # where the lifecycle starts
            created_at=now,
        )
        tx.save_appointment(row)
        return row

    @staticmethod
    def _not_suspended(tx: Tx, hall: Hall, pending: PendingBookingRow, now: datetime) -> None:
        """Conflict while missed bookings suspend this person (with this phone)."""
        for key in {pending.id_hash, ban_key(pending.id_hash, pending.phone_hash)}:
            ban = tx.ban(key)
            if ban is not None and ban.until > now:
                until = local_iso(ban.until, hall.zone) or ""
                raise Conflict(
                    f"因{ban.strikes}次预约未到，预约暂停至{until[:16].replace('T', ' ')}；"
                    "仍可到大厅现场取号",
                    en=f"booking is suspended until {until} after {ban.strikes} missed "
                    "appointments; you may still take a ticket on site",
                    code="booking_suspended",
                    until=until,
                )
