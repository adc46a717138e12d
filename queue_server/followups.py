"""容缺受理: a matter accepted while non-essential materials are missing.

The clerk finishes the ticket with the outcome 容缺受理, lists what is missing
and the date it is due (by default five working days on). The hall keeps a
follow-up list for its clerks; the visitor who booked with a verified phone
gets a text `Policy.followup_remind_days` before the date; a clerk closes the
follow-up when the materials arrive. A return visit for the same item counts
as a second trip in 「最多跑一次」 (the reports).
"""

from datetime import date, datetime, timedelta
from typing import Any

from . import audit, identity, outbox
from .access import Principal, Role, actor_staff_no, require
from .bodies import FinishIn, FollowupCloseIn
from .cases import due_date
from .domain import Hall, Ticket
from .errors import Conflict, InvalidInput, NotFound
from .feedback_models import FollowupRow
from .protocol import Event
from .sms import Sms, SmsKind
from .store import Tx
from .transactions import Runner

ACCEPTED_WITH_GAPS = "容缺受理"
DEFAULT_DUE_WORKING_DAYS = 5
LONGEST_DUE_DAYS = 90


def check_finish(body: FinishIn, hall: Hall, today: date) -> date | None:
    """The due date of a 容缺受理 finish (None for any other outcome), after
    checking that missing materials go with that outcome and no other."""
    if body.outcome != ACCEPTED_WITH_GAPS:
        if body.missing or body.due is not None:
            raise InvalidInput(
                "只有「容缺受理」需要填写所缺材料和补交日期",
                en="missing materials and a due date go with the outcome 容缺受理 only",
                code="missing_not_wanted",
            )
        return None
    if any(identity.personal_data_in(m) for m in body.missing):
        raise InvalidInput(
            "所缺材料中不能填写身份证号码或手机号码，请只写材料名称",
            en="the missing materials hold what looks like an ID number or a phone; "
            "name the materials only",
            code="missing_has_personal_data",
        )
    if not body.missing:
        raise InvalidInput(
            "容缺受理须写明所缺的材料",
            en="容缺受理 needs the list of missing materials",
            code="missing_required",
        )
    due = body.due or due_date(today, DEFAULT_DUE_WORKING_DAYS, hall.hours.is_working_day)
    if not today < due <= today + timedelta(days=LONGEST_DUE_DAYS):
        raise InvalidInput(
            f"补交日期须在今天之后的 {LONGEST_DUE_DAYS} 天内",
            en=f"the due date must fall within {LONGEST_DUE_DAYS} days after today",
            code="due_out_of_range",
        )
    return due


def open_followup(
    tx: Tx, ticket: Ticket, missing: list[str], due: date, actor: str, now: datetime
) -> None:
    """Store the follow-up of a ticket just finished as 容缺受理."""
    tx.add_followup(
        FollowupRow(
            ticket_id=ticket.id,
            hall_id=ticket.hall,
            number=ticket.number,
            service=ticket.service,
            window=ticket.window,
            staff_no=actor_staff_no(actor, ticket.hall),
            id_hash=tx.ticket_row(ticket.id).id_hash,
            missing=list(dict.fromkeys(missing)),
            due_date=due,
            opened_at=now,
        )
    )


