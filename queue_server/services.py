"""Use cases: load -> decide (domain) -> save -> publish after commit.

Each public method is one thing a device or a person does. It runs in one
database transaction, retried when a concurrent writer got there first
(StaleState, or a unique index that caught a race), and only after the
commit are its events handed to the feed: a refused or failed change is never
announced, and an announced change is always stored. Changes to one hall that
queue up together share a transaction (group commit), each in its own
savepoint: one refused change leaves the others of its batch alone.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError

from . import catalogue as catalogue_module
from . import export, identity
from .access import Principal, Role, require
from .catalogue import Catalogue
from .clerk import Desk, new_ticket_id
from .domain import (
    Entry,
    Hall,
    Policy,
    PriorityClass,
    Service,
    Skills,
    Ticket,
    TicketAction,
    Window,
    format_number,
    ticket_status_zh,
)
from .errors import AppointmentOnly, Conflict, DuplicateTicket, InvalidInput, NotFound, StaleState
from .estimate import admit, estimate
from .group_commit import GroupCommit, Job, LoopBatches
from .hours import HoursError, hours_json, parse_hours
from .id_key import load_id_key
from .models import (
    AlertAckRow,
    AlertRow,
    DeviceRow,
    DeviceStatusIn,
    HallIn,
    HoursIn,
    PolicyIn,
    RatingIn,
    RatingRow,
    TicketIn,
    WindowIn,
)
from .protocol import Event, EventType, TicketStatus
from .public import local_iso, public_device, public_ticket, public_window
from .settings import Settings
from .stats import day_figures
from .store import Store, Tx
from .tokens import Tokens
from .views import (
    alert_view,
    board_snapshot,
    handling_means,
    live_leg,
    ticket_view,
    waiting_counts,
    window_view,
)

Notify = Callable[[str, int], None]  # (hall, last seq) after a commit
R = TypeVar("R")
Work = Callable[[Tx, datetime, list[Event]], R]  # a change, run inside a hall's transaction

MAX_ATTEMPTS = 8
SELF_SERVICE_ACTOR = "holder"


# The green channels the ID number proves, in the visitor's words.
GREEN_CHANNEL_ZH = {PriorityClass.ELDERLY: "老年人", PriorityClass.MINOR: "未成年人"}


@dataclass(frozen=True, slots=True)
class Stored:
    """What a ticket keeps about its holder: never the ID number itself."""

    id_hash: str | None = None
    id_masked: str | None = None
    idem_key: str | None = None
    appointment_code: str | None = None


def utcnow() -> datetime:
    return datetime.now(UTC)


class HallServices:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        catalogue: Catalogue | None = None,
        clock: Callable[[], datetime] = utcnow,
        notify: Notify | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.catalogue = catalogue or catalogue_module.load()
        self.clock = clock
        self.notify = notify or (lambda _hall, _seq: None)
        self._id_key: bytes | None = None
        self.tokens = Tokens(store, settings, self.write, clock)
        self._commits = GroupCommit(self._run_batch)
        self._loop_batches = LoopBatches(self._run_batch)

    # ------------------------------------------------------------ plumbing

    async def write_from_loop(self, hall_id: str, work: Work[R]) -> R:
        """`write` for the event loop: the caller waits on the loop, not in a thread
        of its own, and one thread runs each batch (the kiosks' hot path)."""
        result: R = await self._loop_batches.submit(hall_id, work)
        return result

    def write(self, hall_id: str | None, work: Work[R]) -> R:
        """Run `work` in a write transaction, retrying races; publish after commit.

        A change to a hall may share its transaction with others queued for
        the same hall (see `_run_batch`)."""
        if hall_id is not None:
            result: R = self._commits.submit(hall_id, work)
            return result
        for attempt in range(MAX_ATTEMPTS):
            try:
                with self.store.write() as tx:
                    return work(tx, self.clock(), [])
            except IntegrityError:
                if attempt >= 1:
                    raise
        raise collided()

    def _run_batch(self, hall_id: str, jobs: list[Job]) -> None:
        """Run the queued changes to one hall in one transaction; settle each job
        after the commit, then ring the feed once."""
        for attempt in range(MAX_ATTEMPTS):
            outcomes: list[tuple[Any, BaseException | None]] = []
            last_seq = None
            try:
                with self.store.write() as tx:
                    tx.lock_hall(hall_id)
                    for job in jobs:
                        result, error, seq = self._run_job(tx, hall_id, job)
                        outcomes.append((result, error))
                        last_seq = seq or last_seq
            except (IntegrityError, StaleState):
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # de-synchronise retries
                continue
            for job, (result, error) in zip(jobs, outcomes, strict=True):
                if error is not None:
                    job.fail(error)
                else:
                    job.succeed(result)
            if last_seq is not None:
                self.notify(hall_id, last_seq)
            return
        busy = collided()
        for job in jobs:
            job.fail(busy)

    def _run_job(
        self, tx: Tx, hall_id: str, job: Job
    ) -> tuple[Any, BaseException | None, int | None]:
        """(result, error, last seq) of one change, in its own savepoint."""
        for attempt in range(MAX_ATTEMPTS):
            events: list[Event] = []
            try:
                with tx.savepoint():
                    now = self.clock()
                    result = job.work(tx, now, events)
                    seq = self._append_events(tx, hall_id, events, now)
                return result, None, seq
            except IntegrityError as error:
                # A unique index caught a twin (same idempotency key, same
                # person) committed meanwhile: the retry sees it and answers.
                if attempt >= 1:
                    return None, error, None
            except StaleState:
                continue
            except Exception as error:  # a refusal (QueueError) or a bug: this job's alone
                return None, error, None
        return None, collided(), None

    def _append_events(
        self, tx: Tx, hall_id: str, events: list[Event], now: datetime
    ) -> int | None:
        """Store the events with the hall's next seqs; the last seq, or None if none."""
        if not events:
            return None
        # Every event carries the queue's counts after the change, so a display
        # never has to add and subtract, and cannot drift.
        counts = waiting_counts(tx, self.catalogue, hall_id)
        return tx.append_events(hall_id, events, {"waiting": counts}, now)

    def local_today(self, now: datetime) -> date:
        """Today in the server's default time zone (a birth date may not be after it)."""
        return now.astimezone(ZoneInfo(self.settings.timezone)).date()

    def window_view(self, principal: Principal, hall_id: str, number: int) -> dict[str, Any]:
        """The clerk's view of a window, for a console that opens while it is busy."""
        require(principal, {Role.WINDOW, Role.SUPERVISOR}, hall=hall_id, window=number)
        with self.store.read() as tx:
            return window_view(tx, self.catalogue, tx.window(hall_id, number), self.clock())

    def alerts(self, principal: Principal, hall_id: str, day: str | None) -> dict[str, Any]:
        """The day's alerts (超时预警), oldest first, each with whether and by whom it
        was acknowledged: a console opened after they fired shows them all."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            when = _day(day, hall, self.clock())
            rows = tx.day_alerts(hall_id, when)
            acks = tx.alert_acks(hall_id, [r.public_id for r in rows])
        # Alerts raised in one run share a time: then by ticket number or category.
        rows.sort(key=lambda r: (r.at, str(r.data.get("number") or r.data.get("category"))))
        return {
            "hall": hall_id,
            "date": when.isoformat(),
            "alerts": [alert_view(r, acks.get(r.public_id), hall.zone) for r in rows],
        }

    def ack_alert(self, principal: Principal, hall_id: str, alert_id: str) -> dict[str, Any]:
        """A supervisor has seen to an alert: recorded once (who, when) and announced
        (`alert.acked`) so every console drops it from its open alerts. Acknowledging
        it again answers the first acknowledgement and changes nothing."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            hall = tx.hall(hall_id)
            row = _find_alert(tx, hall_id, alert_id)
            ack = tx.alert_acks(hall_id, [alert_id]).get(alert_id)
            if ack is None:
                ack = AlertAckRow(
                    hall_id=hall_id,
                    alert_id=alert_id,
                    by=principal.actor,
                    by_label=principal.label or principal.role.value,
                    at=now,
                )
                tx.add_alert_ack(ack)
                # Who acknowledged stays with the supervisors (GET …/alerts): the
                # feed also reaches displays, and a token's label may name a person.
                view = alert_view(row, ack, hall.zone)
                view["acked"] = {"at": view["acked"]["at"]}
                events.append(Event(EventType.ALERT_ACKED, {"alert": view}))
            return alert_view(row, ack, hall.zone)

        return self.write(hall_id, work)

    def id_key(self) -> bytes:
        """The ID-number hash key: from the settings or a file, never the database."""
        if self._id_key is None:
            self._id_key = load_id_key(self.settings, self.store)
        return self._id_key

    # ------------------------------------------------------------ halls and windows

    def create_hall(self, principal: Principal, body: HallIn) -> dict[str, Any]:
        require(principal, set())
        timezone = body.timezone or self.settings.timezone
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: 'Asia' is a folder
            raise InvalidInput(
                f"未知时区 {timezone[:64]!r}（例如 Asia/Shanghai）",
                en=f"unknown time zone {timezone[:64]!r} (e.g. Asia/Shanghai)",
            ) from None
        if body.services is not None and (bad := self.catalogue.unknown(body.services)):
            raise InvalidInput(
                f"没有这些事项编码：{', '.join(bad)}", en=f"unknown services: {', '.join(bad)}"
            )
        hall = Hall(
            id=body.id,
            name=body.name,
            timezone=timezone,
            services=frozenset(body.services) if body.services is not None else None,
        )

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            if tx.hall_exists(hall.id):
                raise Conflict(
                    f"大厅「{hall.id}」已存在",
                    en=f"hall {hall.id!r} already exists",
                    code="hall_exists",
                )
            tx.add_hall(hall, now)
            return self._hall_view(tx, hall.id)

        return self.write(None, work)

    def set_policy(self, principal: Principal, hall_id: str, body: PolicyIn) -> dict[str, Any]:
        require(principal, set())

        def work(tx: Tx, _now: datetime, _events: list[Event]) -> dict[str, Any]:
            current = tx.hall(hall_id).policy
            merged = replace(current, **body.model_dump(exclude_none=True))
            tx.set_policy(hall_id, _policy_dict(merged))
            return _policy_dict(merged)

        return self.write(hall_id, work)

    def set_hours(self, principal: Principal, hall_id: str, body: HoursIn) -> dict[str, Any]:
        """Weekly sessions and closed dates, in the hall's time zone."""
        require(principal, set())
        try:
            hours = hours_json(parse_hours(body.weekly, body.closed_dates))
        except HoursError as exc:
            raise InvalidInput(str(exc), en=exc.en) from None

        def work(tx: Tx, _now: datetime, _events: list[Event]) -> dict[str, Any]:
            tx.set_hours(hall_id, hours)
            return hours

        return self.write(hall_id, work)

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
            "hours": hours_json(hall.hours),
            **_opening_now(hall, self.clock()),
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
            raise InvalidInput("窗口号应在 1 到 999 之间", en="window numbers run from 1 to 999")
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
            # The feed gets the window as every window event carries it (the
            # skills are for GET /api/halls/{hall}); the caller, its configuration.
            held = tx.ticket(window.ticket_id).number if window.ticket_id else None
            shown = public_window(window, held, tx.hall(hall_id).zone)
            events.append(Event(EventType.WINDOW_UPDATED, {"window": shown}))
            return self._window_config(window)

        return self.write(hall_id, work)

    def _skills(self, body: WindowIn) -> Skills:
        if body.services == "all" or (body.services is None and body.categories is None):
            return Skills(accepts_all=True)
        services = body.services or []
        categories = body.categories or []
        if bad := self.catalogue.unknown(services, categories):
            raise InvalidInput(
                f"没有这些事项或类别：{', '.join(bad)}",
                en=f"unknown services or categories: {', '.join(bad)}",
            )
        if not services and not categories:
            raise InvalidInput(
                "窗口至少要办理一项业务：请给出事项、类别或 'all'",
                en="a window must accept something: give services, categories or 'all'",
            )
        return Skills(
            accepts_all=False, services=frozenset(services), categories=frozenset(categories)
        )

    # ------------------------------------------------------------ tickets

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
        require(principal, {Role.KIOSK, Role.SUPERVISOR}, hall=hall_id)
        service = self.catalogue.service(body.service)
        if idem_key is not None and not (0 < len(idem_key) <= 100 and idem_key.isprintable()):
            raise InvalidInput(
                "Idempotency-Key 应为 1 到 100 个可打印字符",
                en="Idempotency-Key must be 1 to 100 printable characters",
            )
        now = self.clock()
        person = None
        if body.id_number:
            self.catalogue.check_document(service, body.document_type)
            person = identity.parse_document(
                body.document_type, body.id_number, today=self.local_today(now)
            )
        id_hash = identity.keyed_hash(person, self.id_key()) if person else None

        def work(tx: Tx, now: datetime, events: list[Event]) -> tuple[dict[str, Any], bool]:
            hall = tx.hall(hall_id)
            if idem_key is not None and (first := tx.idempotent(hall_id, idem_key)) is not None:
                first_id, first_service = first
                if first_service != service.code:
                    raise Conflict(
                        "此 Idempotency-Key 已用于另一事项的取号",
                        en="this Idempotency-Key was already used for another service",
                        code="idempotency_key_reused",
                    )
                return self.view_of(tx, tx.ticket(first_id), now), False
            if not hall.offers(service.code):
                raise NotFound(
                    f"本大厅不办理「{service.name}」，请咨询工作人员",
                    en=f"hall {hall_id!r} does not offer {service.name} ({service.code})",
                    code="service_not_offered",
                )
            if not service.walk_in:
                raise AppointmentOnly(
                    f"「{service.name}」需预约办理：请先预约，再到取号机签到",
                    en=f"{service.name} is served by appointment only; "
                    "book it, then check in at the ticket machine",
                )
            today = hall.business_date(now)
            priority = self._priority(body.priority, person, today)
            if id_hash is not None and (
                held := tx.active_for_person(hall_id, service.code, id_hash)
            ):
                raise DuplicateTicket(
                    f"您已领取「{service.name}」的号码 {held.number}，请留意叫号，无需重复取号",
                    en=f"this person already holds ticket {held.number} for {service.name}",
                )
            self._admit(tx, hall, service, priority, now)
            stored = Stored(id_hash, person.masked if person else None, idem_key)
            _, view = self.new_ticket(tx, hall, service, priority, now, principal, stored, events)
            return view, True

        return work

    def new_ticket(
        self,
        tx: Tx,
        hall: Hall,
        service: Service,
        priority: PriorityClass,
        now: datetime,
        principal: Principal,
        stored: "Stored",
        events: list[Event],
        *,
        entry: Entry = Entry.WALK_IN,
        appointment_at: datetime | None = None,
    ) -> tuple[Ticket, dict[str, Any]]:
        """Number, store, record and announce a new waiting ticket (in `tx`);
        the ticket and its holder's view."""
        today = hall.business_date(now)
        sequence = tx.next_number(hall.id, today, service.prefix)
        ticket = Ticket(
            id=new_ticket_id(),
            hall=hall.id,
            business_date=today,
            number=format_number(service.prefix, sequence),
            service=service.code,
            category=service.category,
            priority=priority,
            status=TicketStatus.WAITING,
            entry=entry,
            arrived_at=now,
            issued_at=now,
            appointment_at=appointment_at,
        )
        tx.add_ticket(
            ticket,
            id_hash=stored.id_hash,
            id_masked=stored.id_masked,
            idem_key=stored.idem_key,
            issued_by=principal.token_id,
            appointment_code=stored.appointment_code,
        )
        tx.record(ticket, "issue", None, now, principal.actor)
        view = self.view_of(tx, ticket, now)
        data = {
            "ticket": public_ticket(ticket, service) | {"issued_by": principal.token_id},
            "position": view["position"],
            "estimated_wait_s": view["estimated_wait_s"],
        }
        events.append(Event(EventType.TICKET_ISSUED, data, ticket_id=ticket.id))
        return ticket, view

    def _admit(
        self, tx: Tx, hall: Hall, service: Service, priority: PriorityClass, now: datetime
    ) -> None:
        """Opening hours, and whether the service still fits in today."""
        if hall.hours.always_open:
            return
        would_be = Ticket(
            id="",
            hall=hall.id,
            business_date=hall.business_date(now),
            number="",
            service=service.code,
            category=service.category,
            priority=priority,
            status=TicketStatus.WAITING,
            arrived_at=now,
            issued_at=now,
        )
        means = handling_means(tx, self.catalogue, hall, now)
        arrivals = tx.arrivals(hall.id, hall.business_date(now))
        wait = estimate(
            would_be,
            tx.waiting(hall.id),
            tx.windows(hall.id),
            means,
            hall.policy,
            now,
            arrivals=arrivals,
        )
        admit(hall, service, now, wait.wait_s)

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

    def view_of(self, tx: Tx, ticket: Ticket, now: datetime) -> dict[str, Any]:
        """The holder's view of `ticket`, with its status page address."""
        return ticket_view(tx, self.catalogue, ticket, now, self.settings.public_url)

    def ticket_view(self, ticket_id: str) -> dict[str, Any]:
        """The holder's view (no token: the unguessable id is the key)."""
        with self.store.read() as tx:
            return self.view_of(tx, live_leg(tx, ticket_id), self.clock())

    def cancel_ticket(self, ticket_id: str) -> dict[str, Any]:
        """The holder gives up their place (waiting or suspended)."""

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            desk = Desk(tx, self.catalogue, now, SELF_SERVICE_ACTOR, events)
            desk.ticket_step(live_leg(tx, ticket_id), TicketAction.CANCEL)
            return {"id": ticket_id, "status": TicketStatus.CANCELLED.value}

        hall_id = self._hall_of(ticket_id)
        return self.write(hall_id, work)

    def cancel_by_staff(self, principal: Principal, hall_id: str, wanted: str) -> dict[str, Any]:
        """A supervisor cancels a waiting or suspended ticket, by id or today's number."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            desk = Desk(tx, self.catalogue, now, principal.actor, events)
            ticket = desk.ticket_step(desk.find(tx.hall(hall_id), wanted), TicketAction.CANCEL)
            return {"number": ticket.number, "status": ticket.status.value}

        return self.write(hall_id, work)

    def queues(self, principal: Principal, hall_id: str) -> dict[str, Any]:
        """Who waits, per service and ticket (oldest wait, target), and who is suspended:
        the supervisor's and the clerk's view of the queue. No personal data."""
        require(principal, {Role.SUPERVISOR, Role.WINDOW}, hall=hall_id)
        now = self.clock()
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            tickets = tx.tickets_with_status(
                hall_id, [TicketStatus.WAITING, TicketStatus.SUSPENDED]
            )
        rows = sorted(tickets, key=lambda t: t.arrived_at)
        per_service: dict[str, dict[str, Any]] = {}
        for t in rows:
            if t.status is not TicketStatus.WAITING:
                continue
            service = self.catalogue.service(t.service)
            entry = per_service.setdefault(
                t.service,
                {
                    "service": t.service,
                    "service_name": service.name,
                    "category": t.category,
                    "waiting": 0,
                    "oldest_wait_s": round((now - t.arrived_at).total_seconds()),
                    "target_s": service.target_wait_minutes * 60,
                },
            )
            entry["waiting"] += 1
        return {
            "hall": hall.id,
            "services": sorted(per_service.values(), key=lambda e: -e["oldest_wait_s"]),
            "tickets": [
                public_ticket(t, self.catalogue.service(t.service))
                | {
                    "waited_s": round((now - t.arrived_at).total_seconds()),
                    "target_s": self.catalogue.service(t.service).target_wait_minutes * 60,
                    "entry": t.entry.value,
                    "directed_window": t.directed_window,
                }
                for t in rows
            ],
        }

    def tickets_csv(
        self, principal: Principal, hall_id: str, day: str | None, *, english: bool = False
    ) -> str:
        """The day's tickets as CSV for the supervisor: times, no ID numbers or names."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            when = _day(day, hall, self.clock())
            tickets = tx.day_tickets(hall_id, when)
        return export.tickets_csv(tickets, self.catalogue, hall.zone, english=english)

    def rate(
        self, ticket_id: str, body: RatingIn, rater: Principal | None = None
    ) -> dict[str, Any]:
        """The visitor's evaluation (评价), once, after the service is done.

        Anyone holding the ticket's id may rate it (the holder's phone page). A
        window's token (the evaluator beside the window) may rate only the
        visitor it has just served: once the window has called someone else,
        its screen faces another person."""

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            ticket = live_leg(tx, ticket_id)
            if ticket.status is not TicketStatus.DONE:
                raise Conflict(
                    f"{ticket.number} 号当前为「{ticket_status_zh(ticket.status)}」，"
                    "业务办结后才能评价",
                    en=f"ticket {ticket.number} is {ticket.status.value}; "
                    "it can be rated once its service is finished",
                    code="not_finished",
                )
            if rater is not None and rater.role is Role.WINDOW:
                _check_evaluator(tx, rater, ticket, now)
            if tx.rating(ticket.id) is not None:
                raise Conflict(
                    f"{ticket.number} 号已评价过，感谢您的反馈",
                    en=f"ticket {ticket.number} has already been rated",
                    code="already_rated",
                )
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
            rated = {"number": ticket.number, "window": ticket.window, "score": body.score}
            events.append(Event(EventType.TICKET_RATED, rated, ticket_id=ticket.id))
            return {"id": ticket_id, "score": body.score}

        return self.write(self._hall_of(ticket_id), work)

    def _hall_of(self, ticket_id: str) -> str:
        with self.store.read() as tx:
            return tx.ticket(ticket_id).hall

    # ------------------------------------------------------------ windows at work

    def window_action(
        self, principal: Principal, hall_id: str, number: int, action: str, body: Any
    ) -> dict[str, Any] | None:
        """One clerk action on window `number`; None when call-next finds nobody."""
        require(principal, {Role.WINDOW, Role.SUPERVISOR}, hall=hall_id, window=number)

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any] | None:
            desk = Desk(tx, self.catalogue, now, principal.actor, events)
            return desk.act(tx.window(hall_id, number), action, body)

        return self.write(hall_id, work)

    # ------------------------------------------------------------ board and figures

    def issued_since(
        self, principal: Principal, hall_id: str, since_seq: str | None
    ) -> dict[str, Any]:
        """Tickets issued after feed seq `since_seq`: a kiosk's own, or all for a supervisor.

        A ticket machine that lost its feed connection catches up with this, so
        no ticket it issued goes unprinted.
        """
        require(principal, {Role.KIOSK, Role.SUPERVISOR}, hall=hall_id)
        # isdigit() alone takes '²'; a seq past 2^63 fits no database column.
        if since_seq is None or not (since_seq.isascii() and since_seq.isdigit()):
            raise InvalidInput(
                "since_seq 须为整数（播报序号）", en="since_seq must be a whole number (a feed seq)"
            )
        if len(since_seq) > 18:
            raise InvalidInput("since_seq 过大", en="since_seq is too large", code="seq_too_large")
        mine = principal.role is Role.KIOSK
        with self.store.read() as tx:
            tx.hall(hall_id)
            now = self.clock()
            views = []
            for row in tx.events_since(hall_id, int(since_seq), limit=5000):
                issued_by = row.data.get("ticket", {}).get("issued_by")
                if row.type != EventType.TICKET_ISSUED or row.ticket_id is None:
                    continue
                if mine and issued_by != principal.token_id:
                    continue
                view = self.view_of(tx, tx.ticket(row.ticket_id), now)
                views.append(view | {"seq": row.seq})
                if len(views) == 200:
                    break
        return {"tickets": views}

    # ------------------------------------------------------------ devices

    def report_device(
        self, principal: Principal, hall_id: str, body: DeviceStatusIn
    ) -> dict[str, Any]:
        """A ticket machine reports its printer; a change of state is announced once."""
        require(principal, {Role.KIOSK}, hall=hall_id)

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            zone = tx.hall(hall_id).zone
            row = tx.device(principal.token_id) or DeviceRow(
                token_id=principal.token_id, hall_id=hall_id, state="", since=now
            )
            if (row.state, row.detail) != (body.state, body.detail):
                row.label, row.state, row.detail, row.since = (
                    principal.label,
                    body.state,
                    body.detail,
                    now,
                )
                tx.save_device(row)
                events.append(Event(EventType.DEVICE_STATUS, {"device": _device_view(row, zone)}))
            return _device_view(row, zone)

        return self.write(hall_id, work)

    def devices(self, principal: Principal, hall_id: str) -> list[dict[str, Any]]:
        require(principal, {Role.KIOSK, Role.SUPERVISOR, Role.DISPLAY}, hall=hall_id)
        with self.store.read() as tx:
            zone = tx.hall(hall_id).zone
            return [_device_view(row, zone) for row in tx.devices(hall_id)]

    def whoami(self, principal: Principal) -> dict[str, Any]:
        return {
            "role": principal.role.value,
            "hall": principal.hall,
            "window": principal.window,
            "token_id": principal.token_id,
            "label": principal.label,
        }

    def board(self, principal: Principal, hall_id: str) -> dict[str, Any]:
        require(principal, set(Role), hall=hall_id)
        return self.snapshot(hall_id)

    def snapshot(self, hall_id: str) -> dict[str, Any]:
        """The board a display starts from (the caller checked who asks)."""
        with self.store.read() as tx:
            return board_snapshot(tx, self.catalogue, hall_id, self.clock())

    def hall_exists(self, hall_id: str) -> None:
        """NotFound unless the hall exists."""
        with self.store.read() as tx:
            tx.hall(hall_id)

    def snapshots(self, principal: Principal, hall_id: str, day: str | None) -> dict[str, Any]:
        """The figures taken every 5 minutes, for the supervisor's charts."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            when = _day(day, hall, self.clock())
            rows = tx.figure_snapshots(hall_id, when)
        keys = ("waiting", "in_progress", "served", "mean_wait_s", "open_windows")
        return {
            "hall": hall_id,
            "date": when.isoformat(),
            "snapshots": [
                {"at": local_iso(r.at, hall.zone)} | {k: getattr(r, k) for k in keys} for r in rows
            ],
        }

    def stats(self, principal: Principal, hall_id: str, day: str | None) -> dict[str, Any]:
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            when = _day(day, hall, self.clock())
            tickets = tx.day_tickets(hall_id, when)
            ratings = [r.score for r in tx.day_ratings(hall_id, when)]
            steps = tx.day_steps(hall_id, when)
        figures = day_figures(tickets, self.catalogue.services, ratings, steps, hall.zone)
        return {"hall": hall_id, "date": when.isoformat()} | figures


def collided() -> StaleState:
    """The refusal after every retry of a change met a concurrent one."""
    return StaleState(
        "系统繁忙，请稍候再试一次", en="this change kept colliding with others; please retry"
    )


def _day(day: str | None, hall: Hall, now: datetime) -> date:
    """The `date` query parameter, or the hall's business day now."""
    return parse_date(day) if day else hall.business_date(now)


