"""Use cases: load -> decide (domain) -> save -> publish after commit.

Each public method is one thing a device or a person does. It runs in one
database transaction, retried when a concurrent writer got there first
(StaleState, or a unique index that caught a race), and only after the
commit are its events handed to the feed: a refused or failed change is never
announced, and an announced change is always stored.
"""

import random
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError

from . import catalogue as catalogue_module
from . import identity
from .access import Principal, Role, new_token, require, same_secret, token_hash
from .catalogue import Catalogue
from .domain import (
    Conflict,
    DuplicateTicket,
    Entry,
    Hall,
    InvalidInput,
    NotFound,
    Policy,
    PriorityClass,
    Skills,
    StaleState,
    Ticket,
    TicketAction,
    TicketStatus,
    Unauthorized,
    Window,
    WindowAction,
    apply_ticket,
    apply_window,
    choose_next,
    estimate,
    format_number,
    next_window_state,
)
from .models import (
    FinishIn,
    HallIn,
    PolicyIn,
    RatingIn,
    RatingRow,
    TicketIn,
    TokenIn,
    TokenRow,
    TransferIn,
    WindowIn,
)
from .protocol import (
    TICKET_EVENTS,
    WINDOW_EVENTS,
    EventType,
    announcement,
    local_iso,
    public_ticket,
    public_window,
)
from .settings import Settings
from .stats import day_figures
from .store import Store, Tx

Event = tuple[str, dict[str, Any]]
Publish = Callable[[str, list[dict[str, Any]]], None]
R = TypeVar("R")

MAX_ATTEMPTS = 8
LAST_CALLS = 10
SELF_SERVICE_ACTOR = "holder"


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_ticket_id() -> str:
    """Unguessable: the id is the holder's only key to their ticket's status."""
    return secrets.token_urlsafe(12)


