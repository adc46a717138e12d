"""The public-security service catalogue shipped with the package.

`catalogue.json` holds the categories (with their ticket prefixes) and the
service items with expected handling minutes, target waits and the materials
checklist (收件清单); for some items, the documents a booker may identify with
(the resident ID when not named), the fields of the pre-fill form (预填表单)
and the 办事指引 tree that makes the checklist personal (`guide_trees`).
Loaded once; immutable afterwards. A hall's own settings of the items
(`hall_catalogue`) are laid over it per hall: `for_hall`.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType

from .domain import Category, Hall, Service
from .errors import InvalidInput, NotFound
from .forms import FormField, parse_fields
from .guide_trees import Guide, parse_guide
from .hall_catalogue import effective, guide_here
from .identity import DocumentType

DEFAULT_DOCUMENTS = (DocumentType.RESIDENT_ID,)
_KEEP_HALLS = 64  # distinct hall settings kept worked out (halls x recent edits)

# A hall's items with its own settings, and their target waits (`Policy.targets`).
HallItems = tuple[Mapping[str, Service], Mapping[str, int]]


@dataclass(frozen=True, slots=True)
class Catalogue:
    categories: dict[str, Category]
    services: dict[str, Service]
    forms: dict[str, tuple[FormField, ...]] = field(default_factory=dict)
    documents: dict[str, tuple[DocumentType, ...]] = field(default_factory=dict)
    guides: dict[str, Guide] = field(default_factory=dict)
    # Each service's target wait in minutes, as a hall's `Policy.targets` holds them.
    target_waits: Mapping[str, int] = field(init=False, repr=False, compare=False)
    # Halls' items worked out, by their settings: every transaction asks.
    _halls: dict[str, HallItems] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "target_waits", _waits(self.services))  # frozen: set once

    def for_hall(self, hall: Hall) -> HallItems:
        """Every item with `hall`'s own settings, and each one's target wait."""
        if not hall.overrides:
            return self.services, self.target_waits
        key = json.dumps(hall.overrides, sort_keys=True, ensure_ascii=False)
        found = self._halls.get(key)
        if found is None:
            if len(self._halls) >= _KEEP_HALLS:
                self._halls.clear()
            services = MappingProxyType(effective(self.services, hall))
            found = self._halls[key] = (services, _waits(services))
        return found

    def form(self, code: str) -> tuple[FormField, ...]:
        """The service's pre-fill form fields (none for most items)."""
        return self.forms.get(code, ())

    def guide(self, code: str, hall: Hall | None = None) -> Guide | None:
        """The item's 办事指引 tree: `hall`'s own, the catalogue's, or None
        (none, or the hall switched it off)."""
        return guide_here(self.guides.get(code), code, hall) if hall else self.guides.get(code)

    def accepted_documents(self, code: str) -> tuple[DocumentType, ...]:
        return self.documents.get(code, DEFAULT_DOCUMENTS)

    def check_document(self, service: Service, kind: DocumentType) -> None:
        """InvalidInput unless a booker of `service` may identify with `kind`."""
        accepted = self.accepted_documents(service.code)
        if kind not in accepted:
            raise InvalidInput(
                f"{service.name}可使用的证件为：{'、'.join(d.label for d in accepted)}",
                en=f"{service.code} accepts: {', '.join(accepted)}",
                code="document_not_accepted",
            )

    def service(self, code: str) -> Service:
        try:
            return self.services[code]
        except KeyError:
            raise NotFound(
                f"没有编码为「{code[:40]}」的事项，请重新选择（GET /api/services 列出全部事项）",
                en=f"unknown service {code[:40]!r}; GET /api/services lists the valid codes",
                code="unknown_service",
            ) from None

    def targets(self) -> dict[str, int]:
        """Each service's target wait in minutes, as a hall's `Policy.targets` holds them."""
        return dict(self.target_waits)

    def unknown(self, services: Iterable[str] = (), categories: Iterable[str] = ()) -> list[str]:
        """The names among `services` and `categories` that the catalogue lacks."""
        return [s for s in services if s not in self.services] + [
            c for c in categories if c not in self.categories
        ]


def _waits(services: Mapping[str, Service]) -> Mapping[str, int]:
    return MappingProxyType({code: s.target_wait_minutes for code, s in services.items()})


@cache
def load() -> Catalogue:
    raw = json.loads(resources.files(__package__).joinpath("catalogue.json").read_text("utf-8"))
    categories = {c["code"]: Category(c["code"], c["name"], c["prefix"]) for c in raw["categories"]}
    services = {
        s["code"]: Service(
            code=s["code"],
            name=s["name"],
            category=s["category"],
            prefix=categories[s["category"]].prefix,
            minutes=s["minutes"],
            target_wait_minutes=s["target_wait_minutes"],
            walk_in=s["walk_in"],
            materials=tuple(s["materials"]),
        )
        for s in raw["services"]
    }
    forms = {s["code"]: parse_fields(s["form"]) for s in raw["services"] if s.get("form")}
    documents = {
        s["code"]: tuple(DocumentType(d) for d in s["documents"])
        for s in raw["services"]
        if s.get("documents")
    }
    guides = {s["code"]: parse_guide(s["guide"]) for s in raw["services"] if s.get("guide")}
    return Catalogue(categories, services, forms, documents, guides)
