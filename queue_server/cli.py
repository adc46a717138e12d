"""`queue-server`: serve, init or migrate the database, create tokens."""

import argparse
import gc
import ipaddress
import logging
import socket
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import backup, logs, schema
from .access import Principal, Role, new_token
from .backup import BackupError
from .edge import header_timeout_protocol
from .errors import QueueError
from .services import HallServices
from .settings import Settings
from .store import Store
from .tokens import TOKEN_CACHE_S

if TYPE_CHECKING:
    from rich.console import Console


# The only websocket is the hall feed: small JSON messages out, a rare
# `{"type": "resync"}` in. Compression would keep a zlib context per display
# (about 40 KB each) and compress every event once per display; frames from a
# display never need more than a few KB.
WS_OPTIONS: dict[str, Any] = {"ws_per_message_deflate": False, "ws_max_size": 64 * 1024}


def console() -> "Console":
    """rich, imported when there is something to print: the server does not keep it."""
    from rich.console import Console

    return Console()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="queue-server", description="一窗 hall server")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database-url", help="overrides QUEUE_DATABASE_URL")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", parents=[common], help="run the server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="create the demo hall, print tokens")

    init = commands.add_parser("init", parents=[common], help="create the tables")
    init.add_argument("--demo", action="store_true", help="and the demo hall")
    commands.add_parser("migrate", parents=[common], help="upgrade the database to this version")
    backing_up = commands.add_parser(
        "backup", parents=[common], help="copy the SQLite database while it serves"
    )
    backing_up.add_argument("path", type=Path, help="the new backup file")
    restoring = commands.add_parser(
        "restore", parents=[common], help="replace the SQLite database with a backup"
    )
    restoring.add_argument("path", type=Path, help="the backup file")

    token = commands.add_parser("token", help="manage tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser(
        "create", parents=[common], help="create a token and print it once"
    )
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--hall")
    create.add_argument("--window", type=int)
    create.add_argument("--label", default="")
    create.add_argument("--ttl", type=duration, help="lifetime, e.g. 3600, 90m, 8h, 30d")
    listing = token_commands.add_parser("list", parents=[common], help="list tokens (no secrets)")
    listing.add_argument("--hall")
    revoke = token_commands.add_parser("revoke", parents=[common], help="revoke a token by id")
    revoke.add_argument("id")

    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.database_url:
        settings = settings.with_(database_url=args.database_url)
    try:
        return COMMANDS[args.command](settings, args)
    except (QueueError, schema.SchemaError, BackupError) as exc:
        console().print(f"[red]error:[/] {exc}")
        return 2


def _store(settings: Settings) -> Store:
    """The database, made if empty; SchemaError if it is not at this code's schema."""
    settings.ensure_sqlite_dir()
    store = Store(settings.database_url, synchronous=settings.sqlite_synchronous)
    store.create_all()
    return store


def _services(settings: Settings) -> HallServices:
    return HallServices(_store(settings), settings)


def cmd_init(settings: Settings, args: argparse.Namespace) -> int:
    services = _services(settings)
    if args.demo:
        from .demo import ensure_demo_hall

        ensure_demo_hall(services)
    console().print(f"database ready: {settings.database_url}")
    return 0


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    settings.ensure_sqlite_dir()
    before, after = schema.upgrade(settings.database_url)
    out = console()
    out.print(f"database: {settings.database_url}")
    if before == after:
        out.print(f"schema already at revision {after} (数据库已是最新版本)")
    else:
        out.print(f"schema migrated from revision {before or 'empty'} to {after} (数据库已升级)")
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    made = backup.backup(backup.sqlite_file(settings.database_url), args.path)
    console().print(f"backup written (备份完成): {made['file']}, {made['bytes']:,} bytes")
    _print_contents(made)
    console().print("keep the ID-hash key file apart from it (docs/operations.md)")
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    done = backup.restore(args.path, backup.sqlite_file(settings.database_url))
    out = console()
    out.print(f"restored (已恢复) into {done['file']}")
    if done["replaced_kept_as"]:
        out.print(f"the database it replaced is kept as {done['replaced_kept_as']}")
    _print_contents(done)
    if done["needs_migrate"]:
        out.print("run `queue-server migrate` before starting the servers")
    return 0


def _print_contents(summary: dict[str, Any]) -> None:
    counts = ", ".join(f"{n} {table}" for table, n in summary["counts"].items())
    console().print(f"schema revision {summary['revision']}: {counts}")


