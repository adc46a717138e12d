"""A fuzz of every route of a real `queue-server serve` (issue 11, part C).

Hypothesis draws requests from the app's own route table, so a new route is
fuzzed without touching this file: path parameters that are real (the hall,
a ticket, a window) or hostile (unicode, dot segments, NUL, huge numbers,
injection strings), query values, every token and none, and bodies that are
malformed JSON, wrong types for every known field, huge and deeply nested
values, or bodies over the limit (declared or chunked). The websocket gets
hostile tokens and messages. The rule: never a 5xx, no traceback in the
server log, and the server's peak memory stays bounded.

FUZZ_REQUESTS sets how many requests to send on SQLite (default 2,000: well
under a minute), half as many on PostgreSQL; e.g.
`FUZZ_REQUESTS=20000 pytest tests/server/test_fuzz.py`.
"""

import json
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
import psycopg
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from starlette.routing import Route
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from queue_server import bodies as request_bodies
from queue_server.app import create_app
from queue_server.openapi import DOCS
from tests.conftest import PG_URL, require_postgres
from tests.live import LiveServer
from tests.server.test_edge_live import peak_rss_kb

REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "2000"))
SOCKETS = max(20, REQUESTS // 100)
HALL = "fz"
ID_NUMBER = "11010519491231002X"

HOSTILE_TEXT = [
    "",
    " ",
    "' OR '1'='1' --",
    "'; DROP TABLE ticket; --",
    '"><script>alert(1)</script>',
    "../../../../etc/passwd",
    "..",
    "%00",
    "\x00",
    "\ud800",
    "${jndi:ldap://x/a}",
    "{{7*7}}",
    '=HYPERLINK("http://x")',
    "９９９",
    "²",
    "٣",
    "0x10",
    "1e999",
    "NaN",
    "-0",
    "true",
    "null",
    "[]",
    "{}",
    "A001",
    "x" * 5000,
    "兰" * 300,
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31",
    "0000-00-00",
    "2026-02-30",
    "2026-11-25T10:00:00+08:00",
    "Asia/" + "x" * 300,
    "Asia",
    "Etc",
    "HZ-SFZ-HL",
    "CRJ-HZ-SC",
    "all",
    "green",
    ID_NUMBER,
    "99999999999999999999",
]
HUGE_INTS = [2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30, -1, 0]
ACTIONS = [
    "open",
    "pause",
    "resume",
    "close",
    "call-next",
    "call",
    "recall",
    "start",
    "finish",
    "no-show",
    "transfer",
    "suspend",
    "resume-ticket",
]


def body_fields() -> list[str]:
    """Every field name of every request body the API knows."""
    found: set[str] = set()
    for value in vars(request_bodies).values():
        if (
            isinstance(value, type)
            and issubclass(value, request_bodies.Body)
            and value is not BaseModel
        ):
            found |= set(value.model_fields)
    return sorted(found)


FIELDS = body_fields()
HEADER_CHARS = st.characters(blacklist_categories=("Cc", "Cs"))  # what a client can send
QUERY_KEYS = ["date", "since_seq", "service", "hall", "data", "token"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(HUGE_INTS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(HOSTILE_TEXT),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def field_bodies(draw: st.DrawFn) -> bytes:
    """A JSON object of known field names with any values (wrong types included)."""
    keys = draw(st.lists(st.sampled_from(FIELDS), max_size=5, unique=True))
    body: dict[str, Any] = {k: draw(json_values) for k in keys}
    if draw(st.booleans()):
        body[draw(st.text(max_size=10))] = draw(json_values)
    return json.dumps(body).encode()


GOOD: dict[str, Any] = {
    "service": "HZ-SFZ-HL",
    "slot": "2026-12-07T09:00:00+08:00",
    "name": "张三",
    "id_number": ID_NUMBER,
    "phone": "13800000000",
    "form": {},
    "score": 5,
    "comment": "很好",
    "role": "display",
    "hall": HALL,
    "window": 1,
    "label": "测试",
    "ttl_s": 3600,
    "expires_at": "2030-01-01T00:00:00+08:00",
    "ticket": "A001",
    "outcome": "办结",
    "state": "ok",
    "detail": "纸将尽",
    "id": "fz2",
    "timezone": "Asia/Shanghai",
    "services": ["HZ-SFZ-HL"],
    "categories": ["exit_entry"],
    "lane": "green",
    "priority": "elderly",
    "code": "NOCODE1",
    "weekly": {"mon": [["09:00", "12:00"]]},
    "closed_dates": ["2026-12-25"],
}
ROUTE_MODELS = {route: doc.body for route, doc in DOCS.items() if doc.body}  # the API's own


HOSTILE_TIMES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T20:00:00+00:00",
    "1900-01-01T00:00:00+08:00",
    "2026-12-07T09:00:00",
    "2026-02-30T09:00:00+08:00",
]


def hostile_for(annotation: object) -> st.SearchStrategy[Any]:
    """Values aimed at a field's type: out-of-range times, ints past every column."""
    kind = str(annotation)
    if "datetime" in kind:
        return st.sampled_from(HOSTILE_TIMES)
    if "int" in kind:
        return st.sampled_from([*HUGE_INTS, 1.5, "1", True])
    return st.sampled_from(HOSTILE_TEXT)


@st.composite
def model_bodies(draw: st.DrawFn, model: type[BaseModel]) -> bytes:
    """A body of `model`, sound but for one or two fields that are hostile or missing."""
    fields = model.model_fields
    body = {name: GOOD.get(name, 1) for name in fields}
    for name in draw(st.sets(st.sampled_from(sorted(fields)), min_size=1, max_size=2)):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            del body[name]
        else:
            hostile = hostile_for(fields[name].annotation)
            body[name] = draw(hostile if kind < 7 else json_values)
    return json.dumps(body).encode()


def nested(depth: int) -> bytes:
    return b'{"a": ' + b"[" * depth + b"]" * depth + b"}"


raw_bodies = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [
            b"",
            b"{",
            b'{"service": ',
            b"[]",
            b"null",
            b"\xff\xfe\x00",
            b'{"score": ' + b"9" * 5000 + b"}",
            b'{"window": ' + b"9" * 30 + b"}",
            b'{"score": 1e999}',
            b'{"a": NaN, "b": -Infinity}',
            nested(40),
            nested(5000),
            b'{"a": "\\ud800"}',
            b'{"a": 1, "a": 2}',
        ]
    ),
)
bodies = st.one_of(field_bodies(), json_values.map(lambda v: json.dumps(v).encode()), raw_bodies)