class Followups(Runner):
    def followups(self, principal: Principal, hall_id: str, status: str | None) -> dict[str, Any]:
        """The hall's 容缺 follow-ups, soonest due first: open ones (default) or all."""
        require(principal, {Role.WINDOW, Role.SUPERVISOR}, hall=hall_id)
        if status not in (None, "open", "all"):
            raise InvalidInput(
                "status 须为 open 或 all", en="status must be open or all", code="bad_status"
            )
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            today = hall.business_date(self.clock())
            rows = tx.followups(hall_id, open_only=status != "all")
        return {"followups": [self._followup_view(row, hall, today) for row in rows]}

    def close_followup(
        self, principal: Principal, hall_id: str, ticket_id: str, body: FollowupCloseIn
    ) -> dict[str, Any]:
        """The missing materials arrived: the follow-up is closed, by whom and when."""
        require(principal, {Role.WINDOW, Role.SUPERVISOR}, hall=hall_id)

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            row = tx.followup(ticket_id)
            if row is None or row.hall_id != hall_id:
                raise NotFound(
                    "没有这条容缺受理记录", en="no such follow-up", code="unknown_followup"
                )
            hall = tx.hall(hall_id)
            if row.closed_at is not None:
                closed = row.closed_at.astimezone(hall.zone)
                raise Conflict(
                    f"{row.number} 号的容缺材料已于 {closed:%m-%d} 补齐",
                    en=f"the follow-up of {row.number} is already closed",
                    code="followup_closed",
                )
            row.closed_at, row.closed_by = now, principal.staff_no or principal.label or "令牌"
            tx.save_followup(row)
            target = f"{row.number} {row.service}"
            audit.record(
                tx, principal, hall_id, "followup.close", target, after=body.model_dump(), now=now
            )
            return self._followup_view(row, hall, hall.business_date(now))

        return self.write(hall_id, work)

    def remind_followups(self, hall_id: str, now: datetime) -> int:
        """Text the visitors whose materials fall due soon (once each), when
        they booked with a verified phone; how many reminders were queued."""

        def work(tx: Tx, now: datetime, events: list[Event]) -> int:
            hall = tx.hall(hall_id)
            sent = 0
            for row in _to_remind(tx, hall, now):
                row.reminded_at = now
                tx.save_followup(row)
                phone = self._booked_phone(tx, row.ticket_id)
                if phone is not None:
                    message = {"phone": phone, "sms": self._reminder(hall, row).payload()}
                    outbox.enqueue(tx, hall_id, outbox.SMS, "followup_reminder", message, now)
                    sent += 1
            return sent

        with self.store.read() as tx:  # most rounds find nothing: no write for them
            if not _to_remind(tx, tx.hall(hall_id), now):
                return 0
        return self.write(hall_id, work)

    def _booked_phone(self, tx: Tx, ticket_id: str) -> str | None:
        code = tx.ticket_row(ticket_id).appointment_code
        booking = tx.appointment(code) if code else None
        return booking.phone_enc if booking is not None else None

    def _reminder(self, hall: Hall, row: FollowupRow) -> Sms:
        item = self.catalogue.service(row.service).name
        missing = "、".join(row.missing)
        if len(missing) > 60:
            missing = missing[:58] + "等"
        due = f"{row.due_date:%m月%d日}"
        return Sms.of(SmsKind.FOLLOWUP, hall=hall.name, item=item, missing=missing, due=due)

    def _followup_view(self, row: FollowupRow, hall: Hall, today: date) -> dict[str, Any]:
        closed = row.closed_at.astimezone(hall.zone).isoformat() if row.closed_at else None
        return {
            "ticket_id": row.ticket_id,
            "number": row.number,
            "service": row.service,
            "service_name": self.catalogue.service(row.service).name,
            "window": row.window,
            "staff_no": row.staff_no,
            "missing": row.missing,
            "due_date": row.due_date.isoformat(),
            "days_left": (row.due_date - today).days,
            "overdue": row.closed_at is None and today > row.due_date,
            "opened_at": row.opened_at.astimezone(hall.zone).isoformat(),
            "reminded": row.reminded_at is not None,
            "closed_at": closed,
            "closed_by": row.closed_by,
        }


def _to_remind(tx: Tx, hall: Hall, now: datetime) -> list[FollowupRow]:
    """Open follow-ups due within the hall's reminder days, not reminded yet."""
    soon = hall.business_date(now) + timedelta(days=hall.policy.followup_remind_days)
    return [r for r in tx.followups(hall.id) if r.reminded_at is None and r.due_date <= soon]
