"""Which module may import what: the dependencies point inward (STYLE.md).

Read from the source with `ast`, nothing imported: every `import` counts,
those inside functions and under `if TYPE_CHECKING:` too, and a module's
first-party imports are followed, so a rule breaks whether a module crosses
the line itself or through a neighbour.

- The pure core of the server imports only the standard library and the core.
- `protocol.py` imports only the standard library.
- The clients import nothing of `queue_server` but `queue_server.protocol`, and
  none of the server's stack; their pure cores import only the standard
  library, the protocol and each other.
- `queue_server/__init__.py` imports nothing, so a client importing the
  protocol loads no more of the server than that module.

One more case starts each client's command in a fresh interpreter and looks at
what it loaded: that also sees what a third-party library pulls in.
"""

import ast
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = ("queue_server", "display_client", "ticket_printer")
STDLIB = sys.stdlib_module_names
PROTOCOL = "queue_server.protocol"
SERVER_STACK = ("starlette", "sqlmodel", "sqlalchemy", "redis", "apscheduler", "uvicorn")

# The server's pure core: decisions and vocabulary, no I/O. A module joins it
# by its name here (e.g. "hall_state"); the test then holds it to the rule.
CORE = [
    "errors",
    "protocol",
    "domain",
    "dispatch",
    "call_reasons",
    "estimate",
    "hours",
    "identity",
    "stats",
    "call_figures",
    "appointments",
    "public",
    "state_parts",
    "hall_state",
    "waiting",
    "hall_catalogue",
    "guide_trees",
    "policy_help",
    "cases",
    "home_visits",
    "feedback_figures",
    "staff_figures",
    "delivery",
    "lifecycle_words",
    "remote_rules",
    "webhooks",
    "tradeoff",
    "simulation.bound",
    "forecast",
    "staffing",
]
CLIENTS = ["display_client", "ticket_printer"]
CLIENT_CORES = [
    "display_client.state",
    "ticket_printer.layout",
    "ticket_printer.status",
    "ticket_printer.feed",
]


@dataclass(frozen=True)
class Import:
    """`module` imports `name` (absolute), on `line` of its file."""

    module: str
    name: str
    line: int

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.name}"


def source(module: str) -> Path | None:
    """The file of a first-party module, or None if there is no such module."""
    base = ROOT.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def modules_of(package: str) -> list[str]:
    """Every module of a first-party package, the package itself included."""
    folder = ROOT / package
    found = []
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def direct_imports(module: str) -> list[Import]:
    """What `module` imports, relative imports made absolute."""
    path = source(module)
    assert path is not None, f"no module {module}"
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:  # `from a import b`: b is a module, or a name in a
                name = f"{base}.{alias.name}"
                found.append(Import(module, name if source(name) else base, node.lineno))
    return list(dict.fromkeys(found))  # `from a import b, c` is one import of a


def imports(roots: Iterable[str]) -> list[Import]:
    """What `roots` import, following first-party modules (each read once)."""
    seen: set[str] = set()
    todo = list(roots)
    found: list[Import] = []
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for item in direct_imports(module):
            found.append(item)
            target = item.name
            while target and source(target) is None:  # `import a.b.c` runs a, a.b, a.b.c
                target = target.rpartition(".")[0]
            if target.split(".")[0] in FIRST_PARTY:
                todo += [t for t in _prefixes(target) if source(t) is not None]
    return found


def _prefixes(name: str) -> list[str]:
    """Importing `a.b.c` runs `a`, `a.b` and `a.b.c`."""
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def top(name: str) -> str:
    return name.split(".")[0]


# ---------------------------------------------------------------- the rules


@pytest.mark.parametrize("name", CORE)
def test_the_core_imports_only_the_standard_library_and_the_core(name: str) -> None:
    allowed = {"queue_server", *(f"queue_server.{m}" for m in CORE)}
    bad = [
        str(i)
        for i in imports([f"queue_server.{name}"])
        if i.name not in allowed and top(i.name) not in STDLIB
    ]
    assert not bad, bad


def test_the_protocol_imports_only_the_standard_library() -> None:
    bad = [str(i) for i in imports([PROTOCOL]) if top(i.name) not in STDLIB]
    assert not bad, bad


def test_the_server_package_itself_imports_nothing() -> None:
    """A client importing `queue_server.protocol` runs `queue_server/__init__.py` first."""
    assert direct_imports("queue_server") == []


@pytest.mark.parametrize("package", CLIENTS)
def test_a_client_imports_only_the_protocol_of_the_server(package: str) -> None:
    found = imports(modules_of(package))
    server = [
        str(i)
        for i in found
        if top(i.name) == "queue_server" and i.name not in ("queue_server", PROTOCOL)
    ]
    stack = [str(i) for i in found if top(i.name) in SERVER_STACK]
    assert not server, server
    assert not stack, stack


@pytest.mark.parametrize("name", CLIENT_CORES)
def test_a_clients_pure_core_imports_only_the_standard_library_and_the_protocol(
    name: str,
) -> None:
    allowed = {"queue_server", PROTOCOL, *CLIENT_CORES}
    bad = [str(i) for i in imports([name]) if i.name not in allowed and top(i.name) not in STDLIB]
    assert not bad, bad


@pytest.mark.parametrize("command", ["display_client.client", "ticket_printer.cli"])
def test_a_clients_command_loads_only_the_protocol_of_the_server(command: str) -> None:
    """What the command loads, third-party libraries' own imports included."""
    watched = (*SERVER_STACK, "queue_server")
    check = (
        f"import sys, {command}; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {watched!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == str(sorted(["queue_server", PROTOCOL]))


# ---------------------------------------------------------------- the reader itself


def test_the_reader_resolves_relative_imports() -> None:
    names = {i.name for i in direct_imports("queue_server.estimate")}
    assert {"queue_server.domain", "queue_server.protocol", "datetime"} <= names
    assert "queue_server.protocol" in {i.name for i in direct_imports("queue_server.protocol_js")}
    assert {"display_client.state", "queue_server.protocol"} <= {
        i.name for i in direct_imports("display_client.client")
    }
