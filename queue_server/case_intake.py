"""「办不成事」 reports and the hall's 好差评 settings.

A visitor says a matter could not be done: from the phone page (with the
ticket's secret id, rate-limited per address), from the kiosk, or through a
member of staff on the visitor's word. It opens a case of its own kind, with
the same deadline and call-back as a 差评 (`case_book.open_case`).
"""

from datetime import datetime
from functools import cached_property
from typing import Any

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .access import HALL_ROLES, Principal, Role, actor_staff_no, require
from .appointments import mask_phone
from .audit import record
from .case_bodies import FeedbackIn, NotDoneIn
from .case_book import open_case, province_case, report
from .case_desk import who_acts
from .cases import DEFAULT_REASONS, ENDED, CaseKind, CaseStatus
from .domain import Hall, Ticket, TicketAction
from .errors import Conflict, InvalidInput, NotFound, RateLimited
from .otp import normalise_phone
from .protocol import Event
from .rating import hall_reasons
from .store import Tx
from .transactions import Runner
from .views import live_leg

# Reports from the phone page, per client address; from a kiosk, per kiosk (it
# needs no ticket, so one person could otherwise open cases without end). Staff
# are trusted by their credentials and not counted.
NOT_DONE_PER_ADDRESS = "5/10minute;20/day"
NOT_DONE_PER_KIOSK = "10/10minute;60/day"
REPORTERS = {Role.KIOSK, Role.WINDOW, Role.SUPERVISOR, Role.CLERK}


def source_of(reporter: Principal | None) -> str:
    if reporter is None:
        return "phone"
    return {Role.KIOSK: "kiosk", Role.WINDOW: "window"}.get(reporter.role, "staff")


class CaseIntake(Runner):
    @cached_property
    def _not_done_limiter(self) -> MovingWindowRateLimiter:
        return MovingWindowRateLimiter(MemoryStorage())

    def _check_rate(self, reporter: Principal | None, client: str) -> None:
        if reporter is None:
            rules, key = NOT_DONE_PER_ADDRESS, f"address:{client}"
        elif reporter.role is Role.KIOSK:
            rules, key = NOT_DONE_PER_KIOSK, f"kiosk:{reporter.token_id}"
        else:
            return
        for rule in parse_many(rules):
            if not self._not_done_limiter.hit(rule, "not_done", key):
                raise RateLimited(
                    "「办不成事」反映提交过于频繁，请稍后再试，或到大厅咨询台反映",
                    en=f"too many reports from here ({rule}); try again later",
                )

    def report_not_done(
        self, reporter: Principal | None, hall_id: str, body: NotDoneIn, client: str = ""
    ) -> dict[str, Any]:
        """Open a 「办不成事」 case; its id, status and due date (201)."""
        if reporter is None:
            if not body.ticket_id:
                raise InvalidInput(
                    "请扫描号票上的二维码后再反映「办不成事」",
                    en="ticket_id is required without a token (the holder's ticket)",
                    code="ticket_required",
                )
        else:
            require(reporter, REPORTERS, hall=hall_id)
        if body.service is not None and body.service not in self.catalogue.services:
            raise InvalidInput(
                f"没有编号为 {body.service} 的事项",
                en=f"unknown service {body.service!r}",
                code="unknown_service",
            )
        phone = normalise_phone(body.callback_phone) if body.callback_phone else None
        self._check_rate(reporter, client)  # counted once the report reads well
        sealed = self.sealer.seal(phone) if phone else None

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            hall = tx.hall(hall_id)
            said: dict[str, Any] = {
                "kind": CaseKind.NOT_DONE.value,
                "source": source_of(reporter),
                "service": body.service,
                "comment": body.comment,
                "phone_enc": sealed,
                "phone_masked": mask_phone(phone) if phone else None,
            }
            if body.ticket_id:
                staff = reporter is not None and reporter.role is not Role.KIOSK
                said |= _ticket_said(tx, hall, body.ticket_id, body.service, staff, now)
            by = (
                "visitor" if reporter is None or reporter.role is Role.KIOSK else who_acts(reporter)
            )
            case = open_case(tx, hall, said, by, now)
            if reporter is not None:
                record(
                    tx, reporter, hall_id, "case.open", case.id, after={"kind": case.kind}, now=now
                )
            report(tx, self.settings, hall_id, province_case(hall, case, "open", now), now)
            return {"id": case.id, "status": case.status, "due_date": case.due_date.isoformat()}

        return self.write(hall_id, work)

    def feedback_settings(self, principal: Principal, hall_id: str) -> dict[str, Any]:
        """The hall's 好差评 settings: the reasons a 差评 may give."""
        require(principal, HALL_ROLES | {Role.CLERK}, hall=hall_id)
        with self.store.read() as tx:
            tx.hall(hall_id)
            own = tx.hall_feedback(hall_id).get("reasons")
            return {
                "reasons": hall_reasons(tx, hall_id),
                "default": own is None,
                "default_reasons": list(DEFAULT_REASONS),
            }

    def set_feedback(self, principal: Principal, hall_id: str, body: FeedbackIn) -> dict[str, Any]:
        """Set the reasons a 差评 may give (1 to 12, each named once)."""
        require(principal, set(), hall=hall_id)
        reasons = list(body.reasons)
        twice = sorted({r for r in reasons if reasons.count(r) > 1})
        if twice:
            raise InvalidInput(
                f"原因不能重复：{'、'.join(twice)}",
                en=f"each reason once: {', '.join(twice)} repeated",
                code="duplicate_reason",
            )

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            tx.hall(hall_id)
            stored = tx.hall_feedback(hall_id)
            before = hall_reasons(tx, hall_id)
            tx.set_hall(hall_id, feedback=stored | {"reasons": reasons})
            record(
                tx,
                principal,
                hall_id,
                "feedback.put",
                hall_id,
                before={"reasons": before},
                after={"reasons": reasons},
                now=now,
            )
            return {"reasons": reasons, "default": False, "default_reasons": list(DEFAULT_REASONS)}

        return self.write(hall_id, work)


