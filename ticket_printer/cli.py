"""`ticket-printer`: print tickets of a 一窗 hall on a thermal printer.

    ticket-printer print   --server URL --ticket ID --printer URL [--paper 58|80]
    ticket-printer preview --server URL --ticket ID [--paper 58|80]
    ticket-printer status  --printer URL
    ticket-printer kiosk   --server URL --hall H --token T --printer URL [--journal PATH]

`print` is also the reprint: it prints the ticket as it stands now. Printers
are URLs (see device.py): tcp://HOST:9100, usb://VID:PID, serial:///dev/ttyS0,
file:///dev/usb/lp0, png:///tmp/ticket.png, preview:.

Exit codes: 0 done, 1 the server failed or does not know the ticket, 2 bad
arguments or a refused token, 3 the printer did not print (the ticket stays
valid; print it again once the printer is back).
"""

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from io import TextIOWrapper
from pathlib import Path

from .device import BadPrinterURL, TicketPrinter, open_printer
from .escpos_render import Encoding, Profile, QRMode, Unprintable
from .kiosk import KioskOptions, run_kiosk
from .layout import Paper, TicketData, layout
from .server import HallClient, Refused, ServerError
from .status import PrinterFault, PrinterState

TOKEN_ENV = "TICKET_PRINTER_TOKEN"
EXIT_SERVER, EXIT_USAGE, EXIT_PRINTER = 1, 2, 3

log = logging.getLogger("ticket_printer")


def _printer_options(parser: argparse.ArgumentParser, *, printer_required: bool) -> None:
    parser.add_argument(
        "--printer",
        required=printer_required,
        default=None if printer_required else "preview:",
        help="tcp://HOST:9100, usb://VID:PID, serial:///dev/ttyS0?baudrate=19200, "
        "file:///dev/usb/lp0, png:///tmp/ticket.png or preview:",
    )
    parser.add_argument("--paper", type=int, choices=(58, 80), default=58, help="paper width, mm")
    parser.add_argument(
        "--encoding",
        choices=[e.value for e in Encoding],
        default=Encoding.GB18030.value,
        help="the printer's Chinese character code (default gb18030)",
    )
    parser.add_argument(
        "--no-chinese-mode",
        action="store_true",
        help="do not send FS & / FS . (for printers that are always in Chinese mode)",
    )
    parser.add_argument(
        "--qr",
        choices=[m.value for m in QRMode],
        default=QRMode.NATIVE.value,
        help="native: the printer draws the QR code (GS ( k); image: send it as a raster",
    )
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="seconds to wait for the printer (default 5)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ticket-printer", description="一窗 thermal ticket printer (取号机打印)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", required=True)

    one = commands.add_parser("print", help="print (or reprint) one ticket")
    one.add_argument("--server", required=True, help="the server's URL")
    one.add_argument("--ticket", required=True, help="the ticket's id")
    one.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV),
        help=f"a kiosk token: report a printer fault to the server (or set {TOKEN_ENV})",
    )
    _printer_options(one, printer_required=True)

    look = commands.add_parser("preview", help="show one ticket in the terminal")
    look.add_argument("--server", required=True, help="the server's URL")
    look.add_argument("--ticket", required=True, help="the ticket's id")
    _printer_options(look, printer_required=False)

    status = commands.add_parser("status", help="ask the printer for its state")
    _printer_options(status, printer_required=True)

    kiosk = commands.add_parser("kiosk", help="print each ticket this ticket machine issues")
    kiosk.add_argument("--server", required=True, help="the server's URL")
    kiosk.add_argument("--hall", required=True, help="the hall id")
    kiosk.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV),
        help=f"this ticket machine's kiosk token (or set {TOKEN_ENV}, which keeps it out of ps)",
    )
    kiosk.add_argument(
        "--journal",
        type=Path,
        help="file of printed ticket ids, kept across restarts "
        "(default var/ticket-printer-HALL.journal)",
    )
    kiosk.add_argument(
        "--status-interval",
        type=float,
        default=30.0,
        help="seconds between status checks of an idle printer (default 30)",
    )
    kiosk.add_argument(
        "--retry-max",
        type=float,
        default=30.0,
        help="longest pause between tries of a faulty printer, seconds (default 30)",
    )
    kiosk.add_argument(
        "--reconnect-max",
        type=float,
        default=10.0,
        help="longest pause between reconnects to the server, seconds (default 10)",
    )
    _printer_options(kiosk, printer_required=True)
    return parser


