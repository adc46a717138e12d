"""The scheduler: the only module that imports APScheduler.

One interval job runs every hall's clock-driven work (`day.HallDay.tick`)
with the server's clock. The job bodies are idempotent and safe to run in
several processes at once, so every server process may run its own
scheduler; no leader election is needed.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler

from .day import HallDay

log = logging.getLogger("queue_server.jobs")


class Jobs:
    def __init__(self, day: HallDay, clock: Callable[[], datetime], interval_s: float) -> None:
        self.day = day
        self.clock = clock
        self.interval_s = interval_s
        self._scheduler = BackgroundScheduler(timezone="UTC")

    def run_once(self) -> None:
        try:
            done = self.day.tick(self.clock())
        except Exception:  # a failed round is logged; the next one tries again
            log.exception("scheduled hall jobs failed")
            return
        if any(done.values()):
            log.info("hall jobs: %s", done)

    def start(self) -> None:
        if self.interval_s <= 0:
            return
        self._scheduler.add_job(
            self.run_once,
            "interval",
            seconds=self.interval_s,
            max_instances=1,
            coalesce=True,
            id="hall-day",
        )
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
