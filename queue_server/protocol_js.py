"""`/static/protocol.js`: the wire vocabulary of `protocol.py`, for the browser.

The pages take every name they share with the server from this generated
script (`window.YiChuangProtocol`), never from a copy of their own: event and
message types, ticket, window and device states with their words, and the
sequence rule. Built once from `protocol.py` when first asked for, so a page
and its server always speak the same words.

The rule itself is code: `SEQ_VERDICT_JS` below is the twin of
`protocol.seq_verdict`, and tests/browser check that the two agree case by case.
"""

import json
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import cache
from typing import Any

from . import protocol


def _names(kind: type[StrEnum]) -> dict[str, str]:
    return {member.name: member.value for member in kind}


def _sorted(values: Iterable[str]) -> list[str]:
    return sorted(str(v) for v in values)


def _words(words: Mapping[str, str]) -> dict[str, str]:
    return {str(k): v for k, v in words.items()}


def vocabulary() -> dict[str, Any]:
    """What the script gives the pages, as data (JSON-ready)."""
    return {
        "MESSAGE_TYPES": _names(protocol.MessageType),
        "EVENT_TYPES": _names(protocol.EventType),
        "TICKET_STATUSES": _names(protocol.TicketStatus),
        "WINDOW_STATES": _names(protocol.WindowState),
        "WINDOW_STATE_ZH": _words(protocol.WINDOW_STATE_ZH),
        "HOLDING_STATES": _sorted(protocol.HOLDING_STATES),
        "DEVICE_STATES": _names(protocol.DeviceState),
        "DEVICE_STATES_ZH": _words(protocol.DEVICE_STATES_ZH),
        "CALL_REASONS": _names(protocol.CallReason),
        "CALL_REASON_ZH": _words(protocol.CALL_REASON_ZH),
        "CALL_REASON_BOARD": _words(protocol.CALL_REASON_BOARD),
        "CALL_EVENTS": _sorted(protocol.CALL_EVENTS),
        "ENDS_CALL": _sorted(protocol.ENDS_CALL),
        "REPORTS_SEQ": _sorted(protocol.REPORTS_SEQ),
        "SEQ_VERDICTS": _names(protocol.SeqVerdict),
    }


# protocol.seq_verdict, in JavaScript: `kind` undefined or null is an event.
SEQ_VERDICT_JS = """\
  function seqVerdict(last, seq, kind) {
    if (seq <= last) return names.SEQ_VERDICTS.STALE;
    if (seq === last + 1 && !names.REPORTS_SEQ.includes(kind)) return names.SEQ_VERDICTS.APPLY;
    return names.SEQ_VERDICTS.RESYNC;
  }
"""


@cache
def script() -> str:
    """The whole script, the same bytes for the life of the process."""
    names = json.dumps(vocabulary(), ensure_ascii=False, indent=2, sort_keys=True)
    return (
        "/*\n"
        " * The hall feed's vocabulary, generated from queue_server/protocol.py by\n"
        " * queue_server/protocol_js.py: do not edit, and do not copy these names into\n"
        " * another script; read them from window.YiChuangProtocol.\n"
        " */\n"
        "(function (root) {\n"
        '  "use strict";\n'
        f"  const names = {_indented(names)};\n"
        f"{SEQ_VERDICT_JS}"
        "  const freeze = (value) => {\n"
        '    if (value && typeof value === "object") Object.values(value).forEach(freeze);\n'
        "    return Object.freeze(value);\n"
        "  };\n"
        "  root.YiChuangProtocol = freeze({ ...names, seqVerdict });\n"
        '})(typeof window !== "undefined" ? window : globalThis);\n'
    )


def _indented(text: str) -> str:
    return text.replace("\n", "\n  ")
