"""The hall's side of 送服务上门 (home visits): the list, the whole address and
phone opened for the member who goes (audited), and the moves: schedule (a
time and a member; the requester is texted), decline (with a reason, texted
too) and done, which records the visit as a ticket served today
(`HallState.record_visit`) so it counts in the day's figures and can be
rated from the 短信评价 link sent to the request's phone.

Supervisors and admins of the hall move visits (tokens too); the address is
opened only to a person signed in by 工号: the assigned member, or a
supervisor or admin of the hall who arranges the visit.
"""

from datetime import datetime, time
from typing import Any

from pydantic import BaseModel

from . import outbox
from .access import Principal, Role, require
from .audit import record
from .case_desk import who_acts
from .citizen_models import HomeVisitRow
from .desk import new_ticket_id
from .errors import Forbidden, NotFound
from .home_visits import (
    Mover,
    VisitAction,
    VisitStatus,
    check_schedule,
    next_status,
    step,
    visit_times,
)
from .protocol import Event
from .rating_link import ask_rating
from .sms import Sms, SmsKind
from .store import Tx
from .transactions import Runner
from .visit_bodies import VisitDeclineIn, VisitDoneIn, VisitScheduleIn
from .visit_views import statuses_wanted, visit_view

MOVE_BODIES: dict[str, type[BaseModel]] = {
    VisitAction.SCHEDULE: VisitScheduleIn,
    VisitAction.DECLINE: VisitDeclineIn,
    VisitAction.DONE: VisitDoneIn,
}
VISIT_NOTE = "上门服务"  # the ticket's note: the clerk's record says where it was served


def unknown_visit(visit_id: str) -> NotFound:
    return NotFound(
        f"没有编号为 {visit_id[:20]} 的上门服务申请",
        en=f"no home visit {visit_id[:20]!r}",
        code="unknown_visit",
    )


def visit_of(tx: Tx, hall_id: str | None, visit_id: str) -> HomeVisitRow:
    row = tx.home_visit(visit_id)
    if row is None or (hall_id is not None and row.hall_id != hall_id):
        raise unknown_visit(visit_id)
    return row


def scheduled_text(item: str, when: datetime, hall: str, staff_no: str, visit: str) -> Sms:
    """The text to the requester once the visit is set, with its page's link."""
    return Sms.of(
        SmsKind.VISIT_SCHEDULED,
        item=item,
        when=f"{when.month}月{when.day}日 {when:%H:%M}",
        hall=hall,
        staff_no=staff_no,
        link=visit,
        visit=visit.split("/visit/", 1)[-1],  # the cloud's template holds the address
    )


def declined_text(item: str, reason: str, hall_name: str) -> Sms:
    return Sms.of(SmsKind.VISIT_DECLINED, item=item, reason=reason, hall=hall_name)


