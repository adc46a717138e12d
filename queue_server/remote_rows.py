"""A transaction's reads of remote places (线上取号): the one a confirmed code made,
and the live ones a phone or an ID number holds in a hall.

A remote place's `idem_key` is "remote:<phone hash>:<challenge id>": the
challenge makes a retried confirmation find its first ticket, the keyed phone
hash finds the phone's live place; neither gives the number back.
"""

from typing import Any

from sqlmodel import col, select

from .domain import ACTIVE_STATUSES, Ticket
from .models import TicketRow
from .row_mapping import ticket_from_row
from .ticket_rows import Rows

_LIVE = [s.value for s in ACTIVE_STATUSES]


def remote_key(phone_hash: str, challenge_id: str) -> str:
    return f"remote:{phone_hash}:{challenge_id}"


class RemoteRows(Rows):
    def _remote(self, hall_id: str, *where: Any) -> list[Ticket]:
        rows = self.s.scalars(
            select(TicketRow).where(
                col(TicketRow.hall_id) == hall_id, col(TicketRow.remote).is_(True), *where
            )
        )
        return [ticket_from_row(r) for r in rows]

    def remote_made_by(self, hall_id: str, challenge_id: str) -> Ticket | None:
        """The place a challenge's right code made, if it made one."""
        made = col(TicketRow.idem_key).endswith(f":{challenge_id}", autoescape=True)
        found = self._remote(hall_id, made)
        return found[0] if found else None

    def live_remote_of_phone(self, hall_id: str, phone_hash: str) -> Ticket | None:
        """The phone's live remote place in the hall, if any."""
        found = self._remote(
            hall_id,
            col(TicketRow.idem_key).startswith(f"remote:{phone_hash}:", autoescape=True),
            col(TicketRow.status).in_(_LIVE),
        )
        return found[0] if found else None

    def away_of_person(self, hall_id: str, id_hash: str) -> list[Ticket]:
        """The remote places an ID number took that wait for their holder."""
        return self._remote(
            hall_id,
            col(TicketRow.id_hash) == id_hash,
            col(TicketRow.status).in_(_LIVE),
            col(TicketRow.checked_in_at).is_(None),
        )
