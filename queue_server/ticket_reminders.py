"""Switching a ticket's text reminders on and off, from the holder's page.

The unguessable ticket id is the key, as for the page itself. The phone is
proved by a code (`PhoneChallenges`, purpose `remind`), or is the one the
ticket's booking already verified: that one needs no new code. The sealed
phone and the holder's "N ahead" go on the ticket's live leg (a transfer's
next leg inherits them); `reminders` sends the texts. Also the hall's job
that sends texts owed since the last call (`remind_holders`).
"""

from datetime import datetime
from typing import Any

from .appointments import mask_phone
from .bodies import REMIND_AHEAD_MAX, ReminderConfirmIn, ReminderIn
from .citizen_models import PhoneChallengeRow
from .domain import Ticket
from .errors import Conflict, InvalidInput, NotFound
from .phone_challenges import PhoneChallenges
from .protocol import Event, TicketStatus
from .rating_link import booking_code
from .reminders import Reminded, due, owed, position, queue_due
from .services import HallServices
from .store import Tx
from .views import live_leg

PURPOSE = "remind"
_OPEN = (TicketStatus.WAITING, TicketStatus.SUSPENDED)


class TicketReminders:
    def __init__(self, services: HallServices, challenges: PhoneChallenges) -> None:
        self.services = services
        self.challenges = challenges

    def status(self, ticket_id: str) -> dict[str, Any]:
        """Whether texts are on, to which phone (masked) and at how many ahead;
        the hall's default N, and the booking's verified phone (masked) if any."""
        with self.services.store.read() as tx:
            ticket = live_leg(tx, ticket_id)
            return self._view(tx, ticket)

    def ask(self, ticket_id: str, body: ReminderIn, client: str) -> tuple[dict[str, Any], int]:
        """Texts on: at once to the booking's phone (200), or a code to `phone` (202)."""
        with self.services.store.read() as tx:
            ticket = _open(live_leg(tx, ticket_id))
        if body.phone is None:

            def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
                leg = _open(live_leg(tx, ticket_id))
                booked = self._booked_phone(tx, leg)
                if booked is None:
                    raise InvalidInput(
                        "请填写接收提醒短信的手机号码",
                        en="give the phone to text (this ticket has no booking's phone)",
                        code="phone_required",
                    )
                return self._switch_on(tx, leg, booked, body.ahead, now)

            return self.services.write(ticket.hall, work), 200
        sent = self.challenges.send(
            ticket.hall,
            PURPOSE,
            body.phone,
            client,
            subject=ticket_id,
            payload={"ahead": body.ahead},
            what="开启排队短信提醒",
        )
        return sent, 202

    def confirm(self, ticket_id: str, body: ReminderConfirmIn, client: str) -> dict[str, Any]:
        """The code texted by `ask`: texts on, to the phone it proved."""
        with self.services.store.read() as tx:
            hall_id = live_leg(tx, ticket_id).hall

        def then(tx: Tx, row: PhoneChallengeRow, now: datetime, _events: list[Event]) -> Any:
            if row.subject != ticket_id or not row.phone_enc:
                raise NotFound(
                    "验证码已失效，请重新获取",
                    en="no such code for this ticket",
                    code="otp_expired",
                )
            ahead = int((row.payload or {}).get("ahead", 0)) or None
            return self._switch_on(tx, _open(live_leg(tx, ticket_id)), row.phone_enc, ahead, now)

        result: dict[str, Any] = self.challenges.redeem(
            hall_id, body.challenge, body.code, PURPOSE, client, then
        )
        return result

    def off(self, ticket_id: str) -> dict[str, Any]:
        with self.services.store.read() as tx:
            hall_id = live_leg(tx, ticket_id).hall

        def work(tx: Tx, _now: datetime, _events: list[Event]) -> dict[str, Any]:
            ticket = live_leg(tx, ticket_id)
            tx.set_reminder(ticket.id, None, None, None)
            return self._view(tx, ticket)

        return self.services.write(hall_id, work)

    # ------------------------------------------------------------ inside

    def _switch_on(
        self, tx: Tx, ticket: Ticket, phone_enc: str, ahead: int | None, now: datetime
    ) -> dict[str, Any]:
        state = self.services.state(tx, ticket.hall, now)
        ticket = state.tickets.get(ticket.id, ticket)
        ahead = ahead or state.hall.policy.remind_ahead
        # Already that near: the page in the holder's hand says so; "called" still comes.
        near = due(ticket.status, position(state, ticket, now), ahead, None) is Reminded.AHEAD
        tx.set_reminder(ticket.id, phone_enc, ahead, Reminded.AHEAD.value if near else None)
        return self._view(tx, ticket)

    def _booked_phone(self, tx: Tx, ticket: Ticket) -> str | None:
        code = booking_code(tx, ticket)
        booking = tx.appointment(code) if code else None
        return booking.phone_enc if booking is not None and booking.phone_enc else None

    def _masked(self, sealed: str | None) -> str | None:
        if not sealed:
            return None
        phone = self.services.sealer.open(sealed)
        return mask_phone(phone) if phone else "****"

    def _view(self, tx: Tx, ticket: Ticket) -> dict[str, Any]:
        row = tx.ticket_row(ticket.id)
        return {
            "on": row.phone_enc is not None,
            "phone_masked": self._masked(row.phone_enc),
            "ahead": row.remind_ahead,
            "reminded": row.reminded,
            "default_ahead": tx.hall(ticket.hall).policy.remind_ahead,
            "max_ahead": REMIND_AHEAD_MAX,
            "booked_phone": self._masked(self._booked_phone(tx, ticket)),
            "open": ticket.status in _OPEN,
        }


def _open(ticket: Ticket) -> Ticket:
    if ticket.status not in _OPEN:
        raise Conflict(
            "这张号票已不在排队中，无需开启提醒",
            en="this ticket is no longer waiting: there is nothing to remind of",
            code="ticket_not_waiting",
        )
    return ticket


def remind_holders(services: HallServices, hall_id: str, now: datetime) -> int:
    """The hall's frequent job: texts owed since the last call (a cancel or a
    window opened moves the queue too). Most rounds find none owed in a read
    and write nothing."""
    with services.store.read() as tx:
        if not tx.reminder_rows(hall_id):
            return 0
        if not owed(tx, services.state(tx, hall_id, now, reading=True), now):
            return 0

    def work(tx: Tx, now: datetime, _events: list[Event]) -> int:
        return queue_due(tx, services.state(tx, hall_id, now), now)

    return services.write(hall_id, work)