def parse_date(day: str) -> date:
    """A YYYY-MM-DD query parameter, or a refusal that says how to write it."""
    try:
        return date.fromisoformat(day)
    except ValueError:
        raise InvalidInput(
            f"日期应写成 2026-11-25 这样的格式，而不是 {day[:40]!r}",
            en=f"date must look like 2026-11-25, not {day[:40]!r}",
            code="date_format",
        ) from None


def _opening_now(hall: Hall, now: datetime) -> dict[str, Any]:
    """Whether the hall takes tickets now, and else when it opens next (the kiosk
    says so on its first screen rather than after a visitor chose an item)."""
    hours, zone = hall.hours, hall.zone
    if hours.always_open or hours.session_at(now, zone) is not None:
        return {"open_now": True, "opens_at": None}
    return {"open_now": False, "opens_at": local_iso(hours.next_opening(now, zone), zone)}


def _check_evaluator(tx: Tx, rater: Principal, ticket: Ticket, now: datetime) -> None:
    """A window's evaluator rates only the ticket its window served last: its own
    window's, finished today, and no one called to that window since."""
    hall = tx.hall(ticket.hall)
    finished, window = ticket.finished_at, ticket.window
    at_window = (
        finished is not None
        and window is not None
        and (rater.hall, rater.window) == (ticket.hall, window)
        and ticket.business_date == hall.business_date(now)
        and all(
            t.id == ticket.id
            for t in tx.called_since(hall.id, ticket.business_date, window, finished)
        )
    )
    if not at_window:
        raise Conflict(
            f"{ticket.number} 号已离开本窗口，评价器只能评价本窗口刚办理的号码；"
            "办事人可扫号票上的二维码在手机上评价",
            en=f"ticket {ticket.number} has left window {rater.window}; the window's "
            "evaluator rates only the visitor it has just served (the holder can still "
            "rate from the ticket's status page)",
            code="rating_not_at_window",
        )


def _find_alert(tx: Tx, hall_id: str, alert_id: str) -> AlertRow:
    """The alert an id names (its day is the id's first part), else NotFound."""
    unknown = NotFound(
        f"本大厅没有编号为 {alert_id} 的预警",
        en=f"hall {hall_id} has no alert {alert_id!r}",
        code="unknown_alert",
    )
    try:
        day = datetime.strptime(alert_id.partition("-")[0], "%Y%m%d").date()
    except ValueError:
        raise unknown from None
    found = [r for r in tx.day_alerts(hall_id, day) if r.public_id == alert_id]
    if not found:
        raise unknown
    return found[0]


def _device_view(row: DeviceRow, zone: tzinfo) -> dict[str, Any]:
    return public_device(row.token_id, row.label, row.state, row.detail, row.since, zone)


def _policy_dict(policy: Policy) -> dict[str, int]:
    return policy.settings()
