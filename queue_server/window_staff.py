"""Who is signed in at a hall's windows, as the window screens may show it.

A hall whose policy sets `window_shows_staff` has each window's screen show
the 工号 and name of the member signed in there (staff data, not a
visitor's): the board's snapshot gives each window its `staff`, and each
sign-in or sign-out announces `window.updated` with the window and its new
`staff` ({staff_no, name}, or null) in it. Without the flag neither carries a
member, so a hall that does not opt in sends no staff name to its screens.
"""

from collections.abc import Iterable
from datetime import datetime

from .hall_state import HallState
from .models import StaffRow
from .protocol import Event, EventType
from .store import Tx


def staff_line(member: StaffRow | None) -> dict[str, str] | None:
    """A member as a window's screen names them: 工号 and name, nothing else."""
    return None if member is None else {"staff_no": member.staff_no, "name": member.name}


def board_staff(tx: Tx, state: HallState, now: datetime) -> dict[int, dict[str, str] | None]:
    """Each window's `staff` for the board's snapshot; empty without the flag."""
    if not state.hall.policy.window_shows_staff:
        return {}
    signed = tx.signed_in(state.hall.id, now)
    return {w.number: staff_line(signed.get(w.number)) for w in state.window_list()}


def staff_events(tx: Tx, state: HallState, numbers: Iterable[int], now: datetime) -> list[Event]:
    """`window.updated` for each window of `numbers` with whoever is signed in
    there now (after the change); none when the hall keeps staff off its screens."""
    if not state.hall.policy.window_shows_staff:
        return []
    return _updates(tx, state, numbers, now)


def flag_events(tx: Tx, state: HallState, now: datetime) -> list[Event]:
    """After the flag changed: every window with its member, or with null when
    the hall just turned the flag off (the screens clear their staff line)."""
    return _updates(tx, state, (w.number for w in state.window_list()), now)


def _updates(tx: Tx, state: HallState, numbers: Iterable[int], now: datetime) -> list[Event]:
    shown = state.hall.policy.window_shows_staff
    signed = tx.signed_in(state.hall.id, now) if shown else {}
    return [
        Event(
            EventType.WINDOW_UPDATED,
            {"window": state.public_window(state.window(n)) | {"staff": staff_line(signed.get(n))}},
        )
        for n in sorted(set(numbers))
    ]
