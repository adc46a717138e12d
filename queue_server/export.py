"""The day's tickets as CSV for a supervisor's spreadsheet (pure: no I/O).

Chinese headers and values by default, as a hall's staff read them; English
(codes and the API's status names) for scripts that ask for it. No ID
numbers, names or phones: a ticket holds none.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a
formula to Excel and LibreOffice (CSV injection, OWASP): free text such as a
clerk's outcome could run `=HYPERLINK(…)` on the supervisor's machine. Such a
cell is written with a leading apostrophe, which spreadsheets show as text.
"""

import csv
import io
from collections.abc import Iterable
from datetime import tzinfo

from .catalogue import Catalogue
from .domain import Ticket
from .lifecycle_words import ticket_status_zh
from .public import local_iso
from .stats import handling_s, wait_s

# (English header, Chinese header), in column order.
COLUMNS = (
    ("number", "号码"),
    ("service", "事项编码"),
    ("service_name", "事项名称"),
    ("category", "业务类别"),
    ("green_channel", "绿色通道"),
    ("status", "状态"),
    ("window", "窗口"),
    ("issued_at", "取号时间"),
    ("first_called_at", "首次叫号时间"),
    ("started_at", "开始办理时间"),
    ("finished_at", "结束时间"),
    ("wait_s", "等候秒数"),
    ("handling_s", "办理秒数"),
    ("recalls", "重呼次数"),
    ("outcome", "办理结果"),
    ("transfer_leg", "转办后续"),
)

_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int


def neutralise(cell: Cell) -> Cell:
    """A text cell a spreadsheet would run as a formula, made plain text."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_LEADS):
        return "'" + cell
    return cell


def tickets_csv(
    tickets: Iterable[Ticket], catalogue: Catalogue, zone: tzinfo, *, english: bool = False
) -> str:
    """The tickets as CSV text (no BOM: the route adds one for spreadsheets)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(en if english else zh for en, zh in COLUMNS)
    for ticket in tickets:
        writer.writerow(neutralise(c) for c in _row(ticket, catalogue, zone, english))
    return out.getvalue()


def _row(ticket: Ticket, catalogue: Catalogue, zone: tzinfo, english: bool) -> list[Cell]:
    def yes(flag: bool) -> Cell:
        return int(flag) if english else ("是" if flag else "否")

    waited, handled = wait_s(ticket), handling_s(ticket)
    category = ticket.category
    return [
        ticket.number,
        ticket.service,
        catalogue.service(ticket.service).name,
        category if english else catalogue.categories[category].name,
        yes(ticket.green_channel),
        ticket.status.value if english else ticket_status_zh(ticket.status),
        ticket.window or "",
        local_iso(ticket.issued_at, zone) or "",
        local_iso(ticket.first_called_at, zone) or "",
        local_iso(ticket.started_at, zone) or "",
        local_iso(ticket.finished_at, zone) or "",
        "" if waited is None else round(waited),
        "" if handled is None else round(handled),
        ticket.recalls,
        ticket.outcome or "",
        yes(ticket.parent_id is not None),
    ]
