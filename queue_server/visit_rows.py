"""A transaction's 送服务上门 records: the hall's home visits."""

from collections.abc import Sequence

from sqlmodel import col, select

from .citizen_models import HomeVisitRow
from .ticket_rows import Rows


class VisitRows(Rows):
    def home_visit(self, visit_id: str) -> HomeVisitRow | None:
        return self.s.get(HomeVisitRow, visit_id)

    def home_visits(self, hall_id: str, statuses: Sequence[str]) -> list[HomeVisitRow]:
        query = select(HomeVisitRow).where(
            col(HomeVisitRow.hall_id) == hall_id, col(HomeVisitRow.status).in_(statuses)
        )
        return list(self.s.scalars(query.order_by(col(HomeVisitRow.created_at))))

    def save_home_visit(self, row: HomeVisitRow) -> None:
        """Write a new or changed visit (counting its versions)."""
        row.version += 1
        self._save(row)
