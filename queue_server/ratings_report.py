"""The 好差评 report over dates (GET …/ratings/report, and as CSV) and the
per-staff figures of a day (the `staff` of GET …/stats): read the facts,
hand them to the pure `feedback_figures` and `staff_figures`, label the rows
in the hall's words (window labels, 工号 and name, item names)."""

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from .access import Principal, Role, require
from .cases import CaseStatus
from .domain import Hall
from .errors import InvalidInput
from .export import neutralise
from .feedback_figures import (
    By,
    Case,
    Facts,
    Followup,
    Rated,
    Trip,
    Where,
    labelled,
    report,
    sent_back,
)
from .reports import parse_date
from .staff_report import member_of
from .store import Tx
from .transactions import Runner

MAX_DAYS = 366
UNKNOWN = "未记录"
BY_ZH = {
    By.HALL: "大厅",
    By.WINDOW: "窗口",
    By.STAFF: "工作人员",
    By.SERVICE: "事项",
    By.DAY: "日期",
    By.MONTH: "月份",
}


def parse_by(by: str | None) -> By:
    try:
        return By(by or By.HALL.value)
    except ValueError:
        choices = "、".join(b.value for b in By)
        raise InvalidInput(
            f"分组 by 只能是 {choices} 之一，而不是 {str(by)[:20]!r}",
            en=f"by must be one of {', '.join(b.value for b in By)}, not {str(by)[:20]!r}",
            code="bad_group",
        ) from None


