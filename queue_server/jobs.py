"""The scheduler: the only module that imports APScheduler.

Two interval jobs, each with the server's clock: every hall's clock-driven
work (`day.HallDay.tick`), and the outbox's deliveries
(`outbox_sender.OutboxSender.deliver_due`). They run in threads of their own,
so a slow or dead provincial platform never delays the hall's jobs. The job
bodies are idempotent and safe to run in several processes at once, so every
server process may run its own scheduler; no leader election is needed.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler

from .day import HallDay
from .outbox_sender import OutboxSender

log = logging.getLogger("queue_server.jobs")


class Jobs:
    def __init__(
        self,
        day: HallDay,
        clock: Callable[[], datetime],
        interval_s: float,
        outbox: OutboxSender | None = None,
    ) -> None:
        self.day = day
        self.clock = clock
        self.interval_s = interval_s
        self.outbox = outbox
        self._scheduler = BackgroundScheduler(timezone="UTC")

    def run_once(self) -> None:
        try:
            done = self.day.tick(self.clock())
        except Exception:  # a failed round is logged; the next one tries again
            log.exception("scheduled hall jobs failed")
            return
        if any(done.values()):
            log.info("hall jobs: %s", done)

    def deliver_once(self) -> None:
        if self.outbox is None:
            return
        try:
            done = self.outbox.deliver_due(self.clock())
        except Exception:  # the database was away, say: the next round tries again
            log.exception("outbox delivery round failed")
            return
        if done:
            log.info("outbox: %s", done)

    def start(self) -> None:
        if self.interval_s <= 0:
            return
        for job, name in ((self.run_once, "hall-day"), (self.deliver_once, "outbox")):
            self._scheduler.add_job(
                job, "interval", seconds=self.interval_s, max_instances=1, coalesce=True, id=name
            )
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
