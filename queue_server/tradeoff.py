"""A hall's trade-off in plain words, turned into dispatch settings (issue 18).

The director picks one phrase of a closed set (some take a number of
minutes); the server sets the five dispatch settings that decide the order
of walk-in tickets: `green_boost_s`, `target_boost_s_per_min`, `green_cap_min`,
`green_calm_cap_min` and `green_busy_cap_min` (`Policy`). The other settings
are left as they are. What
each phrase does on simulated halls is in docs/performance.md, "The grid".

Pure: the standard library, the domain and the errors.
"""

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from .domain import Policy
from .errors import InvalidInput

DISPATCH = (
    "green_boost_s",
    "target_boost_s_per_min",
    "green_cap_min",
    "green_calm_cap_min",
    "green_busy_cap_min",
)
MINUTES = (5, 30)  # what a phrase with a number accepts
STRICT_BOOST_S = 86_400  # a day: every green ticket before any normal one
_NO_CAPS = {"green_cap_min": 0, "green_calm_cap_min": 0, "green_busy_cap_min": 0}


@dataclass(frozen=True, slots=True)
class Phrase:
    key: str
    words: str  # with {n} where the minutes go
    explanation: str
    takes_minutes: bool = False

    def text(self, minutes: int | None) -> str:
        return self.words.replace("{n}", str(minutes)) if self.takes_minutes else self.words


PHRASES: Mapping[str, Phrase] = {
    p.key: p
    for p in (
        Phrase(
            "balanced",
            "按办理时限排队，绿色通道适度优先（默认）",
            "普通号按事项目标等候时间的两倍为期限，期限早的先叫；绿色通道号提前 20 分钟，"
            "最迟在取号后 30 分钟叫到，没有普通号接近目标等候时间时最迟 20 分钟",
        ),
        Phrase(
            "green_cap",
            "绿色通道最长等候不超过 {n} 分钟",
            "在默认规则上，绿色通道号以取号后这么多分钟为期限，与普通号的期限一起排序",
            takes_minutes=True,
        ),
        Phrase(
            "green_first",
            "绿色通道始终优先",
            "有绿色通道号等候时总是先叫绿色通道号；普通号等候会变长",
        ),
        Phrase(
            "fair",
            "普通号等候尽量公平",
            "普通号严格按取号先后，不按事项时限排序；绿色通道号仍提前 20 分钟",
        ),
        Phrase("arrival", "严格按取号先后", "所有号码按取号先后叫号，绿色通道不提前"),
    )
}


def settings(key: str, minutes: int | None = None) -> dict[str, int]:
    """The dispatch settings a phrase stands for; InvalidInput for an unknown
    phrase, or minutes missing or out of range where the phrase takes them."""
    phrase = PHRASES.get(key)
    if phrase is None:
        names = "、".join(f"{p.key}（{p.text(15)}）" for p in PHRASES.values())
        said = f"没有这种取舍：{key}" if key.strip() else "请选择一种取舍"
        raise InvalidInput(
            f"{said}；可选 {names}", en=f"unknown trade-off {key!r}", code="unknown_tradeoff"
        )
    if phrase.takes_minutes and (minutes is None or not MINUTES[0] <= minutes <= MINUTES[1]):
        raise InvalidInput(
            f"「{phrase.words.replace('{n}', 'N')}」的分钟数应在 {MINUTES[0]}–{MINUTES[1]} 之间"
            + ("" if minutes is None else f"，而不是 {minutes}"),
            en=f"minutes must be {MINUTES[0]}-{MINUTES[1]}",
            code="tradeoff_minutes",
        )
    default = Policy()
    found = {name: getattr(default, name) for name in DISPATCH}
    if key == "green_cap":
        assert minutes is not None
        found |= {"green_cap_min": minutes}
    elif key == "green_first":
        found |= {"green_boost_s": STRICT_BOOST_S} | _NO_CAPS
    elif key == "fair":
        found |= {"green_boost_s": 1200, "target_boost_s_per_min": 0} | _NO_CAPS
    elif key == "arrival":
        found |= {"green_boost_s": 0, "target_boost_s_per_min": 0} | _NO_CAPS
    return found


def current(policy: Policy) -> tuple[str, int | None] | None:
    """The phrase (and minutes) whose settings the policy has, if any."""
    mine = {name: getattr(policy, name) for name in DISPATCH}
    for key, phrase in PHRASES.items():
        if phrase.takes_minutes:
            minutes = policy.green_cap_min
            if MINUTES[0] <= minutes <= MINUTES[1] and settings(key, minutes) == mine:
                return key, minutes
        elif settings(key) == mine:
            return key, None
    return None


def described(policy: Policy) -> dict[str, object]:
    """Every phrase with its settings, and which one the hall's policy matches."""
    found = current(policy)
    return {
        "phrases": [
            {
                "key": p.key,
                "phrase": p.words.replace("{n}", "N"),
                "explanation": p.explanation,
                "minutes": {"minimum": MINUTES[0], "maximum": MINUTES[1]}
                if p.takes_minutes
                else None,
                "settings": settings(p.key, 15 if p.takes_minutes else None),
            }
            for p in PHRASES.values()
        ],
        "current": None if found is None else {"key": found[0], "minutes": found[1]},
        "current_text": None if found is None else PHRASES[found[0]].text(found[1]),
    }


def stored(settings: Mapping[str, Any]) -> dict[str, Any]:
    """A hall's stored settings as `Policy` takes them.

    A name this version does not know (a newer version's, during a rolling
    upgrade) is dropped rather than refused. A hall stored before the calm or
    the busy hall's green deadline existed keeps the order it chose: none if
    that order ignores targets or already puts the green channel strictly first
    (「普通号等候尽量公平」, 「严格按取号先后」, 「绿色通道始终优先」), and no
    busy deadline where the hall had turned the calm one off."""
    known = {f.name for f in fields(Policy)} - {"targets"}
    found = {k: v for k, v in settings.items() if k in known}
    ignores_targets = found.get("target_boost_s_per_min") == 0
    green_first = found.get("green_boost_s", 0) >= STRICT_BOOST_S
    chose_order = ignores_targets or green_first
    if "green_calm_cap_min" not in found and chose_order:
        found["green_calm_cap_min"] = 0
    if "green_busy_cap_min" not in found and (chose_order or found.get("green_calm_cap_min") == 0):
        found["green_busy_cap_min"] = 0
    return found