class Target:
    """The server under fuzz, the hall's real ids, and what was sent."""

    def __init__(self, server: LiveServer, requests: int) -> None:
        self.server = server
        self.requests = requests
        self.client = httpx2.Client(base_url=server.url, timeout=30)
        self.tokens = server.setup_hall(HALL, windows=5)
        self.tokens["admin"] = server.admin["Authorization"].removeprefix("Bearer ")
        for n in (1, 2):
            server.api("POST", f"/api/halls/{HALL}/windows/{n}/open", self.tokens[f"window-{n}"])
        self.tickets = [
            server.api(
                "POST", f"/api/halls/{HALL}/tickets", self.tokens["kiosk"], json={"service": s}
            )["id"]
            for s in ("HZ-SFZ-HL", "CRJ-HZ-SC", "HZ-SFZ-HL")
        ]
        spare = server.api("POST", "/api/tokens", json={"role": "display", "hall": HALL})
        self.spare_token_id = spare["id"]
        self.sent = 0
        self.failures: list[str] = []

    def values(self, name: str) -> list[str]:
        """Real values for a path parameter, so requests get past the lookups."""
        return {
            "hall": [HALL, "nohall"],
            "n": ["1", "2", "3", "99"],
            "action": ACTIONS,
            "ticket": ["A001", *self.tickets],
            "id": [*self.tickets, self.spare_token_id],
            "code": ["NOCODE1"],
        }.get(name, ["x"])

    def send(self, method: str, path: str, *, huge: bool, **kwargs: Any) -> None:
        self.sent += 1
        try:
            reply = self.client.request(method, path, **kwargs)
        except httpx2.TransportError as exc:
            # A refused huge body may be cut off mid-send: fine; anything else is not.
            if not huge:
                self.failures.append(f"{method} {path}: {exc!r}")
            self.client.close()
            self.client = httpx2.Client(base_url=self.server.url, timeout=30)
            return
        if reply.status_code >= 500:
            body = kwargs.get("content")
            shown = body[:300] if isinstance(body, bytes) else "(chunked)"
            self.failures.append(f"{method} {path} {shown!r} -> {reply.status_code}")


