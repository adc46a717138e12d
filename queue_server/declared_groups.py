"""Green-channel groups an ID number cannot show, and the clerk's check of them.

Age classes (elderly, minor) are proven by the resident ID number
(`issuing._priority`). Active military and their families, people with
disabilities, pregnant women, holders of a high-level talent card … are not:
the visitor declares the group at the kiosk (or a 导办 does), the ticket goes
to the green channel with `TicketRow.green_check = "claimed"`, and the clerk
who calls it sees 「现役军人及军属（待核验）」 and confirms the claim or removes
it ("confirmed" | "removed"). A removed claim counts as a normal ticket in the
figures; the ticket is already called, so nothing else moves. Both verdicts
are a transition of the ticket and an audit record; neither names a person.

The hall's groups are stored in its `specials` JSON under "declared_groups",
a list of {id, label, priority}; a hall that never set them offers the
defaults below (an empty list offers none).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from .domain import PriorityClass
from .errors import InvalidInput, NotFound

KEY = "declared_groups"
CLAIMED, CONFIRMED, REMOVED = "claimed", "confirmed", "removed"

DEFAULT_GROUPS: tuple[dict[str, str], ...] = (
    {"id": "military", "label": "现役军人及军属", "priority": "military"},
    {"id": "disability", "label": "残疾人", "priority": "disability"},
    {"id": "pregnant", "label": "孕妇", "priority": "other"},
    {"id": "talent", "label": "高层次人才", "priority": "talent"},
)

# A clerk's console shows a claim by its group; these name a class no group does.
CLASS_ZH = {
    PriorityClass.MILITARY: "现役军人",
    PriorityClass.TALENT: "高层次人才",
    PriorityClass.DISABILITY: "残疾人",
    PriorityClass.OTHER: "其他优先群体",
}


def groups(specials: Mapping[str, Any]) -> list[dict[str, str]]:
    """The hall's declared groups: its own list, or the defaults if it never set one."""
    stored = specials.get(KEY)
    return [dict(g) for g in (DEFAULT_GROUPS if stored is None else stored)]


def declared_class(specials: Mapping[str, Any], group_id: str) -> PriorityClass:
    """The class of the group a ticket declares, or a refusal if the hall has none such."""
    found = next((g for g in groups(specials) if g["id"] == group_id), None)
    if found is None:
        raise NotFound(
            "本大厅没有这个绿色通道群体，请按普通号办理或咨询工作人员",
            en=f"no declared green-channel group {group_id[:16]!r} in this hall",
            code="unknown_declared_group",
        )
    return PriorityClass(found["priority"])


def claim_label(specials: Mapping[str, Any], priority: PriorityClass) -> str:
    """What the clerk reads for a claim of `priority`: the hall's group names of that class."""
    labels = [g["label"] for g in groups(specials) if g["priority"] == priority.value]
    return "、".join(labels) or CLASS_ZH.get(priority, "绿色通道")


def check_unique(chosen: Sequence[Mapping[str, str]]) -> None:
    ids = [g["id"] for g in chosen]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise InvalidInput(
            f"群体编号重复：{'、'.join(twice)}",
            en=f"group ids appear twice: {', '.join(twice)}",
            code="duplicate_group",
        )