def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    services = _services(settings)
    admin = Principal(Role.ADMIN)
    if args.token_command == "list":
        _print_token_list(services.tokens.list(admin, args.hall)["tokens"])
    elif args.token_command == "revoke":
        revoked = services.revoke_token(admin, args.id)
        _tell_servers(settings)
        print(f"{revoked['id']} revoked at {revoked['revoked_at']}")
    else:
        expires_at = services.clock() + timedelta(seconds=args.ttl) if args.ttl else None
        token = services.tokens.issue(
            Role(args.role), args.hall, args.window, args.label, expires_at
        )
        print(token["token"])
    return 0


def duration(text: str) -> int:
    """Seconds from '3600', '3600s', '90m', '8h' or '30d'."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    if not number.isascii() or not number.isdigit() or not int(number) * units[unit] >= 60:
        raise argparse.ArgumentTypeError(f"{text!r}: give at least 60 s, e.g. 3600, 90m, 8h, 30d")
    return int(number) * units[unit]


def _tell_servers(settings: Settings) -> None:
    """Servers sharing Redis forget the revoked token at once; without Redis, a
    server that saw it lately still accepts it for up to TOKEN_CACHE_S seconds."""
    if settings.redis_url is None:
        print(f"(no QUEUE_REDIS_URL: running servers stop accepting it within {TOKEN_CACHE_S:g} s)")
        return
    import redis

    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2)
    try:
        client.publish("yichuang:tokens", b"revoked")
    finally:
        client.close()


def _print_token_list(tokens: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title="tokens")
    for column in ("id", "role", "hall", "window", "label", "created", "expires", "state"):
        table.add_column(column)
    for t in tokens:
        table.add_row(
            t["id"],
            t["role"],
            t["hall"] or "",
            str(t["window"] or ""),
            t["label"],
            t["created_at"][:19],
            (t["expires_at"] or "")[:19],
            t["state"],
        )
    console().print(table)


def _demo_history(services: HallServices) -> None:
    from . import demo_history
    from .demo import DEMO_HALL

    with services.store.read() as tx:
        hall = tx.hall(DEMO_HALL)
    written = demo_history.seed(services.store, hall, datetime.now(UTC))
    if written:
        weeks = demo_history.WEEKS
        said = f"演示大厅：已写入此前 {weeks} 周的模拟记录（{written} 张号，无个人信息）"
        console().print(said + "，排班建议可直接查看", soft_wrap=True)
        console().print("  (simulated weeks, so that the staffing advice has history)")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from .app import create_app

    if not settings.public_url:
        settings = settings.with_(public_url=served_url(args.host, args.port))
    if args.demo:
        from .demo import DEMO_HALL, demo_staff, demo_tokens, ensure_demo_hall

        if settings.admin_token is None:
            settings = settings.with_(admin_token=new_token())
        services = _services(settings)
        ensure_demo_hall(services)
        _demo_history(services)
        tokens, staff = demo_tokens(services), demo_staff(services)
        services.store.dispose()
        base = f"http://{args.host}:{args.port}"
        _print_tokens(settings, tokens, base, DEMO_HALL)
        _print_staff(staff, settings.public_url or base, DEMO_HALL)
    else:
        _store(settings).dispose()  # a database behind is refused here, not in a traceback
    _warn_if_phones_cannot_reach(settings.public_url, settings.log_format == "json")
    app = create_app(settings)
    fewer_collector_pauses()
    json_logs = logs.uvicorn_config(settings.log_format)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        # JSON: the app writes each request's access line (logs.py), with no path in it.
        access_log=json_logs is None,
        log_config=json_logs or LOGGING_CONFIG,
        http=header_timeout_protocol(settings.header_timeout_s),
        **WS_OPTIONS,
    )
    return 0


def fewer_collector_pauses() -> None:
    """Shorter and rarer garbage-collector pauses for a long-running server.

    What exists at start-up (modules, the catalogue, settings) lives as long
    as the process: `gc.freeze` takes it out of every collection. A full
    collection walks every object still tracked, and a hall's kept state holds
    thousands of tickets, so full collections run a tenth as often. With wrk
    at 64 kiosks this halved the issuing p99 (docs/performance.md).
    """
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 100)


def served_url(host: str, port: int) -> str:
    """The address this server answers on, as a phone would open it.

    A wildcard host (0.0.0.0, ::) listens on every interface: name the
    machine's own network address, since a phone cannot open 0.0.0.0.
    """
    if host in ("", "0.0.0.0", "::"):
        host = lan_address() or "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def lan_address() -> str | None:
    """This machine's first non-loopback IPv4 address (from its host name), if any."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return None
    for *_rest, sockaddr in infos:
        address = str(sockaddr[0])
        if not ipaddress.ip_address(address).is_loopback:
            return address
    return None


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: the operator chose it


