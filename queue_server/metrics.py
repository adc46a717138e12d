"""Prometheus metrics of one server process (prometheus-client).

Counted where it happens, after the commit, by the process that did it
(Prometheus sums the processes of a city): tickets issued, called, served
and ended as no-shows, with the wait at the first call and the handling time
at the finish; each write transaction's time and its group-commit batch
size; HTTP latency by route template (never by the path, which holds ticket
ids); the feed's lag from commit to the moment an event is handed to the
displays; scheduler rounds. Read when scraped, from the halls' current
state: tickets waiting, the longest wait now, open windows, connected
displays, devices by reported state.

Labels hold hall ids, route templates, event and state names: never a
token, a ticket id, a number or anything personal.
"""

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .protocol import Event, EventType, WindowState

COUNTED = {
    EventType.TICKET_ISSUED: "issued",
    EventType.TICKET_CALLED: "called",
    EventType.TICKET_FINISHED: "served",
    EventType.TICKET_NO_SHOW: "no_show",
}
MINUTES = (60, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200)
FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
AT_WORK = frozenset({WindowState.OPEN, WindowState.CALLING, WindowState.SERVING})

HallFigures = dict[str, dict[str, Any]]  # per hall: waiting, longest_wait_s, open_windows …


class Metrics:
    """The instruments of one process, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.tickets = Counter(
            "yichuang_tickets", "Tickets by what happened to them", ["hall", "event"], registry=r
        )
        self.wait = Histogram(
            "yichuang_wait_seconds", "Wait from arrival to the call", ["hall"], buckets=MINUTES,
            registry=r,
        )  # fmt: skip
        self.handling = Histogram(
            "yichuang_handling_seconds", "Handling time at the window", ["hall"], buckets=MINUTES,
            registry=r,
        )  # fmt: skip
        self.transaction = Histogram(
            "yichuang_db_transaction_seconds", "A hall's write transaction, commit included",
            buckets=FAST, registry=r,
        )  # fmt: skip
        self.batch = Histogram(
            "yichuang_group_commit_batch_size", "Changes sharing one transaction",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128), registry=r,
        )  # fmt: skip
        self.requests = Histogram(
            "yichuang_http_request_seconds", "HTTP requests by route template",
            ["route", "method", "status"], buckets=FAST, registry=r,
        )  # fmt: skip
        self.feed_lag = Histogram(
            "yichuang_feed_lag_seconds", "From an event's commit to its hand-off to the displays",
            buckets=FAST, registry=r,
        )  # fmt: skip
        self.job_runs = Counter(
            "yichuang_scheduler_runs", "Scheduler rounds", ["job", "result"], registry=r
        )
        self._halls = _HallCollector(lambda: {})
        r.register(self._halls)

    def committed(self, hall: str, events: Iterable[Event], batch: int, seconds: float) -> None:
        """A hall's transaction committed with these events."""
        self.transaction.observe(seconds)
        self.batch.observe(batch)
        for event in events:
            counted = COUNTED.get(event.type)
            if counted is None:
                continue
            self.tickets.labels(hall, counted).inc()
            if event.took_s is not None:
                took = self.wait if counted == "called" else self.handling
                took.labels(hall).observe(event.took_s)

    def watch(self, read: Callable[[], HallFigures]) -> None:
        """Read the halls' figures with `read` at each scrape."""
        self._halls.read = read

    def exposition(self) -> bytes:
        text: bytes = generate_latest(self.registry)
        return text


class _HallCollector(Collector):
    def __init__(self, read: Callable[[], HallFigures]) -> None:
        self.read = read

    def collect(self) -> Iterator[Metric]:
        halls = self.read()
        for name, key, text in _GAUGES:
            family = GaugeMetricFamily(name, text, labels=["hall"])
            for hall, figures in halls.items():
                family.add_metric([hall], figures[key])
            yield family
        devices = GaugeMetricFamily(
            "yichuang_devices", "Devices by their last reported state", labels=["hall", "state"]
        )
        for hall, figures in halls.items():
            for state, count in figures["devices"].items():
                devices.add_metric([hall, state], count)
        yield devices


_GAUGES = (
    ("yichuang_waiting", "waiting", "Tickets waiting now"),
    ("yichuang_longest_wait_seconds", "longest_wait_s", "The longest wait of a waiting ticket"),
    ("yichuang_open_windows", "open_windows", "Windows open, calling or serving"),
    ("yichuang_displays_connected", "displays", "Display sockets connected to this process"),
)


def hall_figures(
    state: Any, now: datetime, displays: int, devices: dict[str, int]
) -> dict[str, Any]:
    """One hall's gauges from its state (`HallState`)."""
    queue = state.queue()
    longest = max(((now - t.arrived_at).total_seconds() for t in queue), default=0.0)
    return {
        "waiting": len(queue),
        "longest_wait_s": max(0.0, longest),
        "open_windows": sum(1 for w in state.windows.values() if w.state in AT_WORK),
        "displays": displays,
        "devices": devices,
    }