class VisitDesk(Runner):
    def home_visits(self, principal: Principal, hall_id: str, status: str | None) -> dict[str, Any]:
        """The hall's visits (open ones by default), oldest first; masked."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        wanted = statuses_wanted(status)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            rows = tx.home_visits(hall_id, wanted)
            staff = [
                {"staff_no": m.staff_no, "name": m.name, "role": m.role}
                for m in tx.staff(hall_id)
                if m.active
            ]
        views = [visit_view(r, hall, self.catalogue, by=Mover.HALL) for r in rows]
        return {"hall": hall_id, "status": status or "open", "visits": views, "staff": staff}

    def home_visit_contact(
        self, principal: Principal, hall_id: str, visit_id: str
    ) -> dict[str, Any]:
        """The whole address and phone of a visit, for the member who goes (or a
        supervisor or admin arranging it), signed in by 工号; audited."""
        require(principal, {Role.CLERK, Role.WINDOW, Role.SUPERVISOR}, hall=hall_id)

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            row = visit_of(tx, hall_id, visit_id)
            arranges = principal.role in (Role.SUPERVISOR, Role.ADMIN)
            if principal.staff_no is None or not (arranges or principal.staff_no == row.staff_no):
                raise Forbidden(
                    "上门地址和电话只向登录的上门工作人员或主管显示",
                    en="the address and phone are shown only to the assigned member or a "
                    "supervisor, signed in by 工号",
                    code="not_assigned",
                )
            record(tx, principal, hall_id, "home_visit.open_contact", row.id, now=now)
            return {
                "id": row.id,
                "address": self.sealer.open(row.address_enc),
                "phone": self.sealer.open(row.phone_enc),
            }

        return self.write(hall_id, work)

    def move_home_visit(
        self, principal: Principal, hall_id: str, visit_id: str, action: str, body: BaseModel
    ) -> dict[str, Any]:
        """安排上门, 不予安排 or 登记办结: the next state, a step of the record and
        the audit in one transaction (a text and a ticket where they belong)."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        move = VisitAction(action)

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            row = visit_of(tx, hall_id, visit_id)
            before = row.status
            after = next_status(VisitStatus(before), move, Mover.HALL)  # refused: nothing changed
            said = self._apply(tx, row, body, now, events)
            row.status = after.value
            row.steps = [
                *(row.steps or []),
                step(move.value, who_acts(principal), now.isoformat(), **said),
            ]
            tx.save_home_visit(row)
            said.pop("reason", None)  # a free text: the record keeps it, the audit need not
            record(
                tx,
                principal,
                hall_id,
                f"home_visit.{move.value}",
                row.id,
                before={"status": before},
                after={"status": row.status} | said,
                now=now,
            )
            return visit_view(row, tx.hall(hall_id), self.catalogue, by=Mover.HALL)

        return self.write(hall_id, work)

    def _apply(
        self, tx: Tx, row: HomeVisitRow, body: BaseModel, now: datetime, events: list[Event]
    ) -> dict[str, Any]:
        """What the move changes besides the state; what the record keeps of it."""
        hall = tx.hall(row.hall_id)
        if isinstance(body, VisitScheduleIn):
            staff = {m.staff_no for m in tx.staff(row.hall_id) if m.active}
            check_schedule(
                body.at,
                hall.hours,
                hall.zone,
                now=now,
                horizon_days=hall.policy.visit_horizon_days,
                staff_no=body.staff_no,
                staff=staff,
            )
            row.scheduled_at, row.staff_no = body.at, body.staff_no
            when = body.at.astimezone(hall.zone)
            link = self._visit_link(row)
            text = scheduled_text(self._visit_item(row), when, hall.name, body.staff_no, link)
            self._visit_text(tx, row, now, text)
            return {"scheduled_at": when.isoformat(), "staff_no": body.staff_no}
        if isinstance(body, VisitDeclineIn):
            text = declined_text(self._visit_item(row), body.reason, hall.name)
            self._visit_text(tx, row, now, text)
            return {"reason": body.reason}
        assert isinstance(body, VisitDoneIn)
        return self._record_done(tx, row, body, now, events)

    def _record_done(
        self, tx: Tx, row: HomeVisitRow, body: VisitDoneIn, now: datetime, events: list[Event]
    ) -> dict[str, Any]:
        """The visit as a ticket served today by the member who went."""
        assert row.scheduled_at is not None and row.staff_no is not None
        state = self.state(tx, row.hall_id, now)
        service = state.service(row.service)
        day_start = datetime.combine(state.day.date, time(0), state.hall.zone)
        times = visit_times(
            row.scheduled_at,
            body.started_at,
            body.finished_at,
            now=now,
            day_start=day_start,
            minutes=service.minutes,
        )
        actor = f"visit:staff {row.staff_no}@{row.hall_id}"  # who served it, as a window's clerk
        move, ticket = state.record_visit(service, new_ticket_id(), times, actor, body.outcome)
        self.apply(tx, state, move, events, issued_by=f"staff:{row.staff_no}", note=VISIT_NOTE)
        row.ticket_id = ticket.id
        ask_rating(
            tx, self.settings.public_url, state.hall, ticket, service.name, row.phone_enc, now
        )
        zone = state.hall.zone
        return {
            "outcome": body.outcome,
            "number": ticket.number,
            "started_at": times[0].astimezone(zone).isoformat(),
            "finished_at": times[1].astimezone(zone).isoformat(),
        }

    def _visit_item(self, row: HomeVisitRow) -> str:
        item = self.catalogue.services.get(row.service)
        return item.name if item is not None else row.service

    def _visit_link(self, row: HomeVisitRow) -> str:
        return f"{self.settings.public_url.rstrip('/')}/visit/{row.hall_id}?v={row.id}"

    def _visit_text(self, tx: Tx, row: HomeVisitRow, now: datetime, text: Sms) -> None:
        """A text to the request's phone, through the outbox (sent after commit)."""
        payload = {"phone": row.phone_enc, "sms": text.payload(), "visit_id": row.id}
        outbox.enqueue(tx, row.hall_id, outbox.SMS, text.kind.value, payload, now)