def http_routes() -> list[tuple[str, str]]:
    """(method, path template) of every HTTP route of the app, from its route table."""
    found = []
    for route in create_app().routes:
        if isinstance(route, Route):
            found += [(m, route.path) for m in sorted(route.methods or ()) if m != "HEAD"]
    found += [("GET", "/static/api.js"), ("GET", "/static/../pyproject.toml")]
    return found


ROUTES = http_routes()
WEIGHTED_ROUTES = ROUTES + [r for r in ROUTES if r in ROUTE_MODELS] * 2  # bodies: more to try
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


@st.composite
def segments(draw: st.DrawFn, target: Target, name: str) -> str:
    kind = draw(st.integers(0, 9))
    if kind < 6:
        return quote(draw(st.sampled_from(target.values(name))), safe="")
    if kind < 8:
        raw = draw(st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(min_size=1, max_size=30)))
        return quote(raw.encode("utf-8", "surrogatepass"), safe="")
    return draw(st.sampled_from(["9" * 40, "-1", "0", "%2e%2e", "..%2f..", "%ff", "1.5", "a/b"]))


@st.composite
def requests(draw: st.DrawFn, target: Target) -> dict[str, Any]:
    method, template = draw(st.sampled_from(WEIGHTED_ROUTES))
    if draw(st.integers(0, 30)) == 0:
        method = draw(st.sampled_from(["PATCH", "OPTIONS", "PUT", "DELETE"]))
    path = PARAM.sub(lambda m: draw(segments(target, m.group(1))), template)
    query = {
        k: draw(st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=20)))
        for k in draw(st.lists(st.sampled_from(QUERY_KEYS), max_size=3, unique=True))
    }
    who = draw(st.sampled_from([*target.tokens, "none", "bogus", "malformed"]))
    headers = {
        "none": {},
        "bogus": {"Authorization": "Bearer yc_" + draw(st.text(HEADER_CHARS, max_size=30)).strip()},
        "malformed": {"Authorization": draw(st.sampled_from(["Bearer", "Basic eA==", "x"]))},
    }.get(who, {"Authorization": f"Bearer {target.tokens.get(who, '')}"})
    if draw(st.booleans()):
        headers["Accept-Language"] = draw(st.sampled_from(["en", "zh-CN", "en;q=abc", "*" * 99]))
    if draw(st.integers(0, 5)) == 0:
        headers["Idempotency-Key"] = draw(st.sampled_from(["k", "x" * 2000, "\u00e9", ""]))
    if query:
        path += "?" + "&".join(
            f"{k}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}" for k, v in query.items()
        )
    request: dict[str, Any] = {"method": method, "path": path}
    if method in ("POST", "PUT", "PATCH", "DELETE") and draw(st.integers(0, 5)) > 0:
        size = draw(st.integers(0, 60))
        if size == 0:
            request["content"] = b'{"pad": "' + b"x" * 300_000 + b'"}'
            request["huge"] = True
        elif size == 1:
            request["content"] = iter([b"[" * 1000] * 100)  # chunked, past the limit
            request["huge"] = True
        elif (method, template) in ROUTE_MODELS and size % 3:
            model = draw(st.sampled_from(ROUTE_MODELS[(method, template)]))
            request["content"] = draw(model_bodies(model))
        else:
            request["content"] = draw(bodies)
        content_type = draw(
            st.sampled_from(["application/json"] * 6 + ["text/plain", "", "application/x-www"])
        )
        if content_type:
            headers["Content-Type"] = content_type
    request["headers"] = {k: v.encode("utf-8", "surrogatepass") for k, v in headers.items()}
    return request


@contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    """A fresh SQLite file, or a PostgreSQL schema of its own (dropped after)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp}/fuzz.db"
        return
    require_postgres()
    schema = "fuzz_" + secrets.token_hex(6)
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    tmp = tmp_path_factory.mktemp("fuzz")
    with database(request.param, tmp) as url:
        os.environ["QUEUE_AUTH_FAILURES"] = "0"  # bogus tokens all the way, not 429s
        try:
            server = LiveServer(url, tmp).start()
        finally:
            del os.environ["QUEUE_AUTH_FAILURES"]
        try:
            target = Target(server, REQUESTS if request.param == "sqlite" else REQUESTS // 2)
            yield target
            target.client.close()
        finally:
            server.stop()


@pytest.mark.slow
def test_no_request_gets_a_5xx_and_memory_stays_bounded(target: Target) -> None:
    assert target.server.process is not None
    pid = target.server.process.pid
    before = peak_rss_kb(pid)
    fuzz = settings(
        max_examples=target.requests,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )

    @fuzz
    @given(st.data())
    def one(data: st.DataObject) -> None:
        request = data.draw(requests(target))
        huge = request.pop("huge", False)
        target.send(request.pop("method"), request.pop("path"), huge=huge, **request)

    one()
    growth_mb = (peak_rss_kb(pid) - before) / 1024
    log = target.server.log_path.read_text()
    print(f"fuzz: {target.sent} requests, {len(target.failures)} failures, +{growth_mb:.1f} MB")
    assert target.sent >= target.requests
    assert not target.failures, "\n".join(target.failures[:20])
    assert "Traceback" not in log and "unhandled error" not in log, log[-3000:]
    assert growth_mb < 64, f"peak RSS grew {growth_mb:.1f} MB"


messages = st.one_of(
    st.text(max_size=100),
    json_values.map(json.dumps),
    st.sampled_from(['{"type": "resync"}', '{"type": null}', "[]", "1", "\x00", "{" * 500]),
)


@pytest.mark.slow
def test_the_feed_survives_hostile_tokens_and_messages(target: Target) -> None:
    url = f"{target.server.ws_url}/ws/halls/{HALL}/board"
    display = target.tokens["display"]

    @settings(max_examples=SOCKETS, deadline=None, database=None, phases=[Phase.generate])
    @given(
        token=st.one_of(st.just(display), st.text(max_size=40)),
        hall=st.sampled_from([HALL, "nohall", "%00", "x" * 200]),
        sent=st.lists(messages, max_size=5),
    )
    def one(token: str, hall: str, sent: list[str]) -> None:
        address = url.replace(f"/{HALL}/", f"/{hall}/") + "?token=" + quote(token, safe="")
        try:
            with connect(address, open_timeout=10) as ws:
                first = json.loads(ws.recv(timeout=10))
                assert first["type"] in ("snapshot", "error")
                for message in sent:
                    ws.send(message)
                if first["type"] == "snapshot":
                    ws.send('{"type": "resync"}')
                    while json.loads(ws.recv(timeout=10))["type"] != "snapshot":
                        pass  # events may come first; the display is still served
        except InvalidStatus as exc:
            assert exc.response.status_code < 500
        except ConnectionClosed as exc:
            assert exc.rcvd is None or exc.rcvd.code != 1011, exc

    one()
    log = target.server.log_path.read_text()
    assert "Traceback" not in log, log[-3000:]
