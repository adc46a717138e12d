"""A booking changed from its holder's phone: cancelled, or moved to another slot.

Whoever holds the booking code may see the booking (masked, `booking_rows`);
only the booking's phone may change it. `challenge` texts a code to the phone
sealed with the booking (`AppointmentRow.phone_enc`), never to a number the
caller gives, so the answer says nothing the code's holder did not know: the
masked phone, already on the booking's view. `cancel` and `move` redeem the
code (`phone_challenges`) and make the change in the same write transaction,
under the hall's lock, where a move checks the new slot's capacity as a
booking does (ahead, inside the horizon, one of the day's slots, not full),
frees the old place by leaving it, and keeps one booking per person per day.

A change the booking's lifecycle or the slot refuses is refused before any
code is sent or spent; the same checks run again when the code is redeemed.
A booking made before phones were verified (no phone kept) is cancelled by
its code alone, as it always was, and cannot be moved.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from .appointments import Booking, BookingAction, BookingStatus, apply_booking
from .bodies import CancelIn, ChallengeIn, MoveIn
from .booking_rows import booking_of, booking_view, find_booking, one_a_day, save_booking
from .booking_slots import check_offered, open_slot
from .citizen_models import PhoneChallengeRow
from .domain import Hall
from .errors import Conflict, InvalidInput, InvalidTransition, NotFound
from .models import AppointmentRow
from .phone_challenges import PhoneChallenges
from .protocol import Event
from .services import HallServices
from .store import Tx

_WHAT = {"cancel": "取消预约", "move": "改约"}


class BookingChanges:
    def __init__(self, services: HallServices, challenges: PhoneChallenges) -> None:
        self.services = services
        self.catalogue = services.catalogue
        self.challenges = challenges

    def _read(self, code: str) -> tuple[AppointmentRow, Hall]:
        with self.services.store.read() as tx:
            row = find_booking(tx, code)
            return row, tx.hall(row.hall_id)

    # ------------------------------------------------------------ the code

    def challenge(self, code: str, body: ChallengeIn, client: str) -> dict[str, Any]:
        """Text a code to the booking's own phone, once the change is possible."""
        row, hall = self._read(code)
        now = self.services.clock()
        if body.purpose == "cancel":
            _cancelled(row, hall, now)
        else:
            _movable(row, hall, now)
        phone = self.services.sealer.open(row.phone_enc) if row.phone_enc else None
        if phone is None:
            raise _no_phone(body.purpose)
        return self.challenges.send(
            hall.id, body.purpose, phone, client, subject=row.code, what=_WHAT[body.purpose]
        )

    # ------------------------------------------------------------ cancel

    def cancel(self, code: str, body: CancelIn, client: str) -> dict[str, Any]:
        """Cancel up to the day before the appointment, with the phone's code."""
        row, hall = self._read(code)
        _cancelled(row, hall, self.services.clock())  # refused before a code is spent

        def then(tx: Tx, challenge: PhoneChallengeRow | None, now: datetime) -> dict[str, Any]:
            found, current = _the_booking(tx, code, challenge), tx.hall(hall.id)
            save_booking(tx, found, _cancelled(found, current, now))
            return booking_view(self.catalogue, found, current)

        if row.phone_enc is None:
            return self.services.write(hall.id, lambda tx, now, _e: then(tx, None, now))
        return self._redeem(hall.id, body.challenge, body.code, "cancel", client, then)

    # ------------------------------------------------------------ move

    def move(self, code: str, body: MoveIn, client: str) -> dict[str, Any]:
        """Move the booking to another free slot of its item, with the phone's code."""
        if body.slot.tzinfo is None:
            raise InvalidInput(
                "时段须带时区偏移，请按可预约时段列表原样提交",
                en="slot must carry its offset, as GET /slots lists it",
                code="slot_unknown",
            )
        row, hall = self._read(code)
        now = self.services.clock()
        _movable(row, hall, now)
        if row.phone_enc is None:
            raise _no_phone("move")
        with self.services.store.read() as tx:  # a full slot refused before a code is spent
            self._new_slot(tx, row, hall, body.slot, now)

        def then(tx: Tx, challenge: PhoneChallengeRow | None, now: datetime) -> dict[str, Any]:
            found = _the_booking(tx, code, challenge)
            current = tx.hall(hall.id)
            _movable(found, current, now)
            start, end, day = self._new_slot(tx, found, current, body.slot, now)
            found.slot_start, found.slot_end, found.business_date = start, end, day
            tx.save_appointment(found)
            return booking_view(self.catalogue, found, current)

        return self._redeem(hall.id, body.challenge, body.code, "move", client, then)

    def _new_slot(
        self, tx: Tx, row: AppointmentRow, hall: Hall, start: datetime, now: datetime
    ) -> tuple[datetime, datetime, date]:
        """The slot `start` if the booking may move there: another slot of its
        item, open (`open_slot`), on a day the person holds no other booking."""
        if start == row.slot_start:
            raise Conflict(
                "这就是您当前预约的时段，请选择其他时段",
                en="this is the booking's own slot; choose another",
                code="same_slot",
            )
        service = self.catalogue.service(row.service)
        check_offered(hall, service)
        slot = open_slot(tx, hall, service, start, now)
        day = slot.start.astimezone(hall.zone).date()
        one_a_day(tx, row.id_hash, day, besides=row.code)
        return slot.start, slot.end, day

    def _redeem(
        self,
        hall_id: str,
        challenge: str | None,
        code: str | None,
        purpose: str,
        client: str,
        then: Callable[[Tx, PhoneChallengeRow | None, datetime], dict[str, Any]],
    ) -> dict[str, Any]:
        if not challenge or not code:
            raise InvalidInput(
                f"{_WHAT[purpose]}须先获取发送到预约手机的短信验证码",
                en=f"to {purpose} a booking, ask for a code to its phone first "
                "(POST /api/appointments/{code}/challenge) and send it with the challenge",
                code="challenge_required",
            )

        def checked(tx: Tx, row: PhoneChallengeRow, now: datetime, _e: list[Event]) -> Any:
            return then(tx, row, now)

        result: dict[str, Any] = self.challenges.redeem(
            hall_id, challenge, code, purpose, client, checked
        )
        return result