def _ticket_said(
    tx: Tx, hall: Hall, wanted: str, service: str | None, staff: bool, now: datetime
) -> dict[str, Any]:
    """What the ticket tells a 「办不成事」 case: its number, item, window and the
    工号 that last served it; refused when it is not this hall's, or already has
    a running 「办不成事」 case. Staff may name it by today's number (A023), as
    the visitor tells them; the phone page sends the ticket's secret id."""
    hall_id = hall.id
    ticket: Ticket | None = None
    try:
        ticket = live_leg(tx, wanted)
    except NotFound:
        if staff:
            try:
                ticket = tx.ticket_by_number(hall_id, hall.business_date(now), wanted.upper())
            except NotFound:
                ticket = None
    if ticket is None or ticket.hall != hall_id:
        raise NotFound(
            "本大厅没有这张号票，请核对后再试",
            en=f"hall {hall_id} has no such ticket",
            code="unknown_ticket",
        )
    running = [
        c
        for c in tx.ticket_cases(ticket.id)
        if c.kind == CaseKind.NOT_DONE.value and CaseStatus(c.status) not in ENDED
    ]
    if running:
        raise Conflict(
            f"{ticket.number} 号已反映过「办不成事」（工单 {running[0].id}），正在办理中",
            en=f"ticket {ticket.number} already has a running not-done case {running[0].id}",
            code="case_running",
        )
    served_by = next(
        (s.actor for s in reversed(tx.transitions(ticket.id)) if s.action in _SERVING),
        "",
    )
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "service": service or ticket.service,
        "window": ticket.window,
        "staff_no": actor_staff_no(served_by, hall_id),
    }


_SERVING = (TicketAction.FINISH, TicketAction.START, TicketAction.CALL)