class HallServices:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        catalogue: Catalogue | None = None,
        clock: Callable[[], datetime] = utcnow,
        publish: Publish | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.catalogue = catalogue or catalogue_module.load()
        self.clock = clock
        self.publish = publish or (lambda _hall, _events: None)
        self._id_key: bytes | None = None

    # ------------------------------------------------------------ plumbing

    def _write(self, hall_id: str | None, work: Callable[[Tx, datetime, list[Event]], R]) -> R:
        """Run `work` in a write transaction, retrying races; publish after commit."""
        for attempt in range(MAX_ATTEMPTS):
            events: list[Event] = []
            try:
                with self.store.write() as tx:
                    if hall_id is not None:
                        tx.lock_hall(hall_id)
                    now = self.clock()
                    result = work(tx, now, events)
                    rows = tx.append_events(hall_id, events, now) if hall_id else []
            except (StaleState, IntegrityError):
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # de-synchronise retries
                continue
            if rows:
                self.publish(
                    hall_id or "", [_event_message(r.seq, r.type, r.data, r.at) for r in rows]
                )
            return result
        raise Conflict("the hall is very busy and this change kept colliding; please retry")

    def id_key(self) -> bytes:
        if self._id_key is None:
            key = self.settings.secret_key
            if key is None:
                with self.store.write() as tx:
                    key = tx.set_meta_once("id_hash_key", secrets.token_hex(32))
            self._id_key = key.encode()
        return self._id_key

    # ------------------------------------------------------------ access

    def authenticate(self, authorization: str | None) -> Principal:
        if not authorization or not authorization.startswith("Bearer "):
            raise Unauthorized("send 'Authorization: Bearer <token>'; ask an admin for a token")
        token = authorization.removeprefix("Bearer ").strip()
        if self.settings.admin_token and same_secret(token, self.settings.admin_token):
            return Principal(Role.ADMIN)
        with self.store.read() as tx:
            row = tx.token(token_hash(token))
        if row is None:
            raise Unauthorized("this token is unknown or was revoked")
        return Principal(Role(row.role), hall=row.hall_id, window=row.window, token_id=row.id)

    def create_token(self, principal: Principal, body: TokenIn) -> dict[str, Any]:
        require(principal, set())
        return self.issue_token(Role(body.role), body.hall, body.window, body.label)

    def issue_token(
        self, role: Role, hall_id: str | None, window: int | None, label: str = ""
    ) -> dict[str, Any]:
        if role is not Role.ADMIN and hall_id is None:
            raise InvalidInput(f"a {role.value} token needs a hall")
        if role is Role.WINDOW and window is None:
            raise InvalidInput("a window token needs a window number")
        if role is not Role.WINDOW and window is not None:
            raise InvalidInput("only a window token takes a window number")
        token = new_token()

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            if hall_id is not None:
                tx.hall(hall_id)
            if window is not None and hall_id is not None:
                tx.window(hall_id, window)
            row = TokenRow(
                id=secrets.token_hex(4),
                token_hash=token_hash(token),
                role=role.value,
                hall_id=hall_id,
                window=window,
                label=label,
                created_at=now,
            )
            tx.add_token(row)
            return {
                "token": token,
                "id": row.id,
                "role": role.value,
                "hall": hall_id,
                "window": window,
                "label": label,
            }

        return self._write(None, work)

    def revoke_labelled_tokens(self, hall_id: str, label: str) -> int:
        return self._write(None, lambda tx, _now, _ev: tx.delete_tokens(hall_id, label))

    # ------------------------------------------------------------ halls and windows

    def create_hall(self, principal: Principal, body: HallIn) -> dict[str, Any]:
        require(principal, set())
        timezone = body.timezone or self.settings.timezone
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(f"unknown time zone {timezone!r} (e.g. Asia/Shanghai)") from None
        if body.services is not None and (bad := self.catalogue.unknown(body.services)):
            raise InvalidInput(f"unknown services: {', '.join(bad)}")
        hall = Hall(
            id=body.id,
            name=body.name,
            timezone=timezone,
            services=frozenset(body.services) if body.services is not None else None,
        )

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            if tx.hall_exists(hall.id):
                raise Conflict(f"hall {hall.id!r} already exists")
            tx.add_hall(hall, now)
            return self._hall_view(tx, hall.id)

        return self._write(None, work)

    def set_policy(self, principal: Principal, hall_id: str, body: PolicyIn) -> dict[str, Any]:
        require(principal, set())

        def work(tx: Tx, _now: datetime, _events: list[Event]) -> dict[str, Any]:
            current = tx.hall(hall_id).policy
            merged = replace(current, **body.model_dump(exclude_none=True))
            tx.set_policy(hall_id, _policy_dict(merged))
            return _policy_dict(merged)

        return self._write(hall_id, work)

    def hall_view(self, principal: Principal, hall_id: str) -> dict[str, Any]:
        require(principal, set(Role), hall=hall_id)
        with self.store.read() as tx:
            return self._hall_view(tx, hall_id)

    def _hall_view(self, tx: Tx, hall_id: str) -> dict[str, Any]:
        hall = tx.hall(hall_id)
        offered = [s for s in self.catalogue.services.values() if hall.offers(s.code)]
        return {
            "id": hall.id,
            "name": hall.name,
            "timezone": hall.timezone,
            "policy": _policy_dict(hall.policy),
            "services": [s.code for s in offered],
            "categories": sorted({s.category for s in offered}),
            "windows": [self._window_config(w) for w in tx.windows(hall_id)],
        }

    @staticmethod
    def _window_config(window: Window) -> dict[str, Any]:
        skills = window.skills
        return {
            "number": window.number,
            "label": window.label,
            "services": "all" if skills.accepts_all else sorted(skills.services),
            "categories": sorted(skills.categories),
            "lane": window.lane.value,
            "state": window.state.value,
        }

    def put_window(
        self, principal: Principal, hall_id: str, number: int, body: WindowIn
    ) -> dict[str, Any]:
        require(principal, set())
        if not 1 <= number <= 999:
            raise InvalidInput("window numbers run from 1 to 999")
        skills = self._skills(body)

        def work(tx: Tx, _now: datetime, events: list[Event]) -> dict[str, Any]:
            tx.hall(hall_id)
            try:
                window = replace(
                    tx.window(hall_id, number), label=body.label, skills=skills, lane=body.lane
                )
            except NotFound:
                window = Window(
                    hall=hall_id, number=number, label=body.label, skills=skills, lane=body.lane
                )
            tx.put_window(window)
            config = self._window_config(window)
            events.append((EventType.WINDOW_UPDATED, {"window": config}))
            return config

        return self._write(hall_id, work)

    def _skills(self, body: WindowIn) -> Skills:
        if body.services == "all" or (body.services is None and body.categories is None):
            return Skills(accepts_all=True)
        services = body.services or []
        categories = body.categories or []
        if bad := self.catalogue.unknown(services, categories):
            raise InvalidInput(f"unknown services or categories: {', '.join(bad)}")
        if not services and not categories:
            raise InvalidInput("a window must accept something: give services, categories or 'all'")
        return Skills(
            accepts_all=False, services=frozenset(services), categories=frozenset(categories)
        )

    # ------------------------------------------------------------ tickets

    def issue_ticket(
        self, principal: Principal, hall_id: str, body: TicketIn, idem_key: str | None
    ) -> tuple[dict[str, Any], bool]:
        """Issue a ticket; (view, created). A repeated Idempotency-Key returns the first."""
        require(principal, {Role.KIOSK, Role.SUPERVISOR}, hall=hall_id)
        service = self.catalogue.service(body.service)
        if idem_key is not None and not (0 < len(idem_key) <= 100 and idem_key.isprintable()):
            raise InvalidInput("Idempotency-Key must be 1 to 100 printable characters")
        now = self.clock()
        person = None
        if body.id_number:
            person = identity.parse_resident_id(body.id_number, today=now.date())
        id_hash = identity.keyed_hash(person, self.id_key()) if person else None

        def work(tx: Tx, now: datetime, events: list[Event]) -> tuple[dict[str, Any], bool]:
            hall = tx.hall(hall_id)
            if idem_key is not None and (row := tx.idempotent(hall_id, idem_key)) is not None:
                if row.service != service.code:
                    raise Conflict("this Idempotency-Key was already used for another service")
                return self._ticket_view(tx, tx.ticket(row.id)), False
            if not hall.offers(service.code):
                raise NotFound(f"hall {hall_id!r} does not offer {service.name} ({service.code})")
            today = hall.business_date(now)
            priority = self._priority(body.priority, person, today)
            if id_hash is not None and (
                held := tx.active_for_person(hall_id, service.code, id_hash)
            ):
                raise DuplicateTicket(
                    f"this person already holds ticket {held.number} for {service.name}"
                )
            sequence = tx.next_number(hall_id, today, service.prefix)
            ticket = Ticket(
                id=new_ticket_id(),
                hall=hall_id,
                business_date=today,
                number=format_number(service.prefix, sequence),
                service=service.code,
                category=service.category,
                priority=priority,
                status=TicketStatus.WAITING,
                arrived_at=now,
                issued_at=now,
            )
            tx.add_ticket(
                ticket,
                id_hash=id_hash,
                id_masked=person.masked if person else None,
                idem_key=idem_key,
                issued_by=principal.token_id,
            )
            tx.record(ticket, "issue", None, now, principal.actor)
            view = self._ticket_view(tx, ticket)
            events.append(
                (
                    EventType.TICKET_ISSUED,
                    {
                        "ticket": public_ticket(ticket, service)
                        | {"issued_by": principal.token_id},
                        "position": view["position"],
                        "estimated_wait_s": view["estimated_wait_s"],
                    },
                )
            )
            return view, True

        return self._write(hall_id, work)

    @staticmethod
    def _priority(
        claimed: PriorityClass | None, person: identity.ResidentId | None, today: date
    ) -> PriorityClass:
        """Age classes come from the ID number only; other classes are claimed."""
        by_age = identity.age_class(person, today) if person else PriorityClass.NORMAL
        if claimed in (PriorityClass.ELDERLY, PriorityClass.MINOR) and claimed is not by_age:
            raise InvalidInput(
                f"the {claimed.value} green channel needs a resident ID number that shows it"
            )
        if claimed is None or claimed is PriorityClass.NORMAL:
            return by_age
        return claimed

    def ticket_view(self, ticket_id: str) -> dict[str, Any]:
        """The holder's view (no token: the unguessable id is the key)."""
        with self.store.read() as tx:
            return self._ticket_view(tx, self._live_leg(tx, ticket_id))

    @staticmethod
    def _live_leg(tx: Tx, ticket_id: str) -> Ticket:
        """Follow transfers from the id on the paper to the leg that is live now."""
        row = tx.ticket_row(ticket_id)
        for _ in range(50):
            if row.transferred_to is None:
                break
            row = tx.ticket_row(row.transferred_to)
        return tx.ticket(row.id)

    def _ticket_view(self, tx: Tx, ticket: Ticket) -> dict[str, Any]:
        hall = tx.hall(ticket.hall)
        service = self.catalogue.service(ticket.service)
        now = self.clock()
        est = estimate(
            ticket,
            tx.waiting(hall.id),
            tx.windows(hall.id),
            self._handling(tx, hall, now),
            hall.policy,
            now,
        )
        zone = hall.zone
        return {
            "id": ticket.id,
            "hall": hall.id,
            "hall_name": hall.name,
            "number": ticket.number,
            "service": service.code,
            "service_name": service.name,
            "materials": list(service.materials),
            "green_channel": ticket.green_channel,
            "status": ticket.status.value,
            "position": est.position,
            "estimated_wait_s": est.wait_s,
            "window": ticket.window
            if ticket.status in (TicketStatus.CALLED, TicketStatus.SERVING)
            else None,
            "issued_at": local_iso(ticket.issued_at, zone),
            "called_at": local_iso(ticket.called_at, zone),
        }

    def _handling(self, tx: Tx, hall: Hall, now: datetime) -> dict[str, float]:
        means = {code: s.minutes * 60.0 for code, s in self.catalogue.services.items()}
        return means | tx.handling_means(hall.id, hall.business_date(now))

    def cancel_ticket(self, ticket_id: str) -> dict[str, Any]:
        """The holder gives up their place (waiting or suspended)."""

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            ticket = self._live_leg(tx, ticket_id)
            self._ticket_step(tx, ticket, TicketAction.CANCEL, now, SELF_SERVICE_ACTOR, events)
            return {"id": ticket_id, "status": TicketStatus.CANCELLED.value}

        hall_id = self._hall_of(ticket_id)
        return self._write(hall_id, work)

    def rate(self, ticket_id: str, body: RatingIn) -> dict[str, Any]:
        """The visitor's evaluation (评价), once, after the service is done."""

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            ticket = self._live_leg(tx, ticket_id)
            if ticket.status is not TicketStatus.DONE:
                raise Conflict(
                    f"ticket {ticket.number} is {ticket.status.value}; "
                    "it can be rated once its service is finished"
                )
            if tx.rating(ticket.id) is not None:
                raise Conflict(f"ticket {ticket.number} has already been rated")
            tx.add_rating(
                RatingRow(
                    ticket_id=ticket.id,
                    hall_id=ticket.hall,
                    business_date=ticket.business_date,
                    window=ticket.window,
                    score=body.score,
                    comment=body.comment,
                    at=now,
                )
            )
            events.append(
                (
                    EventType.TICKET_RATED,
                    {"number": ticket.number, "window": ticket.window, "score": body.score},
                )
            )
            return {"id": ticket_id, "score": body.score}

        return self._write(self._hall_of(ticket_id), work)

    def _hall_of(self, ticket_id: str) -> str:
        with self.store.read() as tx:
            return tx.ticket(ticket_id).hall

    # ------------------------------------------------------------ windows at work

    def window_action(
        self, principal: Principal, hall_id: str, number: int, action: str, body: Any
    ) -> dict[str, Any] | None:
        """One clerk action on window `number`; None when call-next finds nobody."""
        require(principal, {Role.WINDOW, Role.SUPERVISOR}, hall=hall_id, window=number)
        actor = principal.actor

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any] | None:
            window = tx.window(hall_id, number)
            match action:
                case "open" | "pause" | "resume" | "close":
                    window = self._window_step(tx, window, WindowAction(action), now, events)
                    return self._window_view(tx, window)
                case "call-next":
                    return self._call(tx, window, None, now, actor, events)
                case "call":
                    return self._call(tx, window, body.ticket, now, actor, events)
                case "recall" | "start" | "no-show" | "suspend":
                    return self._on_current(tx, window, action, now, actor, events)
                case "finish":
                    return self._on_current(tx, window, action, now, actor, events, body)
                case "transfer":
                    return self._transfer(tx, window, body, now, actor, events)
                case "resume-ticket":
                    return self._resume(tx, window, body.ticket, now, actor, events)
            raise NotFound(f"unknown window action {action!r}")

        return self._write(hall_id, work)

    def _window_step(
        self,
        tx: Tx,
        window: Window,
        action: WindowAction,
        now: datetime,
        events: list[Event],
        ticket_id: str | None = None,
    ) -> Window:
        window = tx.save_window(apply_window(window, action, now=now, ticket_id=ticket_id))
        if action in WINDOW_EVENTS:
            events.append(
                (
                    WINDOW_EVENTS[action],
                    {"window": public_window(window, None, tx.hall(window.hall).zone)},
                )
            )
        return window

    def _ticket_step(
        self,
        tx: Tx,
        ticket: Ticket,
        action: TicketAction,
        now: datetime,
        actor: str,
        events: list[Event],
        *,
        window: int | None = None,
        outcome: str | None = None,
        transferred_to: str | None = None,
    ) -> Ticket:
        policy = tx.hall(ticket.hall).policy
        before = ticket.status
        changed = apply_ticket(
            ticket, action, now=now, window=window, policy=policy, outcome=outcome
        )
        changed = tx.save_ticket(changed, transferred_to=transferred_to)
        tx.record(changed, action.value, before, now, actor)
        data: dict[str, Any] = {
            "ticket": public_ticket(changed, self.catalogue.service(changed.service))
        }
        if action in (TicketAction.CALL, TicketAction.RECALL) and changed.window is not None:
            data |= {
                "window": changed.window,
                "announcement": announcement(changed.number, changed.window),
            }
        events.append((TICKET_EVENTS[action], data))
        return changed

    def _call(
        self,
        tx: Tx,
        window: Window,
        wanted: str | None,
        now: datetime,
        actor: str,
        events: list[Event],
    ) -> dict[str, Any] | None:
        hall = tx.hall(window.hall)
        next_window_state(window, WindowAction.CALL)  # a busy window is refused first
        if wanted is None:
            ticket = choose_next(tx.waiting(hall.id), window, hall.policy, now)
            if ticket is None:
                return None
        else:
            ticket = self._find(tx, hall, wanted, now)
            if ticket.status is not TicketStatus.WAITING:
                raise Conflict(f"ticket {ticket.number} is {ticket.status.value}, not waiting")
            if not window.accepts(ticket):
                raise Conflict(
                    f"window {window.number} does not take ticket {ticket.number} "
                    f"({self.catalogue.service(ticket.service).name})"
                )
        ticket = self._ticket_step(
            tx, ticket, TicketAction.CALL, now, actor, events, window=window.number
        )
        window = self._window_step(tx, window, WindowAction.CALL, now, events, ticket.id)
        return self._window_view(tx, window, ticket)

    def _find(self, tx: Tx, hall: Hall, wanted: str, now: datetime) -> Ticket:
        """A ticket of this hall by id, or by today's number (A023)."""
        try:
            ticket = tx.ticket(wanted)
        except NotFound:
            return tx.ticket_by_number(hall.id, hall.business_date(now), wanted.upper())
        if ticket.hall != hall.id:
            raise NotFound(f"unknown ticket {wanted!r}")
        return ticket

    def _current(self, tx: Tx, window: Window) -> Ticket:
        if window.ticket_id is None:
            raise Conflict(
                f"window {window.number} is {window.state.value} with no ticket; call one first"
            )
        return tx.ticket(window.ticket_id)

    def _on_current(
        self,
        tx: Tx,
        window: Window,
        action: str,
        now: datetime,
        actor: str,
        events: list[Event],
        body: FinishIn | None = None,
    ) -> dict[str, Any]:
        waction = WindowAction(action)
        next_window_state(window, waction)  # the window's state decides first
        ticket = self._current(tx, window)
        ticket = self._ticket_step(
            tx,
            ticket,
            TicketAction(action),
            now,
            actor,
            events,
            outcome=body.outcome if body else None,
        )
        window = self._window_step(tx, window, waction, now, events)
        return self._window_view(tx, window, ticket)

    def _transfer(
        self,
        tx: Tx,
        window: Window,
        body: TransferIn,
        now: datetime,
        actor: str,
        events: list[Event],
    ) -> dict[str, Any]:
        next_window_state(window, WindowAction.TRANSFER)
        ticket = self._current(tx, window)
        hall = tx.hall(window.hall)
        if body.service is None and body.window is None:
            raise InvalidInput("transfer needs a service or a window (or both)")
        service = self.catalogue.service(body.service or ticket.service)
        if not hall.offers(service.code):
            raise InvalidInput(f"hall {hall.id!r} does not offer {service.name}")
        leg = Ticket(
            id=new_ticket_id(),
            hall=hall.id,
            business_date=ticket.business_date,
            number=ticket.number,
            service=service.code,
            category=service.category,
            priority=ticket.priority,
            status=TicketStatus.WAITING,
            entry=Entry.TRANSFER,
            arrived_at=ticket.arrived_at,
            issued_at=now,
            directed_window=body.window,
            parent_id=ticket.id,
        )
        if body.window is not None:
            target = tx.window(hall.id, body.window)
            if target.number == window.number:
                raise InvalidInput("transfer to another window, not to this one")
            if not target.accepts(leg):
                raise InvalidInput(f"window {target.number} does not accept {service.name}")
        old = self._ticket_step(
            tx, ticket, TicketAction.TRANSFER, now, actor, events, transferred_to=leg.id
        )
        row = tx.ticket_row(ticket.id)
        tx.add_ticket(leg, id_hash=row.id_hash, id_masked=row.id_masked, issued_by=row.issued_by)
        tx.record(leg, "transfer-in", None, now, actor)
        events[-1][1]["to"] = public_ticket(leg, service)
        window = self._window_step(tx, window, WindowAction.TRANSFER, now, events)
        return self._window_view(tx, window, old) | {"new_ticket": self._ticket_view(tx, leg)}

    def _resume(
        self,
        tx: Tx,
        window: Window,
        wanted: str,
        now: datetime,
        actor: str,
        events: list[Event],
    ) -> dict[str, Any]:
        hall = tx.hall(window.hall)
        ticket = self._find(tx, hall, wanted, now)
        ticket = self._ticket_step(tx, ticket, TicketAction.RESUME, now, actor, events)
        return self._window_view(tx, window) | {"resumed": self._ticket_view(tx, ticket)}

    def _window_view(self, tx: Tx, window: Window, ticket: Ticket | None = None) -> dict[str, Any]:
        """What the clerk's console shows: the window and its ticket (ID masked)."""
        current = ticket or (tx.ticket(window.ticket_id) if window.ticket_id else None)
        view: dict[str, Any] = {
            "window": public_window(
                window,
                current.number if current and window.ticket_id else None,
                tx.hall(window.hall).zone,
            )
        }
        if current is not None:
            service = self.catalogue.service(current.service)
            row = tx.ticket_row(current.id)
            view["ticket"] = public_ticket(current, service) | {
                "materials": list(service.materials),
                "id_masked": row.id_masked,
                "waited_s": round(
                    ((current.first_called_at or self.clock()) - current.arrived_at).total_seconds()
                ),
                "entry": current.entry.value,
            }
        return view

    # ------------------------------------------------------------ board and figures

    def board(self, principal: Principal, hall_id: str) -> dict[str, Any]:
        require(principal, set(Role), hall=hall_id)
        with self.store.read() as tx:
            return self.snapshot(tx, hall_id)

    def snapshot(self, tx: Tx, hall_id: str) -> dict[str, Any]:
        """The display's whole board and the seq it reflects; no personal data."""
        hall = tx.hall(hall_id)
        now = self.clock()
        seq = tx.last_seq(hall_id)
        active = tx.tickets_with_status(
            hall_id, [TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING]
        )
        numbers = {t.id: t.number for t in active}
        calling = sorted(
            (t for t in active if t.status is TicketStatus.CALLED),
            key=lambda t: t.called_at or now,
            reverse=True,
        )
        waiting = [t for t in active if t.status is TicketStatus.WAITING]
        counts: dict[str, int] = {code: 0 for code in self.catalogue.categories}
        for t in waiting:
            counts[t.category] += 1
        last = tx.recently_called(hall_id, hall.business_date(now), LAST_CALLS)
        return {
            "seq": seq,
            "hall": {"id": hall.id, "name": hall.name, "timezone": hall.timezone},
            "now_calling": [self._call_entry(t, hall.zone) for t in calling],
            "last_calls": [self._call_entry(t, hall.zone) for t in last],
            "waiting": {
                "total": len(waiting),
                "green_channel": sum(1 for t in waiting if t.green_channel),
                "by_category": [
                    {"category": c, "name": self.catalogue.categories[c].name, "count": n}
                    for c, n in counts.items()
                ],
            },
            "windows": [
                public_window(w, numbers.get(w.ticket_id or ""), hall.zone)
                for w in tx.windows(hall_id)
            ],
        }

    def _call_entry(self, ticket: Ticket, zone: tzinfo) -> dict[str, Any]:
        return {
            "number": ticket.number,
            "window": ticket.window,
            "green_channel": ticket.green_channel,
            "service_name": self.catalogue.service(ticket.service).name,
            "called_at": local_iso(ticket.called_at, zone),
        }

    def stats(self, principal: Principal, hall_id: str, day: str | None) -> dict[str, Any]:
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            try:
                when = date.fromisoformat(day) if day else hall.business_date(self.clock())
            except ValueError:
                raise InvalidInput(f"date must look like 2026-11-25, not {day!r}") from None
            tickets = tx.day_tickets(hall_id, when)
            ratings = [r.score for r in tx.day_ratings(hall_id, when)]
            steps = tx.day_steps(hall_id, when)
        figures = day_figures(tickets, self.catalogue.services, ratings, steps)
        return {"hall": hall_id, "date": when.isoformat()} | figures


def _policy_dict(policy: Policy) -> dict[str, int]:
    return asdict(policy)


def _event_message(seq: int, kind: str, data: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {"type": kind, "seq": seq, "at": at.isoformat(), "data": data}
