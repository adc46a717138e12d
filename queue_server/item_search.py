"""Finding a service item the way a 导办 types it: by name, or by pinyin.

The greeter's tablet has no time for a category tree: "sfz" (the initials of
身份证) or "shenfenzheng" finds 居民身份证…, "身份证" finds the same. The
pinyin of every item name is worked out once, when the index is built from
the catalogue, never per request (pypinyin reads its dictionaries once and
takes a few milliseconds per name). Names use their most common reading;
pypinyin's phrase dictionary picks it in context (驾驶证 jiashizheng).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

from .catalogue import Catalogue
from .domain import Service

MAX_RESULTS = 20
MAX_QUERY = 40


@dataclass(frozen=True, slots=True)
class _Entry:
    service: Service
    name: str  # lower-case, for codes and Latin letters in names
    initials: str  # "jmsfzscsl" for 居民身份证首次申领
    spelled: str  # "juminshenfenzhengshoucishenling"
    category: str  # the category's Chinese name (户政)


class ItemIndex:
    """The catalogue's items with their pinyin, in catalogue order."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._entries = [
            _Entry(
                service,
                service.name.lower(),
                "".join(lazy_pinyin(service.name, style=Style.FIRST_LETTER)).lower(),
                "".join(lazy_pinyin(service.name)).lower(),
                catalogue.categories[service.category].name,
            )
            for service in catalogue.services.values()
        ]

    def search(self, query: str, offered: Iterable[str]) -> list[Service]:
        """The items among `offered` that `query` names, best first: those whose
        name, initials or spelling starts with it, then those that contain it
        (or whose code or category does), each in catalogue order. An empty
        query lists every offered item."""
        wanted = "".join(query.split()).lower()[:MAX_QUERY]
        allowed = set(offered)
        starts: list[Service] = []
        contains: list[Service] = []
        for entry in self._entries:
            if entry.service.code not in allowed:
                continue
            texts = (entry.name, entry.initials, entry.spelled)
            if any(t.startswith(wanted) for t in texts):
                starts.append(entry.service)
            elif any(wanted in t for t in (*texts, entry.service.code.lower(), entry.category)):
                contains.append(entry.service)
        return (starts + contains)[:MAX_RESULTS]
