"""线上取号: a place in today's queue taken from a phone, and its holder's arrival.

The phone asks (`request`: the item must allow it, the hall be open now, its
share of remote places not taken, the phone and the person hold no live place
here); a code goes to the phone (`PhoneChallenges`); the right code issues the
ticket through the normal path (`confirm`), marked remote. Its holder arrives
by scanning the hall's door QR (`check_in_at_door`: a per-hall, per-day code
made from the server's key) or at the ticket machine (`check_in_at_kiosk`: the
ticket's own QR from the holder's page, the ID number it was taken with, or
today's number and a code texted to the phone that took it).
A place passed over while away drops when the grace ends (`drop_missed`, a
day job). The rules themselves are `remote_rules`, the dispatch `dispatch`.
"""

import base64
import hashlib
import hmac
from datetime import date, datetime
from typing import Any

from . import identity, otp
from .access import Principal, Role, require
from .bodies import DoorCheckInIn, RemoteArrivalIn, RemoteConfirmIn, RemoteTicketIn
from .citizen_models import PhoneChallengeRow
from .domain import PriorityClass, Service, Ticket, TicketAction
from .errors import Conflict, DuplicateTicket, Forbidden, NotFound
from .estimate import admit
from .hall_state import HallState
from .issuing import Stored
from .lifecycle_words import ticket_status_zh
from .phone_challenges import PhoneChallenges
from .protocol import Event, TicketStatus
from .remote_rows import remote_key
from .remote_rules import check_share, grace_over
from .services import HallServices
from .store import Tx
from .views import live_leg

PURPOSE = "remote"
HOLDER = "holder:remote"  # the transition log's actor for what the holder does
# The feed's `issued_by`: no kiosk's token id, so no kiosk prints a remote ticket.
_ISSUER = Principal(Role.KIOSK, token_id="remote")
DROPPER = "system:scheduler"


