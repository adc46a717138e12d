"""Appointments (预约): slots, booking, cancelling, check-in, missed bookings.

Booking is public (a visitor books online under a real name and a document):
a request is checked, then held until the booker's phone answers a one-time
code (`otp.py`), and only then becomes a booking. Until the phone is
verified, the answer is the same whether or not the ID number already holds a
booking or a suspension. Capacity is checked and the booking written in one
transaction under the hall's lock, so a slot is never overbooked, whatever the
number of server processes. The name is kept for the clerk; the ID number only
as a keyed hash and a mask, the phone only masked and as a keyed hash.
Check-in is the ticket machine's.
"""

import hashlib
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import col

from . import identity, otp
from .access import Principal, Role, require
from .appointments import (
    ACTIVE_BOOKINGS,
    Arrival,
    BookingStatus,
    Slot,
    arrival,
    banned_until,
    day_slots,
    is_missed,
    mask_phone,
)
from .domain import Entry, Hall, PriorityClass, Service
from .errors import Conflict, InvalidInput, NotFound, QueueError, StaleState
from .forms import check_form
from .identity import DocumentType
from .issuing import Stored
from .models import (
    AppointmentIn,
    AppointmentRow,
    BookingBanRow,
    CheckInIn,
    ConfirmIn,
    PendingBookingRow,
)
from .protocol import Event
from .public import local_iso
from .reports import parse_date
from .services import HallServices
from .sms import SmsProvider, sms_for
from .store import Tx
from .views import live_leg

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def ban_key(id_hash: str, phone_hash: str | None) -> str:
    """Missed bookings count against the ID number together with the phone that
    booked (bookings from before phones were verified: the ID number alone), so
    booking under someone else's ID number cannot get them suspended."""
    if phone_hash is None:
        return id_hash
    return hashlib.sha256(f"{id_hash}:{phone_hash}".encode()).hexdigest()


