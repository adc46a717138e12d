"""A hall's own settings of the shared catalogue's items, pure.

The catalogue (catalogue.json) gives every item its handling minutes, target
wait, walk-in or appointment-only, materials and 办事指引 tree; a hall may set
its own (`Hall.overrides`, stored as {code: {field: value}}), a slot capacity
of its own instead of the one its booking share works out, and a tree of its
own or none (`guide`: the tree's JSON, or false). Only values that
differ from the catalogue's are kept, so an item the catalogue changes later
follows it unless the hall set that very field.

Whether a hall offers an item at all is not an override: `Hall.services` (the
enabled subset, None for the whole catalogue) stays its one source.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from .domain import Hall, Service
from .guide_trees import Guide, parse_guide

# The fields of a `Service` a hall may set, in the words of the console and the audit.
SERVICE_FIELDS: Mapping[str, str] = {
    "target_wait_minutes": "目标等候时间",
    "minutes": "办理时长",
    "walk_in": "现场取号",
    "slot_capacity": "每时段预约名额",
    "materials": "所需材料",
    "remote": "线上取号",
}
GUIDE = "guide"
FIELDS: Mapping[str, str] = {**SERVICE_FIELDS, GUIDE: "办事指引"}


def settings_of(service: Service, guide: Guide | None) -> dict[str, Any]:
    """The item's settable fields as JSON values (no tree: false)."""
    fields = {name: _plain(getattr(service, name)) for name in SERVICE_FIELDS}
    return fields | {GUIDE: guide.public() if guide else False}


def guide_here(default: Guide | None, code: str, hall: Hall) -> Guide | None:
    """The item's tree as `hall` runs it: its own, none, or the catalogue's."""
    own = hall.overrides.get(code, {}).get(GUIDE)
    if own is None:
        return default
    return _parsed(json.dumps(own, sort_keys=True, ensure_ascii=False)) if own else None


@lru_cache(maxsize=256)
def _parsed(tree: str) -> Guide:
    # Checked when the hall set it; every page and ticket of the item reads it.
    return parse_guide(json.loads(tree))


def apply(service: Service, overrides: Mapping[str, object]) -> Service:
    """`service` with a hall's own values of the fields it set."""
    changes: dict[str, Any] = {
        name: tuple(value) if isinstance(value, list) else value
        for name, value in overrides.items()
        if name in SERVICE_FIELDS
    }
    return replace(service, **changes) if changes else service


def here(service: Service, hall: Hall) -> Service:
    """`service` as `hall` runs it."""
    found = hall.overrides.get(service.code)
    return apply(service, found) if found else service


def effective(services: Mapping[str, Service], hall: Hall) -> dict[str, Service]:
    """Every catalogue item as `hall` runs it (offered or not)."""
    return {code: here(s, hall) for code, s in services.items()}


def changed(
    default: Service,
    guide: Guide | None,
    current: Mapping[str, object],
    patch: Mapping[str, Any],
) -> dict[str, Any]:
    """The item's overrides after `patch` ({field: value}; None: the catalogue's
    value again), keeping only values that differ from the catalogue's (`default`
    and its tree `guide`)."""
    merged = {k: v for k, v in current.items() if k in FIELDS} | {
        k: v for k, v in patch.items() if k in FIELDS
    }
    plain = settings_of(default, guide)
    return {k: _plain(v) for k, v in merged.items() if v is not None and _plain(v) != plain[k]}


def enabled_after(hall: Hall, codes: Iterable[str], code: str, enabled: bool) -> list[str] | None:
    """The hall's enabled list once `code` is switched on or off, of all `codes`
    (the catalogue's, in order); None when every item is on, so that items the
    catalogue adds later are offered too."""
    every = list(codes)
    on = [c for c in every if (enabled if c == code else hall.offers(c))]
    return None if len(on) == len(every) else on


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple | list) else value
