"""The visitor's evaluation (好差评) of one served ticket: five grades, the
reasons of a bad one, a call-back phone; changeable for a short time.

A rating is bound to the ticket's 办件 record (item, window, the 工号 that
finished it). A bad one (不满意, 非常不满意) opens a case (`case_book`);
changing it to a good one within the grace time withdraws that case. Every
rating goes to the provincial platform's outbox in the same transaction.
"""

from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .access import Principal, Role, actor_staff_no, require
from .appointments import mask_phone
from .bodies import RatingIn
from .case_book import case_from_rating, open_case, province_case, province_rating, report
from .cases import BAD_GRADES, DEFAULT_REASONS, ENDED, GRADES, CaseKind, CaseStatus, step
from .domain import ACTIVE_STATUSES, Hall, Ticket, TicketAction
from .errors import Conflict, Forbidden, InvalidInput, RateLimited
from .feedback_models import CaseRow
from .lifecycle_words import ticket_status_zh
from .models import RatingRow
from .otp import normalise_phone
from .protocol import Event, EventType, TicketStatus
from .rating_link import drop_rating_link
from .store import Tx
from .transactions import Runner
from .views import live_leg

# Who may rate on the visitor's behalf, besides the visitor's own phone: the
# window's evaluator, the kiosk, and staff of the ticket's hall on the visitor's word.
RATERS = frozenset({Role.WINDOW, Role.KIOSK, Role.SUPERVISOR, Role.CLERK})
# Ratings of one ticket (the first and its changes), per server process: a
# visitor changes a grade once or twice; a script that flips it would grow its
# case's record and flood the provincial platform with a record per change.
RATINGS_PER_TICKET = "5/minute;15/hour"


def hall_reasons(tx: Tx, hall_id: str) -> list[str]:
    """The reasons a 差评 may give: the hall's own list, else the national guide's."""
    return list(tx.hall_feedback(hall_id).get("reasons") or DEFAULT_REASONS)


def source_of(rater: Principal | None, via: str | None) -> str:
    """Where the rating was given: the window's evaluator, the kiosk, the phone
    (from the ticket's QR or the 短信评价 link), or staff on the visitor's word."""
    if rater is None:
        return "sms" if via == "sms" else "phone"
    return {Role.WINDOW: "evaluator", Role.KIOSK: "kiosk"}.get(rater.role, "staff")


class Ratings(Runner):
    @cached_property
    def _rating_limiter(self) -> MovingWindowRateLimiter:
        return MovingWindowRateLimiter(MemoryStorage())

    def rating_form(self, ticket_id: str) -> dict[str, Any]:
        """What a rating page needs: the grades, the hall's reasons, and the
        rating already given (its grade and reasons) with how long it may change."""
        with self.store.read() as tx:
            ticket = live_leg(tx, ticket_id)
            hall = tx.hall(ticket.hall)
            given = tx.rating(ticket.id)
            now = self.clock()
            return {
                "number": ticket.number,
                "status": ticket.status.value,
                "grades": [{"score": s, "name": n} for s, n in GRADES.items()],
                "bad_grades": sorted(BAD_GRADES),
                "reasons": hall_reasons(tx, hall.id),
                "rating": None if given is None else _given(given, hall, now),
            }

    def rate(
        self, ticket_id: str, body: RatingIn, rater: Principal | None = None
    ) -> dict[str, Any]:
        """Rate a finished ticket, or change its rating within the grace time.

        Anyone holding the ticket's id may rate it (the holder's phone page, the
        kiosk after scanning the ticket). A window's token (the evaluator beside
        the window) may rate only the visitor it has just served: once the window
        has called someone else, its screen faces another person."""

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            ticket = live_leg(tx, ticket_id)
            hall = tx.hall(ticket.hall)
            _check_finished(ticket)
            if rater is not None:
                _check_rater(rater, ticket)
            if rater is not None and rater.role is Role.WINDOW:
                _check_evaluator(tx, rater, ticket, now)
            reasons = _check_reasons(body, hall_reasons(tx, hall.id))
            before = tx.rating(ticket.id)
            if before is not None and not _changeable(before, hall, now):
                raise Conflict(
                    f"{ticket.number} 号已评价过，感谢您的反馈",
                    en=f"ticket {ticket.number} has already been rated",
                    code="already_rated",
                )
            phone = normalise_phone(body.callback_phone) if body.callback_phone else None
            if before is not None and self._unchanged(before, body, reasons, phone):
                return {"id": ticket_id, "score": body.score, "changed": False}  # a resend
            was_bad = before is not None and before.score in BAD_GRADES
            row = before or _new_rating(tx, ticket, now)
            row.score, row.reasons, row.comment = body.score, reasons, body.comment
            row.source = source_of(rater, body.via)
            row.phone_enc = self.sealer.seal(phone) if phone else None
            row.phone_masked = mask_phone(phone) if phone else None
            row.changed_at = now if before is not None else None
            tx.save_rating(row)
            drop_rating_link(tx, hall.id, ticket.id)
            self._follow_cases(tx, hall, row, ticket.number, was_bad, now)
            report(tx, self.settings, hall.id, province_rating(hall, row, self._name(row)), now)
            rated = {"number": ticket.number, "window": ticket.window, "score": body.score}
            events.append(Event(EventType.TICKET_RATED, rated, ticket_id=ticket.id))
            return {"id": ticket_id, "score": body.score, "changed": before is not None}

        hall_id = self._rated_hall(ticket_id)
        for rule in parse_many(RATINGS_PER_TICKET):
            if not self._rating_limiter.hit(rule, "rating", ticket_id):
                raise RateLimited(
                    "评价提交过于频繁，请稍后再试",
                    en=f"too many ratings of this ticket ({rule}); try again later",
                )
        return self.write(hall_id, work)

    def _unchanged(
        self, before: RatingRow, body: RatingIn, reasons: list[str], phone: str | None
    ) -> bool:
        """The same rating sent again (a retry, a double tap): nothing to record."""
        kept = self.sealer.open(before.phone_enc) if before.phone_enc else None
        said = (before.score, before.reasons or [], before.comment, kept)
        return said == (body.score, reasons, body.comment, phone)

    def _rated_hall(self, ticket_id: str) -> str:
        with self.store.read() as tx:
            return tx.ticket(ticket_id).hall

    def _name(self, row: RatingRow) -> str | None:
        service = self.catalogue.services.get(row.service or "")
        return service.name if service is not None else None

    def _follow_cases(
        self, tx: Tx, hall: Hall, row: RatingRow, number: str, was_bad: bool, now: datetime
    ) -> None:
        """Open a case for a new bad grade; keep a changed bad grade on its case;
        withdraw the case of a bad grade changed to a good one."""
        bad = row.score in BAD_GRADES
        running = [c for c in tx.ticket_cases(row.ticket_id) if _running_rating_case(c)]
        if bad and not running:
            case = open_case(tx, hall, case_from_rating(row, number), "visitor", now)
            report(tx, self.settings, hall.id, province_case(hall, case, "open", now), now)
            return
        for case in running if was_bad else []:
            if bad:
                case.grade, case.reasons, case.comment = row.score, row.reasons, row.comment
                case.phone_enc, case.phone_masked = row.phone_enc, row.phone_masked
                action = "regrade"
            elif CaseStatus(case.status) in WITHDRAWABLE:
                case.status, case.closed_at, action = CaseStatus.WITHDRAWN.value, now, "withdraw"
            else:  # already rectified: the change is kept in its record, the work stands
                action = "regrade"
            case.steps = [*case.steps, step(action, "visitor", now.isoformat(), grade=row.score)]
            tx.save_case(case)
            report(tx, self.settings, hall.id, province_case(hall, case, action, now), now)


