"""The hall's catalogue as the console and the ticket machine see it, and the
director's changes to one item (`hall_catalogue` holds the rules).

A change is stored in the hall's row (the enabled list, the items' own
settings), which every transaction of every process reads afresh: the next
ticket, estimate, booking or kiosk listing anywhere follows it at once.
"""

from datetime import datetime
from typing import Any

from . import audit
from .access import HALL_ROLES, Principal, Role, require
from .bodies import CatalogueItemIn
from .domain import Hall, Service
from .errors import InvalidInput
from .guide_trees import parse_guide
from .hall_catalogue import FIELDS, GUIDE, changed, enabled_after, here, settings_of
from .protocol import Event
from .store import Tx
from .transactions import Runner


class CatalogueAdmin(Runner):
    def hall_catalogue(self, principal: Principal, hall_id: str) -> dict[str, Any]:
        """Every catalogue item as the hall runs it, offered or not, with the
        fields the hall set itself and the catalogue's values. Any device or
        member of the hall may read it (the 导办 desk and clerks too)."""
        require(principal, HALL_ROLES | {Role.CLERK}, hall=hall_id)
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
        return {
            "hall": hall.id,
            "categories": [
                {"code": c.code, "name": c.name, "prefix": c.prefix}
                for c in self.catalogue.categories.values()
            ],
            "services": [
                # With the documents a visitor may identify with (foreigners', 港澳台 permits).
                self._item_view(s, hall) | {"documents": self._documents(s.code)}
                for s in self.catalogue.services.values()
            ],
        }

    def _documents(self, code: str) -> list[str]:
        return [d.value for d in self.catalogue.accepted_documents(code)]

    def set_item(
        self, principal: Principal, hall_id: str, code: str, body: CatalogueItemIn
    ) -> dict[str, Any]:
        """Switch an item on or off, or set the hall's own values of its fields."""
        require(principal, set(), hall=hall_id)
        default = self.catalogue.service(code)
        patch = body.model_dump(exclude_unset=True)
        if not patch:
            raise InvalidInput(
                "请给出要修改的设置：开通、" + "、".join(FIELDS.values()),
                en=f"give a setting to change: enabled, {', '.join(FIELDS)}",
                code="nothing_to_change",
            )
        materials = patch.get("materials") or []
        if len(set(materials)) != len(materials):
            raise InvalidInput(
                "材料清单中有重复的条目，请删去重复项",
                en="the materials list repeats an entry",
                code="repeated_material",
            )
        if patch.get(GUIDE) not in (None, False):  # checked ({} too), kept in its plain form
            patch[GUIDE] = parse_guide(patch[GUIDE]).public()

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            hall = tx.hall(hall_id)
            before = self._item_view(default, hall)
            tx.set_hall(hall_id, **self._changes(hall, default, patch))
            after = self._item_view(default, tx.hall(hall_id))
            moved = [k for k in ("enabled", *FIELDS) if before[k] != after[k]]
            if moved:
                audit.record(
                    tx,
                    principal,
                    hall_id,
                    "catalogue.item",
                    code,
                    before={k: before[k] for k in moved},
                    after={k: after[k] for k in moved},
                    now=now,
                )
            return after

        return self.write(hall_id, work)

    def _changes(self, hall: Hall, default: Service, patch: dict[str, Any]) -> dict[str, Any]:
        """The hall row's new values: its enabled list, its items' own settings."""
        changes: dict[str, Any] = {}
        if "enabled" in patch:
            on = patch["enabled"] is not False  # null: back to the default, offered
            changes["services"] = enabled_after(hall, self.catalogue.services, default.code, on)
        if patch.keys() & FIELDS.keys():
            overrides = {k: v for k, v in hall.overrides.items() if k != default.code}
            guide = self.catalogue.guide(default.code)
            if own := changed(default, guide, hall.overrides.get(default.code, {}), patch):
                overrides[default.code] = own
            changes["catalogue"] = overrides or None
        return changes

    def _item_view(self, default: Service, hall: Hall) -> dict[str, Any]:
        """The item as the hall runs it (`guide`: its tree, or false), with
        the catalogue's values and the fields the hall set itself."""
        own = hall.overrides.get(default.code, {})
        return {
            "code": default.code,
            "name": default.name,
            "category": default.category,
            "prefix": default.prefix,
            "enabled": hall.offers(default.code),
            **settings_of(here(default, hall), self.catalogue.guide(default.code, hall)),
            "overridden": [k for k in FIELDS if k in own],
            "defaults": settings_of(default, self.catalogue.guide(default.code)),
        }
