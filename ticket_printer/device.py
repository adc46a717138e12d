"""Printers chosen by URL, all behind one small interface.

    tcp://192.168.1.50:9100            a network printer (raw port 9100 by default)
    usb://0416:5011                    a USB printer by vendor:product id (hex)
    serial:///dev/ttyS0?baudrate=19200 a serial printer (9600 baud by default)
    file:///dev/usb/lp0                a device file (the kernel's printer driver)
    png:///tmp/ticket.png              each ticket drawn to a PNG; {job} in the
                                       path becomes the ticket's number and id
    preview:                           each ticket drawn in this terminal

`status()` never raises (an unreachable printer is `offline`);
`print_ticket()` raises PrinterFault when the ticket did not come out.
"""

from collections.abc import Sequence
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from rich.console import Console

from .escpos_render import DEFAULT_PROFILE, Profile, device_file, network, serial, usb
from .layout import Block, Paper
from .png import PngPrinter
from .preview import PreviewPrinter
from .status import Status

DEFAULT_PORT = 9100
DEFAULT_BAUDRATE = 9600


class TicketPrinter(Protocol):
    name: str
    paper: Paper

    def status(self) -> Status:
        """What the printer is doing now; never raises."""
        ...

    def print_ticket(self, blocks: Sequence[Block], job: str = "ticket") -> Status:
        """Print one ticket; the state it printed in. PrinterFault if it did not."""
        ...


class BadPrinterURL(ValueError):
    """A printer URL this program cannot use; the message shows the right forms."""


FORMS = (
    "tcp://HOST[:9100], usb://VID:PID (hex), serial:///dev/ttyS0[?baudrate=19200], "
    "file:///dev/usb/lp0, png:///path/ticket.png or preview:"
)


def open_printer(
    url: str,
    paper: Paper = Paper.MM58,
    profile: Profile = DEFAULT_PROFILE,
    *,
    timeout: float = 5.0,
    console: Console | None = None,
) -> TicketPrinter:
    """The printer `url` names (nothing is connected until it is used)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    path = unquote(parts.netloc + parts.path)
    if scheme == "tcp":
        if not parts.hostname:
            raise BadPrinterURL(f"{url!r} names no host; use tcp://HOST:9100")
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError:
            raise BadPrinterURL(f"{url!r} has a bad port number") from None
        return network(parts.hostname, port, paper, profile, timeout)
    if scheme == "usb":
        vendor, _, product = parts.netloc.partition(":")
        try:
            return usb(int(vendor, 16), int(product, 16), paper, profile, timeout)
        except ValueError:
            raise BadPrinterURL(
                f"{url!r}: a USB printer is usb://VID:PID in hex, e.g. usb://0416:5011 "
                "(lsusb shows them)"
            ) from None
    if scheme == "serial":
        if not parts.path:
            raise BadPrinterURL(f"{url!r} names no device; use serial:///dev/ttyS0")
        try:
            baudrate = int(query.get("baudrate", DEFAULT_BAUDRATE))
        except ValueError:
            raise BadPrinterURL(f"{url!r}: baudrate must be a number") from None
        return serial(unquote(parts.path), baudrate, paper, profile, timeout)
    if scheme == "file":
        if not parts.path:
            raise BadPrinterURL(f"{url!r} names no file; use file:///dev/usb/lp0")
        return device_file(unquote(parts.path), paper, profile)
    if scheme == "png":
        if not path:
            raise BadPrinterURL(f"{url!r} names no file; use png:///tmp/ticket.png")
        return PngPrinter(path, paper)
    if scheme == "preview":
        return PreviewPrinter(paper, console)
    raise BadPrinterURL(f"unknown printer {url!r}; use one of: {FORMS}")