# A case the visitor's change to a good grade withdraws: one not yet rectified.
WITHDRAWABLE = frozenset({CaseStatus.OPEN, CaseStatus.VERIFIED})


def _running_rating_case(case: CaseRow) -> bool:
    return case.kind == CaseKind.BAD_RATING.value and CaseStatus(case.status) not in ENDED


def _new_rating(tx: Tx, ticket: Ticket, now: datetime) -> RatingRow:
    """A rating with its 办件 record: the item, window and the 工号 that finished it."""
    finished_by = next(
        (s.actor for s in reversed(tx.transitions(ticket.id)) if s.action == TicketAction.FINISH),
        "",
    )
    return RatingRow(
        ticket_id=ticket.id,
        hall_id=ticket.hall,
        business_date=ticket.business_date,
        window=ticket.window,
        service=ticket.service,
        staff_no=actor_staff_no(finished_by, ticket.hall),
        score=0,
        at=now,
    )


def _given(row: RatingRow, hall: Hall, now: datetime) -> dict[str, Any]:
    until = row.at + timedelta(minutes=hall.policy.rating_change_min)
    return {
        "score": row.score,
        "grade": GRADES[row.score],
        "reasons": row.reasons or [],
        "callback_phone": row.phone_masked,
        "changeable_until": until.isoformat() if now < until else None,
    }


def _changeable(row: RatingRow, hall: Hall, now: datetime) -> bool:
    return now < row.at + timedelta(minutes=hall.policy.rating_change_min)


def _check_reasons(body: RatingIn, allowed: list[str]) -> list[str]:
    """A bad grade names at least one of the hall's reasons; a good one none,
    and leaves no call-back phone (nothing to call back about)."""
    reasons = list(dict.fromkeys(body.reasons))
    if body.score not in BAD_GRADES:
        if reasons or body.callback_phone:
            raise InvalidInput(
                f"「{GRADES[body.score]}」不需要选择原因或留回访电话",
                en="reasons and a call-back phone go with a bad grade (1 or 2) only",
                code="reasons_not_wanted",
            )
        return []
    unknown = [r for r in reasons if r not in allowed]
    if not reasons or unknown:
        listed = "、".join(allowed)
        raise InvalidInput(
            f"请从以下原因中选择至少一项：{listed}",
            en=f"a bad grade needs at least one reason, from: {', '.join(allowed)}",
            code="reasons_required" if not reasons else "unknown_reason",
        )
    return reasons


def _check_finished(ticket: Ticket) -> None:
    """Only a finished service is rated: a ticket still in the queue will be,
    one cancelled, missed or left unserved never will."""
    if ticket.status is TicketStatus.DONE:
        return
    later = ticket.status in ACTIVE_STATUSES
    raise Conflict(
        f"{ticket.number} 号当前为「{ticket_status_zh(ticket.status)}」，"
        + ("业务办结后才能评价" if later else "没有办结的业务可以评价"),
        en=f"ticket {ticket.number} is {ticket.status.value}; "
        + ("it can be rated once its service is finished" if later else "it was not served"),
        code="not_finished",
    )


def _check_rater(rater: Principal, ticket: Ticket) -> None:
    """A device or member rates for the visitor only in the ticket's own hall
    (another hall's kiosk is told so in words a visitor reads), and never a display."""
    if rater.hall is not None and rater.hall != ticket.hall:
        raise Forbidden(
            f"{ticket.number} 号不是本大厅的号票，请用手机扫描号票上的二维码评价",
            en=f"ticket {ticket.number} is not of hall {rater.hall}; rate it from its status page",
            code="wrong_hall",
        )
    require(rater, RATERS, hall=ticket.hall)


def _check_evaluator(tx: Tx, rater: Principal, ticket: Ticket, now: datetime) -> None:
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
