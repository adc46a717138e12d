"""Four weeks of simulated days for the demo hall, so that its 排班建议 has a
forecast from the first start (a real hall's comes from its own days).

Written once, by `queue-server serve --demo`, when the demo hall has no day
before today: each past day is a simulated day of the demo's ten windows
(`simulation.hall.run`, the real dispatch), its tickets moved to that date.
Walk-ins only, with no personal data, and their call log (as a real day's,
so that the day's reports agree); each ticket gets a fresh random id, as a
real one does, since a ticket's public page and rating need only its id.
"""

from dataclasses import fields, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select

from . import catalogue as catalogue_module
from .desk import new_ticket_id
from .domain import Hall, Policy, Ticket
from .simulation.day import HallConfig, comprehensive, visitors
from .simulation.hall import DAY, run
from .state_parts import Logged
from .state_rows import new_ticket_row, step_row
from .store import Store
from .ticket_rows import TICKETS, TRANSITIONS

WEEKS = 4
CONFIG = HallConfig(windows=10, load=0.7)  # the demo's ten windows, each taking everything
_TIMES = [f.name for f in fields(Ticket) if f.name.endswith("_at")]


def seed(store: Store, hall: Hall, now: datetime) -> int:
    """Write the simulated weeks before today unless the hall has any day
    before it; the number of tickets written."""
    catalogue = catalogue_module.load()
    policy = Policy(targets=catalogue.targets())
    today = hall.business_date(now)
    with store.write() as tx:
        before = (TICKETS.c.hall_id == hall.id, TICKETS.c.business_date < today)
        if tx.s.execute(select(func.count()).select_from(TICKETS).where(*before)).scalar_one():
            return 0
        tickets, steps = [], []
        for back in range(7 * WEEKS, 0, -1):
            day = today - timedelta(days=back)
            people = visitors(CONFIG, catalogue, seed=day.toordinal())
            result = run(
                people, comprehensive(CONFIG), policy, config=CONFIG, catalogue=catalogue,
                keep_log=True,
            )  # fmt: skip
            shift = datetime(day.year, day.month, day.day, tzinfo=hall.zone) - DAY
            ids = {t.id: new_ticket_id() for t in result.tickets}
            moved = {t.id: _moved(t, hall.id, ids[t.id], day, shift) for t in result.tickets}
            tickets += [new_ticket_row(t) for t in moved.values()]
            steps += [_step(s, moved[s.ticket.id], shift) for s in result.log]
        tx.s.execute(insert(TICKETS), tickets)
        tx.s.execute(insert(TRANSITIONS), steps)
    return len(tickets)


def _moved(ticket: Ticket, hall_id: str, new_id: str, day: date, shift: timedelta) -> Ticket:
    """A simulated ticket as though the demo hall had issued it on `day`."""
    times = {name: when + shift for name in _TIMES if (when := getattr(ticket, name))}
    return replace(ticket, id=new_id, hall=hall_id, business_date=day, **times)


def _step(step: Logged, moved: Ticket, shift: timedelta) -> dict[str, object]:
    """A step's log row for its ticket as moved (its window and status are the
    step's own: a row names the ticket only by id and hall)."""
    row = step_row(replace(step, ticket=replace(step.ticket, id=moved.id, hall=moved.hall)))
    since = row["passed_since"]
    return row | {"at": step.at + shift, "passed_since": since and since + shift}
