"""A hall's own settings of the shared catalogue's items, pure.

The catalogue (catalogue.json) gives every item its handling minutes, target
wait, walk-in or appointment-only, and materials; a hall may set its own
(`Hall.overrides`, stored as {code: {field: value}}), and a slot capacity of
its own instead of the one its booking share works out. Only values that
differ from the catalogue's are kept, so an item the catalogue changes later
follows it unless the hall set that very field.

Whether a hall offers an item at all is not an override: `Hall.services` (the
enabled subset, None for the whole catalogue) stays its one source.
"""

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from .domain import Hall, Service

# The fields a hall may set, in the words of the console and the audit.
FIELDS: Mapping[str, str] = {
    "target_wait_minutes": "目标等候时间",
    "minutes": "办理时长",
    "walk_in": "现场取号",
    "slot_capacity": "每时段预约名额",
    "materials": "所需材料",
    "remote": "线上取号",
}


def settings_of(service: Service) -> dict[str, Any]:
    """The item's settable fields as JSON values."""
    return {name: _plain(getattr(service, name)) for name in FIELDS}


def apply(service: Service, overrides: Mapping[str, object]) -> Service:
    """`service` with a hall's own values of the fields it set."""
    changes: dict[str, Any] = {
        name: tuple(value) if isinstance(value, list) else value
        for name, value in overrides.items()
        if name in FIELDS
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
    default: Service, current: Mapping[str, object], patch: Mapping[str, Any]
) -> dict[str, Any]:
    """The item's overrides after `patch` ({field: value}; None: the catalogue's
    value again), keeping only values that differ from the catalogue's."""
    merged = {k: v for k, v in current.items() if k in FIELDS} | {
        k: v for k, v in patch.items() if k in FIELDS
    }
    plain = settings_of(default)
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