def _the_booking(tx: Tx, code: str, challenge: PhoneChallengeRow | None) -> AppointmentRow:
    """The booking, inside the change's transaction. A code sent for another
    booking is refused in the words of an expired one: it says nothing of it."""
    row = find_booking(tx, code)
    if challenge is not None and challenge.subject != row.code:
        raise NotFound(
            "验证码已失效，请重新获取",
            en="this code has expired or is unknown; ask for a new one",
            code="otp_expired",
        )
    return row


def _cancelled(row: AppointmentRow, hall: Hall, now: datetime) -> Booking:
    """The booking cancelled (the lifecycle's checks: booked, up to the day before)."""
    return apply_booking(booking_of(row), BookingAction.CANCEL, hall=hall, now=now)


def _movable(row: AppointmentRow, hall: Hall, now: datetime) -> None:
    """A booking may move while it is booked and its slot has not started."""
    status = BookingStatus(row.status)
    if status is not BookingStatus.BOOKED:
        raise InvalidTransition(
            "该预约已签到、取消或过期，不能改约",
            en=f"this appointment is {status.value}; it cannot be moved",
            code="appointment_not_movable",
        )
    if row.slot_start <= now:
        raise InvalidTransition(
            "预约时段已开始，不能改约；请按时到取号机签到",
            en="the appointment's slot has started; it cannot be moved",
            code="move_too_late",
        )


def _no_phone(purpose: str) -> Conflict:
    if purpose == "cancel":
        return Conflict(
            "该预约未登记手机，无需验证码，可直接取消",
            en="this booking has no phone; cancel it without a code",
            code="booking_without_phone",
        )
    return Conflict(
        "该预约未登记手机，不能在网上改约；请取消后重新预约",
        en="this booking has no phone; cancel it and book again",
        code="booking_without_phone",
    )