def door_code(key: bytes, hall_id: str, day: date) -> str:
    """The code in the hall's door QR for `day`: only the server can make it, and
    yesterday's sign no longer checks anyone in."""
    mac = hmac.new(key, f"door:{hall_id}:{day.isoformat()}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:12]).decode()


class RemotePlaces:
    def __init__(self, services: HallServices, challenges: PhoneChallenges) -> None:
        self.services = services
        self.challenges = challenges

    # ------------------------------------------------------------ taking a place

    def offer(self, hall_id: str) -> dict[str, Any]:
        """What a phone may queue for in the hall now (public: no personal data)."""
        now = self.services.clock()
        with self.services.store.read() as tx:
            state = self.services.state(tx, hall_id, now, reading=True)
        items = [s for s in state.services.values() if s.remote and state.hall.offers(s.code)]
        opened, message = bool(items), None
        try:
            if items:
                admit(state.hall, items[0], now, 0)  # the hall's hours, as for any item
        except Conflict as closed:
            opened, message = False, str(closed)
        return {
            "hall": state.hall.id,
            "hall_name": state.hall.name,
            "open": opened,
            "message": message,
            "grace_min": state.hall.policy.remote_grace_min,
            "services": [
                {"code": s.code, "name": s.name, "materials": list(s.materials)} for s in items
            ],
        }

    def request(self, hall_id: str, body: RemoteTicketIn, client: str) -> dict[str, Any]:
        """Check the request, then text a code to the phone; the challenge."""
        services = self.services
        service = services.catalogue.service(body.service)
        person = None
        if body.id_number:
            services.catalogue.check_document(service, body.document_type)
            today = services.local_today(services.clock())
            person = identity.parse_document(body.document_type, body.id_number, today=today)
        phone = otp.normalise_phone(body.phone)
        key = services.id_key()
        phone_hash = otp.phone_hash(key, phone)
        id_hash = identity.keyed_hash(person, key) if person else None
        now = services.clock()
        with services.store.read() as tx:
            state = services.state(tx, hall_id, now, reading=True)
            self._check(tx, state, state.service(service.code), phone_hash, id_hash, now)
            priority = identity.age_class(person, state.day.date) if person else None
        payload = {
            "service": service.code,
            "id_hash": id_hash,
            "id_masked": person.masked if person else None,
            "priority": (priority or PriorityClass.NORMAL).value,
        }
        return self.challenges.send(
            hall_id, PURPOSE, phone, client, payload=payload, what="线上取号"
        )

    def confirm(
        self, hall_id: str, body: RemoteConfirmIn, client: str
    ) -> tuple[dict[str, Any], bool]:
        """The right code issues the place; (holder's view, created). A retry of a
        confirmation that went through gets the same ticket, never a second one."""
        services = self.services
        with services.store.read() as tx:
            made = tx.remote_made_by(hall_id, body.challenge)
            if made is not None:
                now = services.clock()
                return services.view_of(services.state(tx, hall_id, now), made, now), False

        def issue(tx: Tx, row: PhoneChallengeRow, now: datetime, events: list[Event]) -> Any:
            if row.subject is not None:  # a check-in code, not one for taking a place
                raise _not_found("此验证码不是取号验证码，请重新获取")
            payload = row.payload or {}
            state = services.state(tx, hall_id, now)
            service = state.service(str(payload.get("service")))
            id_hash = payload.get("id_hash")
            self._check(tx, state, service, row.phone_hash, id_hash, now)
            stored = Stored(id_hash, payload.get("id_masked"), remote_key(row.phone_hash, row.id))
            priority = PriorityClass(payload.get("priority", "normal"))
            ticket, view = services.new_ticket(
                tx, state, service, priority, now, _ISSUER, stored, events,
                check_hours=True, remote=True, actor=HOLDER,
            )  # fmt: skip
            # The verified phone gets the hall's text reminders (its holder is away:
            # the turn nearing is the cue to come; the page changes or stops them),
            # and the ticket machine may text it a check-in code.
            tx.set_reminder(ticket.id, row.phone_enc, state.hall.policy.remind_ahead, None)
            return view

        view = self.challenges.redeem(hall_id, body.challenge, body.code, PURPOSE, client, issue)
        return view, True

    @staticmethod
    def _check(
        tx: Tx,
        state: HallState,
        service: Service,
        phone_hash: str,
        id_hash: str | None,
        now: datetime,
    ) -> None:
        """Refuse a place the hall does not give now (nothing changes)."""
        hall = state.hall
        if not (service.remote and hall.offers(service.code)):
            raise Conflict(
                f"「{service.name}」不开放线上取号，请到大厅取号机取号",
                en=f"{service.name} cannot be queued for from a phone here; take a ticket "
                "at the hall's ticket machine",
                code="remote_not_offered",
            )
        admit(hall, service, now, 0)  # closed now, or too late for it today
        held = tx.live_remote_of_phone(hall.id, phone_hash)
        if held is None and id_hash is not None:
            held = tx.active_for_person(hall.id, service.code, id_hash)
        if held is not None:
            raise DuplicateTicket(
                f"您已有号码 {held.number}（{state.service(held.service).name}），"
                "请留意排队进度，无需重复取号",
                en=f"this phone or person already holds ticket {held.number} here",
            )
        check_share(state.waiting.tickets.values(), hall.policy)

    # ------------------------------------------------------------ arriving

    def check_in_at_door(self, ticket_id: str, body: DoorCheckInIn) -> dict[str, Any]:
        """The holder scanned the hall's door QR: the code must be today's."""

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            ticket = live_leg(tx, ticket_id)
            hall = tx.hall(ticket.hall)
            today = door_code(self.services.id_key(), hall.id, hall.business_date(now))
            if not hmac.compare_digest(body.door.encode(), today.encode()):
                raise Forbidden(
                    "签到码无效：请扫描本大厅门口今天张贴的签到二维码，或到取号机签到",
                    en="this check-in code is not today's code of this hall; scan the QR "
                    "at the hall's door or check in at the ticket machine",
                    code="door_code_wrong",
                )
            return self._arrive(tx, ticket, now, events)

        return self.services.write(self._hall_of(ticket_id), work)

    def check_in_at_kiosk(
        self, principal: Principal, hall_id: str, body: RemoteArrivalIn, client: str
    ) -> tuple[dict[str, Any], int]:
        """At the ticket machine, by the ticket's QR, the ID number, or today's
        number and then the code texted to its phone; (answer, HTTP status):
        202 with the challenge when a code was sent, else the holder's view."""
        require(principal, {Role.KIOSK, Role.SUPERVISOR}, hall=hall_id)
        services = self.services
        if body.challenge:
            return self.challenges.redeem(
                hall_id, body.challenge, body.code or "", PURPOSE, client, self._arrive_by_code
            ), 200
        if body.number:
            kiosk = principal.token_id if principal.role is Role.KIOSK else None
            return self._text_arrival_code(hall_id, body.number, client, kiosk), 202
        id_hash = None
        if body.id_number:
            today = services.local_today(services.clock())
            person = identity.parse_document(body.document_type, body.id_number, today=today)
            id_hash = identity.keyed_hash(person, services.id_key())
        wanted = (body.ticket or "").rstrip("/").rsplit("/", 1)[-1]
        if not (wanted or id_hash):
            raise _not_found("请扫描手机上的号码二维码，或输入号码或取号时的证件号码")

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            found = [live_leg(tx, wanted)] if wanted else tx.away_of_person(hall_id, id_hash or "")
            found = [t for t in found if t.hall == hall_id and t.remote]
            if not found:
                raise _not_found("未查到在本大厅等候的线上取号，请核对后重试，或现场取号")
            return self._arrive(tx, found[0], now, events)

        return services.write(hall_id, work), 200

    def _text_arrival_code(
        self, hall_id: str, number: str, client: str, kiosk: str | None
    ) -> dict[str, Any]:
        """Text a check-in code to the phone that took today's place `number`."""
        services = self.services
        now = services.clock()
        with services.store.read() as tx:
            state = services.state(tx, hall_id, now, reading=True)
            ticket = state.find(number.strip(), state.day.date)
            sealed = tx.ticket_row(ticket.id).phone_enc if ticket and ticket.away else None
        phone = services.sealer.open(sealed) if sealed else None
        if ticket is None or phone is None:
            raise _not_found(f"今天没有尚未签到的线上取号 {number.strip().upper()}，请核对号码")
        what = f"{ticket.number} 号签到"
        sent = self.challenges.send(
            hall_id, PURPOSE, phone, client, subject=ticket.id, what=what, kiosk=kiosk
        )
        return sent | {"number": ticket.number}

    def _arrive_by_code(
        self, tx: Tx, row: PhoneChallengeRow, now: datetime, events: list[Event]
    ) -> dict[str, Any]:
        if row.subject is None:  # a code for taking a place, not for arriving
            raise _not_found("此验证码不是签到验证码，请重新获取")
        return self._arrive(tx, live_leg(tx, row.subject), now, events)

    def _arrive(self, tx: Tx, ticket: Ticket, now: datetime, events: list[Event]) -> dict[str, Any]:
        """Check the holder in (once; again is the same answer); the holder's view."""
        services = self.services
        state = services.state(tx, ticket.hall, now)
        ticket = state.tickets.get(ticket.id, ticket)
        if not ticket.remote:
            raise Conflict(
                f"{ticket.number} 号不是线上取号，无需签到",
                en=f"ticket {ticket.number} was not taken from a phone; no check-in needed",
                code="not_remote",
            )
        if ticket.away and ticket.status is TicketStatus.WAITING:
            services.apply(tx, state, state.end(ticket, TicketAction.CHECK_IN, now, HOLDER), events)
            ticket = state.tickets[ticket.id]
        elif ticket.away:  # dropped, or the day ended, before the holder came
            raise Conflict(
                f"{ticket.number} 号当前为「{ticket_status_zh(ticket.status)}」，不能签到；"
                "如需办理请重新取号",
                en=f"ticket {ticket.number} is {ticket.status.value}; take a new ticket",
                code="remote_ended",
            )
        return services.view_of(state, ticket, now)

    def _hall_of(self, ticket_id: str) -> str:
        with self.services.store.read() as tx:
            return tx.ticket(ticket_id).hall

    # ------------------------------------------------------------ the door sign

    def door(self, principal: Principal, hall_id: str, base_url: str) -> dict[str, Any]:
        """Today's door QR address, for the sign a supervisor prints."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        now = self.services.clock()
        with self.services.store.read() as tx:
            hall = tx.hall(hall_id)
        day = hall.business_date(now)
        code = door_code(self.services.id_key(), hall_id, day)
        base = (self.services.settings.public_url or base_url).rstrip("/")
        return {
            "hall": hall.id,
            "hall_name": hall.name,
            "date": day.isoformat(),
            "url": f"{base}/arrive/{hall_id}?k={code}",
        }


def _not_found(message: str) -> NotFound:
    return NotFound(
        message,
        en="no remote place of this hall waits for this holder; check it, or take a ticket",
        code="remote_not_found",
    )


def drop_missed(services: HallServices, hall_id: str, now: datetime) -> int:
    """The day's job: remote places passed over whose grace ended without their
    holders arriving end as no-shows (`remote_rules.grace_over`)."""

    def work(tx: Tx, now: datetime, events: list[Event]) -> int:
        state = services.state(tx, hall_id, now)
        late = grace_over(list(state.waiting.others.values()), state.hall.policy, now)
        for ticket in late:
            services.apply(tx, state, state.end(ticket, TicketAction.DROP, now, DROPPER), events)
        return len(late)

    return services.write(hall_id, work)
