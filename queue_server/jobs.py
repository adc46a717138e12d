"""The scheduler: the only module that imports APScheduler.

Two interval jobs, each with the server's clock: every hall's clock-driven
work (`day.HallDay.tick`), and the outbox's deliveries
(`outbox_sender.OutboxSender.deliver_due`). They run in threads of their own,
so a slow or dead provincial platform never delays the hall's jobs. The job
bodies are idempotent and safe to run in several processes at once, so every
server process may run its own scheduler; no leader election is needed.
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from .day import HallDay
from .metrics import Metrics
from .outbox_sender import OutboxSender

log = logging.getLogger("queue_server.jobs")


class Jobs:
    def __init__(
        self,
        day: HallDay,
        clock: Callable[[], datetime],
        interval_s: float,
        outbox: OutboxSender | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.day = day
        self.metrics = metrics or Metrics()
        self.clock = clock
        self.interval_s = interval_s
        self.outbox = outbox
        self._scheduler = BackgroundScheduler(timezone="UTC")
        # For /readyz: when the hall jobs last ran (monotonic), and how.
        self._started: float | None = None
        self._last_round: float | None = None
        self._last_failed = False

    def run_once(self) -> None:
        try:
            done = self.day.tick(self.clock())
        except Exception:  # a failed round is logged; the next one tries again
            log.exception("scheduled hall jobs failed")
            self._round("hall-day", failed=True)
            return
        self._round("hall-day", failed=False)
        if any(done.values()):
            log.info("hall jobs: %s", done)

    def deliver_once(self) -> None:
        if self.outbox is None:
            return
        try:
            done = self.outbox.deliver_due(self.clock())
        except Exception:  # the database was away, say: the next round tries again
            log.exception("outbox delivery round failed")
            self.metrics.job_runs.labels("outbox", "failed").inc()
            return
        self.metrics.job_runs.labels("outbox", "ok").inc()
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
        self._started = time.monotonic()

    def _round(self, job: str, *, failed: bool) -> None:
        self._last_round, self._last_failed = time.monotonic(), failed
        self.metrics.job_runs.labels(job, "failed" if failed else "ok").inc()

    def health(self) -> dict[str, Any]:
        """Is the scheduler turning? `ok` is False when it has stopped, or
        when three rounds' time has passed without one (a wedged job)."""
        if self.interval_s <= 0:
            return {"ok": True, "detail": "off (QUEUE_JOBS_INTERVAL_S=0)"}
        if not self._scheduler.running or self._started is None:
            return {"ok": False, "detail": "not running"}
        since = self._last_round if self._last_round is not None else self._started
        idle_s = round(time.monotonic() - since, 1)
        ok = idle_s <= 3 * self.interval_s + 5
        detail = "last round failed" if self._last_failed else "running"
        return {"ok": ok, "detail": detail if ok else f"no round for {idle_s} s"}

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
