"""The city view: every hall of the server at a glance, for the city's admin
(a city runs one centre and its sub-centres). Read from the halls' kept state,
so a console that asks every few seconds costs little; answers are shared for
CITY_CACHE_S between the consoles of one process."""

import threading
import time
from datetime import datetime
from typing import Any

from .access import Principal, require
from .protocol import TicketStatus, WindowState
from .public import local_iso
from .store import Tx
from .transactions import Runner

CITY_CACHE_S = 2.0
_AT_WORK = (WindowState.OPEN, WindowState.CALLING, WindowState.SERVING)


class City(Runner):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._city_lock = threading.Lock()
        self._city: tuple[float, dict[str, Any]] | None = None  # (monotonic time, answer)

    def city(self, principal: Principal) -> dict[str, Any]:
        """Each hall: waiting, open windows, the longest wait, today's open alerts."""
        require(principal, set())  # the server's admin: a hall's admin sees its hall alone
        with self._city_lock:
            kept = self._city
            if kept is not None and time.monotonic() - kept[0] < CITY_CACHE_S:
                return kept[1]
            now = self.clock()
            with self.store.read() as tx:
                halls = [self._hall_figures(tx, hall_id, now) for hall_id in tx.hall_ids()]
            answer = {"at": now.isoformat(), "halls": halls}
            self._city = (time.monotonic(), answer)
            return answer

    def _hall_figures(self, tx: Tx, hall_id: str, now: datetime) -> dict[str, Any]:
        state = self.state(tx, hall_id, now, reading=True)
        hall, windows = state.hall, state.window_list()
        waiting = [t for t in state.tickets.values() if t.status is TicketStatus.WAITING]
        oldest = min((t.arrived_at for t in waiting), default=None)
        alerts = tx.day_alerts(hall_id, hall.business_date(now))
        acked = tx.alert_acks(hall_id, [a.public_id for a in alerts])
        return {
            "id": hall.id,
            "name": hall.name,
            "timezone": hall.timezone,
            "waiting": len(waiting),
            "open_windows": sum(w.state in _AT_WORK for w in windows),
            "paused_windows": sum(w.state is WindowState.PAUSED for w in windows),
            "windows": len(windows),
            "longest_wait_s": round((now - oldest).total_seconds()) if oldest else 0,
            "oldest_since": local_iso(oldest, hall.zone),
            "open_alerts": sum(a.public_id not in acked for a in alerts),
        }