def date_range(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """`from` and `to` (default: today, and `from`), at most 366 days, in order."""
    last = parse_date(end) if end else None
    first = parse_date(start) if start else (last or today)
    last = last or max(first, today)
    if last < first:
        raise InvalidInput(
            f"结束日期 {last} 早于开始日期 {first}",
            en=f"to ({last}) is before from ({first})",
            code="bad_range",
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(
            f"一次最多查询 {MAX_DAYS} 天，请缩小日期范围（{first} 至 {last} 共 "
            f"{(last - first).days + 1} 天）",
            en=f"at most {MAX_DAYS} days at a time ({first} to {last} is "
            f"{(last - first).days + 1} days)",
            code="range_too_long",
        )
    return first, last


class RatingsReport(Runner):
    def ratings_report(
        self,
        principal: Principal,
        hall_id: str,
        start: str | None = None,
        end: str | None = None,
        by: str | None = None,
    ) -> dict[str, Any]:
        """The 好差评 figures of the business days [from, to], per group (see
        feedback_figures for each figure's definition)."""
        require(principal, {Role.SUPERVISOR}, hall=hall_id)
        group = parse_by(by)
        now = self.clock()
        with self.store.read() as tx:
            hall = tx.hall(hall_id)
            today = hall.business_date(now)
            first, last = date_range(start, end, today)
            facts = self._facts(tx, hall, first, last, today)
            label = self._labeller(tx, hall, group)
        zone = hall.zone
        figures = report(
            facts, group, hall.hours.is_working_day, lambda t: t.astimezone(zone).date()
        )
        return {
            "hall": hall_id,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "by": group.value,
            "repeat_visit_days": hall.policy.repeat_visit_days,
            "rows": labelled(figures["rows"], label),
            "total": {"key": "", "label": hall.name} | figures["total"],
        }

    def ratings_report_csv(
        self,
        principal: Principal,
        hall_id: str,
        start: str | None = None,
        end: str | None = None,
        by: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """The report as CSV text headed in Chinese (no BOM: the route adds it),
        and the report itself (its dates name the file)."""
        answer = self.ratings_report(principal, hall_id, start, end, by)
        return report_csv(answer), answer

    def _facts(self, tx: Tx, hall: Hall, first: date, last: date, today: date) -> Facts:
        zone, h = hall.zone, hall.id
        repeat = hall.policy.repeat_visit_days
        lo = datetime.combine(first, datetime.min.time(), zone)
        hi = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
        span = timedelta(days=repeat)
        back = {f.ticket_id for f in tx.followups_opened(h, lo - span, hi + span)}
        done = tx.done_between(h, first - span, last + span)
        trips = [
            Trip(
                Where(d.window, member_of(d.finished_by, h), d.service, d.business_date),
                d.id,
                d.finished_at,
                d.id_hash,
                sent_back(d.outcome) or d.id in back,
            )
            for d in done
        ]
        rated = [
            Rated(
                Where(r.window, r.staff_no, r.service, r.business_date),
                r.score,
                tuple(r.reasons or ()),
            )
            for r in tx.ratings_between(h, first, last)
        ]

        def local(t: datetime) -> date:
            return t.astimezone(zone).date()

        cases = [
            Case(
                Where(c.window, c.staff_no, c.service, local(c.opened_at)),
                CaseStatus(c.status),
                c.opened_at,
                c.closed_at,
                c.due_date,
                any(s.get("action") == "callback" for s in c.steps),
            )
            for c in tx.cases(h, opened_from=lo, opened_to=hi)
        ]
        followups = [
            Followup(
                Where(f.window, f.staff_no, f.service, local(f.opened_at)), f.due_date, f.closed_at
            )
            for f in tx.followups_opened(h, lo, hi)
        ]
        return Facts(first, last, today, repeat, rated, trips, cases, followups)

    def _labeller(self, tx: Tx, hall: Hall, by: By) -> Callable[[str], str]:
        """How a group's key reads to a person."""
        names: dict[str, str] = {}
        if by is By.WINDOW:
            names = {str(w.number): w.label for w in tx.windows(hall.id)}
        elif by is By.STAFF:
            names = {m.staff_no: f"{m.staff_no} {m.name}" for m in tx.staff(hall.id)}
        elif by is By.SERVICE:
            names = {code: s.name for code, s in self.catalogue.services.items()}
        elif by is By.HALL:
            names = {"hall": hall.name}

        def label(key: str) -> str:
            if key == "":
                return UNKNOWN
            if by is By.WINDOW and key not in names:
                return f"{key} 号窗口"
            return names.get(key, key)

        return label


def _share(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _cell(value: object) -> str | int:
    if value is None:
        return ""
    return value if isinstance(value, int | str) else str(value)


# (Chinese header, how to read it from a row), in column order after the group's.
COLUMNS: Sequence[tuple[str, Callable[[dict[str, Any]], object]]] = (
    ("办结件数", lambda r: r["ratings"]["served"]),
    ("评价数", lambda r: r["ratings"]["count"]),
    ("非常满意", lambda r: r["ratings"]["by_grade"]["5"]),
    ("满意", lambda r: r["ratings"]["by_grade"]["4"]),
    ("基本满意", lambda r: r["ratings"]["by_grade"]["3"]),
    ("不满意", lambda r: r["ratings"]["by_grade"]["2"]),
    ("非常不满意", lambda r: r["ratings"]["by_grade"]["1"]),
    ("好评率", lambda r: _share(r["ratings"]["good_share"])),
    ("差评率", lambda r: _share(r["ratings"]["bad_share"])),
    ("评价覆盖率", lambda r: _share(r["ratings"]["coverage"])),
    (
        "差评主要原因",
        lambda r: "、".join(f"{x['reason']}（{x['count']}）" for x in r["ratings"]["bad_reasons"]),
    ),
    ("差评案件", lambda r: r["cases"]["opened"]),
    ("不实", lambda r: r["cases"]["dismissed"]),
    ("撤回", lambda r: r["cases"]["withdrawn"]),
    ("有效案件", lambda r: r["cases"]["founded"]),
    ("已整改", lambda r: r["cases"]["rectified"]),
    ("整改率", lambda r: _share(r["cases"]["rectified_share"])),
    ("已回访", lambda r: r["cases"]["called_back"]),
    ("回访率", lambda r: _share(r["cases"]["callback_share"])),
    ("已办结案件", lambda r: r["cases"]["closed"]),
    ("超期未结", lambda r: r["cases"]["overdue"]),
    ("平均办结天数（自然日）", lambda r: r["cases"]["mean_days_to_close"]),
    ("平均办结天数（工作日）", lambda r: r["cases"]["mean_working_days_to_close"]),
    ("办件事项数", lambda r: r["one_visit"]["matters"]),
    ("一次办结", lambda r: r["one_visit"]["one_visit"]),
    ("最多跑一次率", lambda r: _share(r["one_visit"]["one_visit_share"])),
    ("二次跑动", lambda r: r["one_visit"]["second_trips"]),
    ("无身份信息未计入", lambda r: r["one_visit"]["unmatched"]),
    ("容缺受理", lambda r: r["followups"]["accepted"]),
    ("容缺已补齐", lambda r: r["followups"]["closed"]),
    ("容缺待补齐", lambda r: r["followups"]["open"]),
    ("容缺逾期", lambda r: r["followups"]["overdue"]),
)


def report_csv(answer: dict[str, Any]) -> str:
    """The report's rows and its total as CSV, headed in Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([BY_ZH[By(answer["by"])], *(zh for zh, _ in COLUMNS)])
    whole = answer["by"] == By.HALL.value
    total = answer["total"] | ({} if whole else {"label": "合计"})
    rows = [] if whole else answer["rows"]
    for row in [*rows, total]:
        writer.writerow(
            neutralise(_cell(c)) for c in [row["label"], *(get(row) for _, get in COLUMNS)]
        )
    return out.getvalue()