def _warn_if_phones_cannot_reach(public_url: str, json_logs: bool) -> None:
    """Said on the terminal, or as a log line when the logs are JSON (a collector reads them)."""
    if not is_loopback_url(public_url):
        said = f"public address (tickets' QR codes): {public_url}"
    else:
        said = (
            f"注意 / WARNING: tickets' QR codes point to {public_url}, a loopback "
            "address: visitors' phones cannot open it (取号单二维码在手机上打不开). "
            "Serve on the hall network (--host 0.0.0.0) and/or set QUEUE_PUBLIC_URL to the "
            "address phones reach, e.g. QUEUE_PUBLIC_URL=http://192.168.1.20:8000"
        )
    if json_logs:
        logging.basicConfig(level=logging.INFO, handlers=[_json_handler()], force=True)
        level = logging.WARNING if is_loopback_url(public_url) else logging.INFO
        logging.getLogger("queue_server.serve").log(level, said)
    else:
        console().print(said, style="bold red" if is_loopback_url(public_url) else None)


def _json_handler() -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logs.JsonFormatter())
    return handler


def _print_tokens(settings: Settings, tokens: list[dict[str, Any]], base: str, hall: str) -> None:
    from rich.table import Table

    table = Table(title=f"演示大厅 {hall}: tokens for this run (Authorization: Bearer …)")
    table.add_column("role")
    table.add_column("window")
    table.add_column("token")
    table.add_row("admin", "", settings.admin_token or "")
    for t in tokens:
        table.add_row(t["role"], str(t["window"] or ""), t["token"])
    out = console()
    out.print(table)
    out.print(f"server: {base}   database: {settings.database_url}")
    out.print(f"try:  curl {base}/api/services")
    out.print("open these on the hall's devices (每台设备打开对应地址):")
    for name, url in device_urls(settings.public_url or base, hall, tokens):
        out.print(f"  {name:<24} {url}", soft_wrap=True, highlight=False)


def _print_staff(staff: list[dict[str, str]], base: str, hall: str) -> None:
    from rich.table import Table

    table = Table(title=f"演示大厅 {hall}: staff accounts, passwords for this run (工作人员账号)")
    for column in ("工号 staff_no", "name", "role", "password"):
        table.add_column(column)
    for member in staff:
        table.add_row(member["staff_no"], member["name"], member["role"], member["password"])
    out = console()
    out.print(table)
    out.print(f"  登录 sign in: {base}/login?hall={hall}  → 大厅管理 {base}/admin/{hall}")


def device_urls(base: str, hall: str, tokens: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Each device's page, token included, in the order a hall sets them up."""
    by_role = {t["role"]: t["token"] for t in tokens if t["window"] is None}
    urls = [
        ("取号机 kiosk", f"{base}/kiosk/{hall}?token={by_role['kiosk']}"),
        ("综合屏 lobby TV", f"{base}/display/{hall}?token={by_role['display']}"),
        ("主管 supervisor", f"{base}/supervisor/{hall}?token={by_role['supervisor']}"),
        ("网上预约 booking (a phone, no token)", f"{base}/book/{hall}"),
    ]
    for t in tokens:
        if t["window"] is not None:
            n, token = t["window"], t["token"]
            urls += [
                (f"{n}号窗口 clerk", f"{base}/window/{hall}/{n}?token={token}"),
                (f"{n}号评价器 evaluator", f"{base}/window/{hall}/{n}/rate?token={token}"),
                (
                    f"{n}号窗口屏 window screen",
                    f"{base}/display/{hall}/window/{n}?token={by_role['display']}",
                ),
            ]
    return urls


COMMANDS = {
    "serve": cmd_serve,
    "init": cmd_init,
    "migrate": cmd_migrate,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "token": cmd_token,
}


if __name__ == "__main__":
    sys.exit(main())