def printer_from_args(args: argparse.Namespace) -> TicketPrinter:
    profile = Profile(
        encoding=Encoding(args.encoding),
        chinese_mode=not args.no_chinese_mode,
        qr=QRMode(args.qr),
    )
    return open_printer(args.printer, Paper(args.paper), profile, timeout=args.timeout)


async def print_one(args: argparse.Namespace, printer: TicketPrinter) -> int:
    async with HallClient(args.server, getattr(args, "token", None)) as client:
        try:
            view = await client.ticket(args.ticket)
        except Refused as exc:
            if exc.status == 404:
                print(
                    f"ticket-printer: no ticket {args.ticket!r} on {args.server}", file=sys.stderr
                )
                return EXIT_SERVER
            print(f"ticket-printer: {exc}", file=sys.stderr)
            return EXIT_SERVER
        except ServerError as exc:
            print(f"ticket-printer: {exc}", file=sys.stderr)
            return EXIT_SERVER
        ticket = TicketData.from_json(view, args.server)
        blocks = layout(ticket, printer.paper)
        try:
            status = await asyncio.to_thread(
                printer.print_ticket, blocks, f"{ticket.number}-{ticket.id}"
            )
        except PrinterFault as fault:
            print(
                f"ticket-printer: {ticket.number} not printed: {fault} ({fault.status.state}); "
                "the ticket stays valid, print it again once the printer is back",
                file=sys.stderr,
            )
            await _tell_server(client, args, ticket.hall, fault)
            return EXIT_PRINTER
        except Unprintable as exc:
            print(f"ticket-printer: {exc}; try --encoding gb18030", file=sys.stderr)
            return EXIT_PRINTER
        if status.state is not PrinterState.OK:
            print(f"ticket-printer: printed, but {status.detail or status.state}", file=sys.stderr)
        if not printer.name.startswith("preview:"):
            print(f"printed {ticket.number} on {printer.name}")
        return 0


async def _tell_server(
    client: HallClient, args: argparse.Namespace, hall: str, fault: PrinterFault
) -> None:
    """With a kiosk token, the fault shows on the board too."""
    if not getattr(args, "token", None):
        return
    try:
        await client.report(hall, fault.status)
    except ServerError as exc:
        print(f"ticket-printer: could not report the fault: {exc}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # python-escpos configures the root logger when imported, and logs each
    # connection on it at INFO: the root stays at WARNING, our own logger talks.
    logging.basicConfig(level=logging.WARNING, format="ticket-printer: %(message)s", force=True)
    log.setLevel(logging.DEBUG if args.verbose else logging.INFO)
    if isinstance(sys.stdout, TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8")  # Chinese whatever the locale
    try:
        printer = printer_from_args(args)
    except BadPrinterURL as exc:
        parser.error(str(exc))
    try:
        if args.command == "status":
            status = printer.status()
            print(
                f"{printer.name}: {status.state.value}"
                + (f" ({status.detail})" if status.detail else "")
            )
            return 0 if status.printable else EXIT_PRINTER
        if args.command in ("print", "preview"):
            return asyncio.run(print_one(args, printer))
        if not args.token:
            parser.error(f"--token is required (or set {TOKEN_ENV})")
        if not (args.token.isascii() and args.token.isprintable()) or " " in args.token:
            parser.error("--token has characters no token has; copy it again")
        options = KioskOptions(
            server=args.server,
            hall=args.hall,
            token=args.token,
            journal=args.journal or Path("var") / f"ticket-printer-{args.hall}.journal",
            status_interval_s=args.status_interval,
            retry_max_s=args.retry_max,
            reconnect_max_s=args.reconnect_max,
        )
        return asyncio.run(run_kiosk(options, printer))
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C or SIGTERM: a normal stop
        return 0


if __name__ == "__main__":
    sys.exit(main())
