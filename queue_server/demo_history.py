"""Four weeks of simulated days for the demo hall, so that its 排班建议 has a
forecast from the first start (a real hall's comes from its own days).

Written once, by `queue-server serve --demo`, when the demo hall has no day
before today: each past day is a simulated day of the demo's ten windows
(`simulation.hall.run`, the real dispatch), its tickets moved to that date.
Walk-ins only, with no personal data; the call log is left out.
"""

from dataclasses import fields, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select

from . import catalogue as catalogue_module
from .domain import Hall, Policy, Ticket
from .simulation.day import HallConfig, comprehensive, visitors
from .simulation.hall import DAY, run
from .state_rows import new_ticket_row
from .store import Store
from .ticket_rows import TICKETS

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
        rows = []
        for back in range(7 * WEEKS, 0, -1):
            day = today - timedelta(days=back)
            people = visitors(CONFIG, catalogue, seed=day.toordinal())
            result = run(people, comprehensive(CONFIG), policy, config=CONFIG, catalogue=catalogue)
            shift = datetime(day.year, day.month, day.day, tzinfo=hall.zone) - DAY
            rows += [new_ticket_row(_moved(t, hall.id, day, shift)) for t in result.tickets]
        tx.s.execute(insert(TICKETS), rows)
    return len(rows)


def _moved(ticket: Ticket, hall_id: str, day: date, shift: timedelta) -> Ticket:
    """A simulated ticket as though the demo hall had issued it on `day`."""
    times = {name: when + shift for name in _TIMES if (when := getattr(ticket, name))}
    return replace(
        ticket, id=f"sim{day:%Y%m%d}-{ticket.id}", hall=hall_id, business_date=day, **times
    )
