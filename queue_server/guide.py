"""The 导办 desk (greeter): what the tablet at the hall's entrance asks.

The greeter finds an item by name or pinyin initials, reads out its
materials, answers "how long for X?" from the live estimate, and issues a
ticket on a visitor's behalf (through `Issuing`, as a signed-in member).
"""

from collections import Counter
from datetime import datetime
from functools import cached_property
from typing import Any

from .access import HALL_ROLES, Principal, Role, require
from .domain import STAFFED, PriorityClass, Service
from .errors import InvalidInput, QueueError
from .estimate import admit, estimate
from .hall_catalogue import here
from .hall_state import HallState, new_ticket
from .item_search import ItemIndex
from .transactions import Runner

# A staff session of the hall, whatever its role: a clerk signed in at no window too.
STAFF_ROLES = frozenset({Role.CLERK, Role.WINDOW, Role.SUPERVISOR})


class Guide(Runner):
    @cached_property
    def item_index(self) -> ItemIndex:
        """The catalogue's items with their pinyin: built once (app.py warms it)."""
        return ItemIndex(self.catalogue)

    def find_items(self, principal: Principal, hall_id: str, query: str | None) -> dict[str, Any]:
        """The hall's items that `query` names (name, pinyin or its initials), with
        their materials; every offered item (the first 20) for an empty query."""
        require(principal, STAFF_ROLES, hall=hall_id)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
        offered = [code for code in self.catalogue.services if hall.offers(code)]
        found = [here(s, hall) for s in self.item_index.search(query or "", offered)]
        return {
            "hall": hall_id,
            "hall_name": hall.name,
            "query": query or "",
            "items": [self._item(s) for s in found],
        }

    def _item(self, service: Service) -> dict[str, Any]:
        """An item as the hall runs it (its own materials, minutes, walk-in)."""
        return {
            "code": service.code,
            "name": service.name,
            "category": service.category,
            "category_name": self.catalogue.categories[service.category].name,
            "walk_in": service.walk_in,
            "minutes": service.minutes,
            "materials": list(service.materials),
        }

    def service_estimate(
        self, principal: Principal, hall_id: str, code: str | None
    ) -> dict[str, Any]:
        """How long a ticket for `code` taken now would wait: the estimate the
        ticket itself would get, and why the hall would refuse it (closed, too
        late today) if it would."""
        require(principal, HALL_ROLES | STAFF_ROLES, hall=hall_id)
        if not code:
            raise InvalidInput(
                "请给出事项编码：?service=…", en="give the service: ?service=…", code="no_service"
            )
        self.catalogue.service(code)  # an unknown code: 404 before any read
        now = self.clock()
        with self.store.read() as tx:
            state = self.state(tx, hall_id, now, reading=True)
        return _estimate_view(state, state.service(code), now)


def _estimate_view(state: HallState, service: Service, now: datetime) -> dict[str, Any]:
    # Numbered but never issued: the state (shared by readers) is not changed. Its
    # own arrival counts, as when `HallState.issue` works out a new ticket's estimate.
    ticket = new_ticket(state, service, PriorityClass.NORMAL, now, ticket_id="estimate")
    arrivals = state.day.arrivals + Counter({(service.code, service.category, False): 1})
    windows, policy = state.window_list(), state.policy_at(now)
    est = estimate(ticket, state.waiting, windows, state.means(), policy, now, arrivals=arrivals)
    refusal = None
    if not state.hall.offers(service.code):
        refusal = "本大厅不办理此事项"
    elif not service.walk_in:
        refusal = "此事项需预约办理"
    else:
        try:
            admit(state.hall, service, now, est.wait_s)
        except QueueError as refused:
            refusal = str(refused)
    return {
        "service": service.code,
        "service_name": service.name,
        "position": est.position,
        "estimated_wait_s": est.wait_s,
        "windows_open": sum(1 for w in windows if w.accepts(ticket) and w.state in STAFFED),
        "refusal": refusal,
    }
