"""The wire's rules in protocol.py, as tables: the seq rule, and the encoding
the server writes and the clients read."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from queue_server.protocol import (
    RESYNC_REQUEST,
    SeqVerdict,
    Unreadable,
    decode,
    error_message,
    feed_message,
    seq_of,
    seq_verdict,
)

APPLY, STALE, RESYNC = SeqVerdict.APPLY, SeqVerdict.STALE, SeqVerdict.RESYNC


@pytest.mark.parametrize(
    ("last", "seq", "kind", "verdict"),
    [
        (41, 42, "ticket.called", APPLY),  # the next event
        (41, 42, None, APPLY),
        (41, 42, "something.new", APPLY),  # an unknown type still moves seq
        (41, 41, "ticket.called", STALE),  # a duplicate
        (41, 3, "ticket.called", STALE),
        (41, 43, "ticket.called", RESYNC),  # one was missed
        (41, 41, "heartbeat", STALE),  # nothing was missed
        (41, 42, "heartbeat", RESYNC),  # the server sent one we did not get
        (41, 40, "snapshot", STALE),
        (41, 42, "snapshot", RESYNC),  # for a follower that does not read snapshots
        (41, 42, ["not", "hashable"], APPLY),  # judged as an event; reading it is the client's
    ],
)
def test_the_seq_rule(last: int, seq: int, kind: Any, verdict: SeqVerdict) -> None:
    assert seq_verdict(last, seq, kind) is verdict


def test_a_feed_message_starts_with_its_type_and_seq() -> None:
    at = datetime(2026, 11, 25, 1, 31, 2, tzinfo=UTC)
    text = feed_message("ticket.called", 42, at, {"voice": "请 A023 号到 5 号窗口办理"})
    assert text.startswith('{"type":"ticket.called","seq":42,')
    assert "请 A023" in text  # UTF-8, not \\u escapes
    assert decode(text) == {
        "type": "ticket.called",
        "seq": 42,
        "at": "2026-11-25T01:31:02+00:00",
        "data": {"voice": "请 A023 号到 5 号窗口办理"},
    }
    assert "data" not in decode(feed_message("heartbeat", 42, at))
    assert decode(error_message("unknown_token", "令牌无效")) == {
        "type": "error",
        "error": "unknown_token",
        "message": "令牌无效",
    }
    assert json.loads(RESYNC_REQUEST) == {"type": "resync"}


@pytest.mark.parametrize(
    ("frame", "problem"),
    [
        ("not json {", "a message that is not JSON"),
        ("", "a message that is not JSON"),
        ("[1, 2]", "a message that is list, not an object"),
        ("null", "a message that is NoneType, not an object"),
        ('"ticket.called"', "a message that is str, not an object"),
    ],
)
def test_what_a_client_cannot_read_is_named_never_quoted(frame: str, problem: str) -> None:
    with pytest.raises(Unreadable) as caught:
        decode(frame)
    assert str(caught.value) == problem


@pytest.mark.parametrize("seq", ["41", None, True, 41.5])
def test_a_seq_is_a_whole_number(seq: Any) -> None:
    with pytest.raises(Unreadable, match=r"^seq is .*, not a whole number$"):
        seq_of({"type": "ticket.called", "seq": seq})
    assert seq_of({"seq": 41}) == 41
