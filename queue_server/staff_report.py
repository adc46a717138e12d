"""The day's 人员绩效 rows for GET …/stats (`staff`): the transitions with the
工号 their actors carry, the audit's window sign-ins and sign-outs, the live
sessions and the ratings, handed to the pure `staff_figures`."""

from datetime import date, datetime, timedelta
from typing import Any

from .access import actor_staff_no
from .domain import Hall
from .staff_figures import Signing, StaffStep, staff_figures
from .store import Tx


def member_of(actor: str | None, hall: str) -> str | None:
    """The 工号 in a transition's actor; None for a token or the system."""
    return None if actor is None else actor_staff_no(actor, hall)


def staff_day(tx: Tx, hall: Hall, day: date, now: datetime) -> list[dict[str, Any]]:
    """The day's 人员绩效 rows (see staff_figures), each with the member's name."""
    h, zone = hall.id, hall.zone
    start = datetime.combine(day, datetime.min.time(), zone)
    end = start + timedelta(days=1)
    steps = [
        StaffStep(s.ticket_id, s.action, s.window, s.at, member_of(s.actor, h))
        for s in tx.day_actor_steps(h, day)
    ]
    signings = [
        sign
        for row in tx.audit_rows(h, start, end)
        if (sign := signing(row.action, row.target, row.actor, row.before, row.at, h))
    ]
    live = {n: m.staff_no for n, m in tx.signed_in(h, now).items()}
    ratings = [(r.staff_no, r.score) for r in tx.day_ratings(h, day)]
    names = {m.staff_no: m.name for m in tx.staff(h)}
    figures = staff_figures(steps, signings, ratings, live, min(now, end))
    return [{"name": names.get(no, "")} | f for no, f in figures.items()]


def signing(
    action: str, target: str, actor: str, before: dict[str, Any] | None, at: datetime, hall: str
) -> Signing | None:
    """A sign-in or sign-out of the audit ("window 4" its target), else None."""
    if action not in ("window.sign_in", "window.sign_out") or not target.startswith("window "):
        return None
    window = target.removeprefix("window ")
    if not window.isdigit():
        return None
    if action == "window.sign_in":
        member = actor_staff_no(actor, hall)
    else:
        member = (before or {}).get("staff_no")
    if not isinstance(member, str):
        return None
    return Signing(at, int(window), member, action == "window.sign_in")
