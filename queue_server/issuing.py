"""Issuing tickets, and what their holders do with them: look, cancel (rate: `rating`).

A ticket machine (or a supervisor) asks for a ticket; the request is checked
before any I/O (the ID number parsed and hashed, the green channel proved),
then one change numbers it, works out its estimate once and queues it.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from . import audit, identity
from .access import Principal, Role, require
from .bodies import TicketIn
from .declared_groups import CLAIMED, declared_class
from .desk import new_ticket_id
from .domain import Entry, PriorityClass, Service, Ticket, TicketAction
from .errors import AppointmentOnly, Conflict, DuplicateTicket, Forbidden, InvalidInput, NotFound
from .green_channels import check_claim
from .guide_trees import check_answers
from .hall_state import HallState, new_ticket
from .protocol import Event, TicketStatus
from .store import Tx
from .transactions import Runner, Work
from .views import live_leg, ticket_view

SELF_SERVICE_ACTOR = "holder"

# Green-channel classes no ID number proves: the word of the visitor or of staff.
WORD_CLASSES = frozenset(PriorityClass) - {
    PriorityClass.NORMAL,
    PriorityClass.ELDERLY,
    PriorityClass.MINOR,
}

# The green channels the ID number proves, in the visitor's words.
GREEN_CHANNEL_ZH = {PriorityClass.ELDERLY: "老年人", PriorityClass.MINOR: "未成年人"}


@dataclass(frozen=True, slots=True)
class Stored:
    """What a ticket keeps about its holder: never the ID number itself."""

    id_hash: str | None = None
    id_masked: str | None = None
    idem_key: str | None = None
    appointment_code: str | None = None
    note: str | None = None  # a 导办's pre-check note for the clerk (identity.check_note)
    green_check: str | None = None  # "claimed": a declared group for the clerk to check
    answers: dict[str, str] | None = None  # 办事指引 option ids, checked (guide_trees)


def issuer(principal: Principal) -> str:
    """Who a ticket is `issued_by`: a device's token id, or "staff:<工号>" (token
    ids are hex, so a staff number never reads as a kiosk's: its printer does
    not print a ticket the 导办 issued)."""
    return f"staff:{principal.staff_no}" if principal.staff_no else principal.token_id


def _check_issuer(principal: Principal, hall_id: str, body: TicketIn) -> None:
    """A kiosk, or any staff member of the hall (a 导办 at the entrance, a clerk
    not signed in at a window); only staff add a pre-check note."""
    if principal.staff_no is None:
        require(principal, {Role.KIOSK, Role.SUPERVISOR}, hall=hall_id)
    else:
        require(principal, {Role.CLERK, Role.WINDOW, Role.SUPERVISOR}, hall=hall_id)
    if body.note and principal.staff_no is None:
        raise Forbidden(
            "预审备注只能由登录的工作人员填写",
            en="only a signed-in staff member may add a pre-check note",
            code="note_needs_staff",
        )
    if body.note:
        identity.check_note(body.note)


def _claims(
    specials: Mapping[str, Any],
    body: TicketIn,
    service: str,
    day: date,
    priority: PriorityClass,
    vouched: bool,
) -> tuple[PriorityClass, str | None, str | None]:
    """(class, group, green check) after what the visitor claims: a temporary
    green channel (its group's label), or a declared group that the ID number
    did not already outdo ("claimed": the clerk checks it at the window). A
    class no ID number shows, sent as `priority` by a kiosk rather than vouched
    for by staff, is checked at the window too."""
    group = None
    if body.special is not None:
        group = check_claim(specials, body.special, service, day)
        priority = priority if priority.green_channel else PriorityClass.OTHER
    if body.declared is not None and not priority.green_channel:
        return declared_class(specials, body.declared), group, CLAIMED
    by_word = body.priority in WORD_CLASSES and not vouched
    return priority, group, CLAIMED if by_word else None


class Issuing(Runner):
    def issue_ticket(
        self, principal: Principal, hall_id: str, body: TicketIn, idem_key: str | None
    ) -> tuple[dict[str, Any], bool]:
        """Issue a ticket; (view, created). A repeated Idempotency-Key returns the first."""
        return self.write(hall_id, self.issuing(principal, hall_id, body, idem_key))

    def issuing(
        self, principal: Principal, hall_id: str, body: TicketIn, idem_key: str | None
    ) -> Work[tuple[dict[str, Any], bool]]:
        """Check a ticket request; the change that issues it, for `write` or
        `write_from_loop`. No I/O: safe on the event loop."""
        _check_issuer(principal, hall_id, body)
        service = self.catalogue.service(body.service)
        if idem_key is not None and not (0 < len(idem_key) <= 100 and idem_key.isprintable()):
            raise InvalidInput(
                "Idempotency-Key 应为 1 到 100 个可打印字符",
                en="Idempotency-Key must be 1 to 100 printable characters",
            )
        person = None
        if body.id_number:
            self.catalogue.check_document(service, body.document_type)
            person = identity.parse_document(
                body.document_type, body.id_number, today=self.local_today(self.clock())
            )
        id_hash = identity.keyed_hash(person, self.id_key()) if person else None
        stored = Stored(
            id_hash,
            person.masked if person else None,
            idem_key,
            note=body.note or None,
            answers=body.answers or None,
        )

        def work(tx: Tx, now: datetime, events: list[Event]) -> tuple[dict[str, Any], bool]:
            if idem_key is not None and (first := tx.idempotent(hall_id, idem_key)) is not None:
                return self._again(tx, hall_id, service, first, now), False
            state = self.state(tx, hall_id, now)
            here = state.service(service.code)  # with the hall's own settings
            self._check_offered(state, here)
            check_answers(self.catalogue.guide(service.code, state.hall), stored.answers)
            priority = self._priority(body.priority, person, state.day.date)
            specials = tx.specials(hall_id) if body.special or body.declared else {}
            vouched = principal.role is not Role.KIOSK
            priority, group, check = _claims(
                specials, body, service.code, state.day.date, priority, vouched
            )
            held_as = replace(stored, green_check=check)
            if id_hash is not None and (
                held := tx.active_for_person(hall_id, service.code, id_hash)
            ):
                raise DuplicateTicket(
                    f"您已领取「{service.name}」的号码 {held.number}，请留意叫号，无需重复取号",
                    en=f"this person already holds ticket {held.number} for {service.name}",
                )
            ticket, view = self.new_ticket(
                tx, state, here, priority, now, principal, held_as, events, check_hours=True
            )
            if principal.staff_no is not None:  # a 导办 acting for a visitor
                done = {"service": service.code, "green_channel": ticket.green_channel}
                done |= {"special": group, "note": bool(stored.note)}
                audit.record(
                    tx, principal, hall_id, "ticket.issue_for", ticket.number, after=done, now=now
                )
            return view, True

        return work

    def _again(
        self, tx: Tx, hall_id: str, service: Service, first: tuple[str, str], now: datetime
    ) -> dict[str, Any]:
        """The answer to a retried request: the ticket its key issued first."""
        first_id, first_service = first
        if first_service != service.code:
            raise Conflict(
                "此 Idempotency-Key 已用于另一事项的取号",
                en="this Idempotency-Key was already used for another service",
                code="idempotency_key_reused",
            )
        return self.view_of(self.state(tx, hall_id, now), tx.ticket(first_id), now)

    @staticmethod
    def _check_offered(state: HallState, service: Service) -> None:
        if not state.hall.offers(service.code):
            raise NotFound(
                f"本大厅不办理「{service.name}」，请咨询工作人员",
                en=f"hall {state.hall.id!r} does not offer {service.name} ({service.code})",
                code="service_not_offered",
            )
        if not service.walk_in:
            raise AppointmentOnly(
                f"「{service.name}」需预约办理：请先预约，再到取号机签到",
                en=f"{service.name} is served by appointment only; "
                "book it, then check in at the ticket machine",
            )

    def new_ticket(
        self,
        tx: Tx,
        state: HallState,
        service: Service,
        priority: PriorityClass,
        now: datetime,
        principal: Principal,
        stored: Stored,
        events: list[Event],
        *,
        entry: Entry = Entry.WALK_IN,
        appointment_at: datetime | None = None,
        check_hours: bool = False,
        remote: bool = False,
        actor: str | None = None,
    ) -> tuple[Ticket, dict[str, Any]]:
        """Number, store, record and announce a new waiting ticket (in `tx`);
        the ticket and its holder's view. With `check_hours`, a ticket the hall
        cannot serve before closing is refused. `remote`: 线上取号, taken by `actor`."""
        ticket = new_ticket(
            state,
            service,
            priority,
            now,
            ticket_id=new_ticket_id(),
            entry=entry,
            appointment_at=appointment_at,
            remote=remote,
        )
        # The feed (displays too) says only "staff"; the row keeps the 工号.
        est, move = state.issue(
            ticket,
            now,
            actor or principal.actor,
            check_hours=check_hours,
            issued_by=principal.token_id,
        )
        holder = {
            "id_hash": stored.id_hash,
            "id_masked": stored.id_masked,
            "idem_key": stored.idem_key,
            "issued_by": issuer(principal),
            "appointment_code": stored.appointment_code,
            "note": stored.note,
            "green_check": stored.green_check,
            "answers": stored.answers,
        }
        self.apply(tx, state, move, events, **holder)
        return ticket, self.view_of(state, ticket, now, est)

    @staticmethod
    def _priority(
        claimed: PriorityClass | None, person: identity.Document | None, today: date
    ) -> PriorityClass:
        """Age classes come from the ID number only; other classes are claimed."""
        by_age = identity.age_class(person, today) if person else PriorityClass.NORMAL
        if claimed in (PriorityClass.ELDERLY, PriorityClass.MINOR) and claimed is not by_age:
            raise InvalidInput(
                f"{GREEN_CHANNEL_ZH[claimed]}绿色通道需要能证明年龄的身份证号码",
                en=f"the {claimed.value} green channel needs a resident ID number that shows it",
                code="green_channel_needs_id",
            )
        if claimed is None or claimed is PriorityClass.NORMAL:
            return by_age
        return claimed

    def view_of(
        self, state: HallState, ticket: Ticket, now: datetime, est: Any = None
    ) -> dict[str, Any]:
        """The holder's view of `ticket`, with its status page address."""
        return ticket_view(state, ticket, now, self.settings.public_url, est)

    def ticket_view(self, ticket_id: str) -> dict[str, Any]:
        """The holder's view (no token: the unguessable id is the key)."""
        with self.store.read() as tx:
            ticket, now = live_leg(tx, ticket_id), self.clock()
            return self.view_of(self.state(tx, ticket.hall, now), ticket, now)

    def cancel_ticket(self, ticket_id: str) -> dict[str, Any]:
        """The holder gives up their place (waiting or suspended)."""

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            ticket = live_leg(tx, ticket_id)
            state = self.state(tx, ticket.hall, now)
            ticket = state.tickets.get(ticket.id, ticket)
            self.apply(
                tx, state, state.end(ticket, TicketAction.CANCEL, now, SELF_SERVICE_ACTOR), events
            )
            return {"id": ticket_id, "status": TicketStatus.CANCELLED.value}

        return self.write(self._hall_of(ticket_id), work)

    def _hall_of(self, ticket_id: str) -> str:
        with self.store.read() as tx:
            return tx.ticket(ticket_id).hall

    def issued_since(
        self, principal: Principal, hall_id: str, since_seq: str | None
    ) -> dict[str, Any]:
        """Tickets issued after feed seq `since_seq`: a kiosk's own, or all for a supervisor.

        A ticket machine that lost its feed connection catches up with this, so
        no ticket it issued goes unprinted.
        """
        require(principal, {Role.KIOSK, Role.SUPERVISOR}, hall=hall_id)
        after = _seq_param(since_seq)
        mine = principal.token_id if principal.role is Role.KIOSK else None
        with self.store.read() as tx:
            now = self.clock()
            state = self.state(tx, hall_id, now)
            issued = tx.issued_after(hall_id, after, by=mine, limit=200)
            views = [self.view_of(state, ticket, now) | {"seq": seq} for seq, ticket in issued]
        return {"tickets": views}


def _seq_param(since_seq: str | None) -> int:
    # isdigit() alone takes '²'; a seq past 2^63 fits no database column.
    if since_seq is None or not (since_seq.isascii() and since_seq.isdigit()):
        raise InvalidInput(
            "since_seq 须为整数（播报序号）", en="since_seq must be a whole number (a feed seq)"
        )
    if len(since_seq) > 18:
        raise InvalidInput("since_seq 过大", en="since_seq is too large", code="seq_too_large")
    return int(since_seq)
