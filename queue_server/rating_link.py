"""The 短信评价 link: when a ticket that came from a booking is finished, a text
message to the booking's verified phone asks the visitor to rate the service
(the province's 短信评价), if the hall's policy `rating_sms` is on; so does a
home visit's, to the phone its code proved (`ask_rating`).

It is queued in the transaction of the finish (`outbox`), so a finished
ticket's message is never lost and never sent for a finish that did not
commit; `outbox_sender` sends it. The phone travels sealed; the link is the
ticket's status page, whose rating form says `via=sms`.

It waits a few minutes (`DELAY`): a visitor who rates at the window's
evaluator meanwhile gets no text asking again (`drop_rating_link`).
"""

from datetime import datetime, timedelta

from . import outbox
from .domain import Hall, Ticket
from .sms import Sms, SmsKind
from .store import Tx

KIND = "rating_link"
MAX_LEGS = 20  # a transferred matter's legs, walked back to the one checked in
DELAY = timedelta(minutes=3)  # the evaluator beside the window asks first


def queue_rating_link(
    tx: Tx, public_url: str, hall: Hall, ticket: Ticket, item_name: str, now: datetime
) -> bool:
    """Queue the message for `ticket`, just finished; False when there is none
    to send (no booking, no verified phone, the policy off, no public address)."""
    code = booking_code(tx, ticket)
    booking = tx.appointment(code) if code else None
    if booking is None or not booking.phone_enc:
        return False
    return ask_rating(tx, public_url, hall, ticket, item_name, booking.phone_enc, now, delay=DELAY)


def ask_rating(
    tx: Tx,
    public_url: str,
    hall: Hall,
    ticket: Ticket,
    item_name: str,
    phone_enc: str,
    now: datetime,
    *,
    delay: timedelta = timedelta(0),
) -> bool:
    """Queue the message for `ticket` to the sealed phone, `delay` from now;
    False when the hall's policy is off or no public address is set."""
    if not hall.policy.rating_sms or not public_url:
        return False
    link = f"{public_url.rstrip('/')}/t/{ticket.id}?via=sms"
    sms = Sms.of(SmsKind.RATING_LINK, hall=hall.name, item=item_name, link=link, ticket=ticket.id)
    payload = {
        "phone": phone_enc,
        "sms": sms.payload(),
        "number": ticket.number,
        "ticket_id": ticket.id,  # never shown: the delivery log names the number
    }
    outbox.enqueue(tx, hall.id, outbox.SMS, KIND, payload, now, send_at=now + delay)
    return True


def drop_rating_link(tx: Tx, hall_id: str, ticket_id: str) -> None:
    """The ticket was rated: a link not sent yet is not sent at all."""
    for row in tx.unsent(hall_id, KIND):
        if row.payload.get("ticket_id") == ticket_id:
            tx.drop_outbox(row)


def booking_code(tx: Tx, ticket: Ticket) -> str | None:
    """The booking a ticket came from, found through a transfer's legs."""
    row = tx.ticket_row(ticket.id)
    for _ in range(MAX_LEGS):
        if row.appointment_code or row.parent_id is None:
            break
        row = tx.ticket_row(row.parent_id)
    code: str | None = row.appointment_code
    return code