class Bookings:
    def __init__(self, services: HallServices, sms: SmsProvider | None = None) -> None:
        self.services = services
        self.catalogue = services.catalogue
        self.sms = sms or sms_for(services.settings.sms_url)
        settings = services.settings
        self.limits = otp.Limits(
            address=settings.booking_limit_address,
            id_number=settings.booking_limit_id,
            phone=settings.booking_limit_phone,
        )

    # ------------------------------------------------------------ slots

    def slots(self, hall_id: str, service_code: str | None, day: str | None) -> dict[str, Any]:
        """Free capacity per slot for a service on a day (public): only slots still
        ahead and inside the booking horizon; with the documents the service
        accepts and its pre-fill form."""
        if not service_code or not day:
            raise InvalidInput(
                "请给出事项和日期：?service=<事项编码>&date=YYYY-MM-DD",
                en="give ?service=<code>&date=YYYY-MM-DD",
                code="slots_query",
            )
        service = self.catalogue.service(service_code)
        when = parse_date(day)
        now = self.services.clock()
        with self.services.store.read() as tx:
            hall = tx.hall(hall_id)
            self._offered(hall, service)
            last = self._last_day(hall, now)
            slots: list[Slot] = []
            booked: dict[datetime, int] = {}
            if hall.business_date(now) <= when <= last:
                booked = self._booked(tx, hall_id, service.code, when)
                windows = tx.windows(hall_id)
                slots = [s for s in day_slots(hall, service, when, windows) if s.start > now]
        return {
            "hall": hall_id,
            "service": service.code,
            "service_name": service.name,
            "date": when.isoformat(),
            "bookable_until": last.isoformat(),
            "documents": [d.value for d in self.catalogue.accepted_documents(service.code)],
            "form": [f.public() for f in self.catalogue.form(service.code)],
            "slots": [
                {
                    "start": local_iso(s.start, hall.zone),
                    "end": local_iso(s.end, hall.zone),
                    "capacity": s.capacity,
                    "booked": booked.get(s.start, 0),
                    "free": max(0, s.capacity - booked.get(s.start, 0)),
                }
                for s in slots
            ],
        }

    @staticmethod
    def _last_day(hall: Hall, now: datetime) -> date:
        return hall.business_date(now) + timedelta(days=hall.policy.booking_horizon_days)

    @staticmethod
    def _booked(tx: Tx, hall_id: str, service: str, day: date) -> dict[datetime, int]:
        counts: dict[datetime, int] = {}
        for row in tx.appointments(
            col(AppointmentRow.hall_id) == hall_id,
            col(AppointmentRow.service) == service,
            col(AppointmentRow.business_date) == day,
            col(AppointmentRow.status).in_([s.value for s in ACTIVE_BOOKINGS]),
        ):
            counts[row.slot_start] = counts.get(row.slot_start, 0) + 1
        return counts

    def _offered(self, hall: Hall, service: Service) -> None:
        if not hall.offers(service.code):
            raise NotFound(
                f"本大厅不办理{service.name}",
                en=f"hall {hall.id!r} does not offer {service.name}",
                code="service_not_offered",
            )

    def _open_slot(
        self, tx: Tx, hall: Hall, service: Service, start: datetime, now: datetime
    ) -> Slot:
        """The slot starting at `start` if it can still be booked: ahead, inside
        the horizon, one of the day's slots, not full."""
        not_a_slot = InvalidInput(
            "所选时段不是该事项的预约时段，请按可预约时段列表选择",
            en=f"{start.isoformat()} is not a slot; GET /api/halls/{{hall}}/slots lists them",
            code="slot_unknown",
        )
        if start <= now:
            raise Conflict(
                "该时段已开始，请选择之后的时段",
                en="this slot has already started; choose a later one",
                code="slot_past",
            )
        try:
            day = start.astimezone(hall.zone).date()
        except OverflowError:
            raise not_a_slot from None
        last = self._last_day(hall, now)
        if day > last:
            raise Conflict(
                f"只能预约{hall.policy.booking_horizon_days}天内（{last}及以前）的时段",
                en=f"slots can be booked up to {last} only",
                code="beyond_horizon",
                bookable_until=last.isoformat(),
            )
        windows = tx.windows(hall.id)
        slot = next((s for s in day_slots(hall, service, day, windows) if s.start == start), None)
        if slot is None:
            raise not_a_slot
        if self._booked(tx, hall.id, service.code, day).get(slot.start, 0) >= slot.capacity:
            raise Conflict(
                "该时段已约满，请选择其他时段",
                en="this slot is full; choose another",
                code="slot_full",
            )
        return slot

    # ------------------------------------------------------------ booking

    def book(self, hall_id: str, body: AppointmentIn, client: str) -> dict[str, Any]:
        """Check a booking and send a one-time code to the phone; the pending
        booking's id (202). Nothing personal is checked yet: the answer is the
        same whether or not the ID number holds a booking."""
        self.limits.check("address", client)
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
        pending_id, code = secrets.token_urlsafe(18), otp.new_code()

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            hall = tx.hall(hall_id)
            self._offered(hall, service)
            slot = self._open_slot(tx, hall, service, body.slot, now)
            # Counted once the request is sound: a typo costs the visitor nothing.
            self.limits.check("id", id_hash)
            self.limits.check("phone", phone)
            tx.drop_pending_bookings(col(PendingBookingRow.expires_at) <= now)
            expires = now + otp.CODE_TTL
            tx.save_pending_booking(
                PendingBookingRow(
                    id=pending_id,
                    hall_id=hall_id,
                    service=service.code,
                    slot_start=slot.start,
                    name=body.name,
                    document_type=person.kind.value,
                    id_hash=id_hash,
                    id_masked=person.masked,
                    phone_hash=otp.phone_hash(key, phone),
                    phone_masked=mask_phone(phone),
                    priority=identity.age_class(
                        person, slot.start.astimezone(hall.zone).date()
                    ).value,
                    form=form or None,
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

        pending = self.services.write(hall_id, work)
        minutes = int(otp.CODE_TTL.total_seconds() // 60)
        self.sms.send(
            phone,
            f"【一窗】您预约{service.name}的验证码为{code}，{minutes}分钟内有效。"
            "如非本人操作，请忽略本短信。",
        )
        return pending

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
            return self._view(row, hall), None

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
        left = otp.CODE_TRIES - pending.tries
        if left <= 0:
            tx.drop_pending_bookings(col(PendingBookingRow.id) == pending.id)
            return InvalidInput(
                "验证码错误次数过多，请重新提交预约",
                en="too many wrong codes; book again",
                code="otp_exhausted",
            )
        tx.save_pending_booking(pending)
        return InvalidInput(
            f"验证码不正确，还可再试{left}次",
            en=f"wrong code; {left} tries left",
            code="otp_wrong",
            tries_left=str(left),
        )

    def _confirmed(
        self, tx: Tx, hall: Hall, pending: PendingBookingRow, now: datetime
    ) -> AppointmentRow:
        """The checks that concern the person (after the phone answered), then the booking."""
        service = self.catalogue.service(pending.service)
        slot = self._open_slot(tx, hall, service, pending.slot_start, now)
        day = slot.start.astimezone(hall.zone).date()
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
        if tx.appointments(
            col(AppointmentRow.id_hash) == pending.id_hash,
            col(AppointmentRow.business_date) == day,
            col(AppointmentRow.status).in_([s.value for s in ACTIVE_BOOKINGS]),
        ):
            raise Conflict(
                f"该证件号码在{day}已有预约，每人每天限约一次；"
                "如非本人预约，请携带证件到大厅现场办理",
                en=f"this person already has a booking on {day}",
                code="already_booked",
            )
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
            document_type=pending.document_type,
            priority=pending.priority,
            form=pending.form,
            status=BookingStatus.BOOKED.value,
            created_at=now,
        )
        tx.save_appointment(row)
        return row

    def _view(self, row: AppointmentRow, hall: Hall) -> dict[str, Any]:
        service = self.catalogue.service(row.service)
        return {
            "code": row.code,
            "hall": hall.id,
            "hall_name": hall.name,
            "service": service.code,
            "service_name": service.name,
            "slot_start": local_iso(row.slot_start, hall.zone),
            "slot_end": local_iso(row.slot_end, hall.zone),
            "status": row.status,
            "document_type": row.document_type or DocumentType.RESIDENT_ID.value,
            "id_masked": row.id_masked,
            "phone_masked": row.phone_masked,
            "materials": list(service.materials),
        }

    def show(self, code: str) -> dict[str, Any]:
        with self.services.store.read() as tx:
            row = self._find(tx, code)
            return self._view(row, tx.hall(row.hall_id))

    @staticmethod
    def _find(tx: Tx, code: str) -> AppointmentRow:
        row = tx.appointment(code.strip().upper())
        if row is None:
            raise NotFound(
                "没有这个预约码，请核对后重新输入",
                en="unknown appointment code",
                code="appointment_unknown",
            )
        return row

    def cancel(self, code: str) -> dict[str, Any]:
        """Cancel up to the day before the appointment."""
        with self.services.store.read() as tx:
            hall_id = self._find(tx, code).hall_id

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            row = self._find(tx, code)
            hall = tx.hall(hall_id)
            if row.status != BookingStatus.BOOKED:
                raise Conflict(
                    f"该预约{_STATUS_ZH[BookingStatus(row.status)]}，不能取消",
                    en=f"this appointment is {row.status}; it cannot be cancelled",
                    code="appointment_not_cancellable",
                )
            if hall.business_date(now) >= row.business_date:
                raise Conflict(
                    "预约最晚可在前一天取消",
                    en="appointments can be cancelled up to the day before",
                    code="cancel_too_late",
                )
            row.status = BookingStatus.CANCELLED.value
            tx.save_appointment(row)
            return self._view(row, hall)

        return self.services.write(hall_id, work)

    # ------------------------------------------------------------ check-in

    def check_in(
        self, principal: Principal, hall_id: str, body: CheckInIn
    ) -> tuple[dict[str, Any], bool]:
        """At the ticket machine, by code or ID number: the booking becomes a ticket
        with precedence inside its slot, or a walk-in ticket when late; (view,
        created). Checking in again returns the same ticket while it is live."""
        require(principal, {Role.KIOSK, Role.SUPERVISOR}, hall=hall_id)
        if not body.code and not body.id_number:
            raise InvalidInput(
                "请输入预约码或证件号码签到",
                en="check in with the appointment code or the ID number",
                code="checkin_needs_code_or_id",
            )
        now = self.services.clock()
        id_hash = None
        if body.id_number:
            person = identity.parse_document(
                body.document_type, body.id_number, today=self.services.local_today(now)
            )
            id_hash = identity.keyed_hash(person, self.services.id_key())

        def work(tx: Tx, now: datetime, events: list[Event]) -> tuple[dict[str, Any], bool]:
            hall = tx.hall(hall_id)
            row = self._todays(tx, hall, body.code, id_hash, now)
            if row.ticket_id is not None:
                return self._checked_in(tx, row, now), False
            timing = arrival(hall, row.slot_start, now)
            if timing is Arrival.EARLY:
                opens = row.slot_start.astimezone(hall.zone)
                early = hall.policy.checkin_early_min
                raise Conflict(
                    f"您预约的是{opens:%H:%M}，签到从{early}分钟前开始，请稍后再来签到",
                    en=f"check-in for this {opens:%H:%M} appointment opens "
                    f"{early} minutes before it",
                    code="checkin_too_early",
                    slot_start=opens.isoformat(),
                )
            service = self.catalogue.service(row.service)
            on_time = timing is Arrival.ON_TIME
            stored = Stored(row.id_hash, row.id_masked, None, row.code)
            ticket, view = self.services.new_ticket(
                tx,
                self.services.state(tx, hall_id, now),
                service,
                PriorityClass(row.priority),
                now,
                principal,
                stored,
                events,
                entry=Entry.APPOINTMENT if on_time else Entry.WALK_IN,
                appointment_at=row.slot_start if on_time else None,
            )
            row.status = (BookingStatus.CHECKED_IN if on_time else BookingStatus.LATE).value
            row.ticket_id = ticket.id
            tx.save_appointment(row)
            return view | {
                "appointment": {"code": row.code, "status": row.status, "arrival": timing.value}
            }, True

        return self.services.write(hall_id, work)

    def _checked_in(self, tx: Tx, row: AppointmentRow, now: datetime) -> dict[str, Any]:
        """A second check-in (a retry after a lost answer, or the visitor again)
        gets the ticket of the first while it is live, never a second one."""
        assert row.ticket_id is not None
        ticket = live_leg(tx, row.ticket_id)
        if not ticket.active:
            raise Conflict(
                f"预约{row.code}已签到使用过（{ticket.number}号已结束），不能再次签到",
                en=f"appointment {row.code} was already used: ticket {ticket.number} "
                f"is {ticket.status.value}",
                code="appointment_used",
            )
        arrived = Arrival.ON_TIME if row.status == BookingStatus.CHECKED_IN else Arrival.LATE
        return self.services.view_of(self.services.state(tx, ticket.hall, now), ticket, now) | {
            "appointment": {"code": row.code, "status": row.status, "arrival": arrived.value}
        }

    def _todays(
        self, tx: Tx, hall: Hall, code: str | None, id_hash: str | None, now: datetime
    ) -> AppointmentRow:
        today = hall.business_date(now)
        if code:
            row = self._find(tx, code)
            if row.hall_id != hall.id or row.business_date != today:
                raise Conflict(
                    f"预约{row.code}不是今天在本大厅的预约（预约日期 {row.business_date}）",
                    en=f"appointment {row.code} is for {row.business_date} at hall "
                    f"{row.hall_id!r}, not today here",
                    code="appointment_not_today_here",
                )
        else:
            rows = tx.appointments(
                col(AppointmentRow.hall_id) == hall.id,
                col(AppointmentRow.id_hash) == id_hash,
                col(AppointmentRow.business_date) == today,
            )
            if not rows:
                raise NotFound(
                    "未查到该证件号码今天的预约",
                    en="no appointment today for this ID number",
                    code="appointment_none_today",
                )
            row = rows[0]
        if row.status not in ACTIVE_BOOKINGS:
            raise Conflict(
                f"预约{row.code}{_STATUS_ZH[BookingStatus(row.status)]}",
                en=f"appointment {row.code} is {row.status}",
                code="appointment_not_active",
            )
        return row

    # ------------------------------------------------------------ missed bookings

    def release_missed(self, hall_id: str, now: datetime) -> int:
        """Bookings never checked in become no-shows after their grace period; repeated
        no-shows suspend booking for the person; requests whose code expired are
        forgotten. Idempotent."""

        def work(tx: Tx, now: datetime, _events: list[Event]) -> int:
            hall = tx.hall(hall_id)
            # Requests whose code was never answered: their names go too.
            tx.drop_pending_bookings(
                col(PendingBookingRow.hall_id) == hall_id,
                col(PendingBookingRow.expires_at) <= now,
            )
            missed = [
                row
                for row in tx.appointments(
                    col(AppointmentRow.hall_id) == hall_id,
                    col(AppointmentRow.status) == BookingStatus.BOOKED.value,
                    col(AppointmentRow.slot_start) <= now,
                )
                if is_missed(hall, row.slot_start, now)
            ]
            for row in missed:
                row.status = BookingStatus.NO_SHOW.value
                tx.save_appointment(row)
                history = [
                    r.slot_start
                    for r in tx.appointments(
                        col(AppointmentRow.id_hash) == row.id_hash,
                        col(AppointmentRow.phone_hash) == row.phone_hash
                        if row.phone_hash
                        else col(AppointmentRow.phone_hash).is_(None),
                        col(AppointmentRow.status) == BookingStatus.NO_SHOW.value,
                    )
                ]
                until = banned_until(hall, history, now)
                if until is not None:
                    key = ban_key(row.id_hash, row.phone_hash)
                    tx.save_ban(BookingBanRow(id_hash=key, until=until, strikes=len(history)))
            return len(missed)

        return self.services.write(hall_id, work)


_STATUS_ZH = {
    BookingStatus.BOOKED: "已预约",
    BookingStatus.CHECKED_IN: "已签到",
    BookingStatus.LATE: "已签到（迟到）",
    BookingStatus.CANCELLED: "已取消",
    BookingStatus.NO_SHOW: "已过期未到",
}
