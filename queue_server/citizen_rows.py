"""A transaction's rows of the citizen's side: phone challenges."""

from typing import Any

from sqlalchemy import delete

from .citizen_models import PhoneChallengeRow
from .ticket_rows import Rows


class CitizenRows(Rows):
    def add_challenge(self, row: PhoneChallengeRow) -> None:
        self._save(row, merge=True)

    def challenge(self, challenge_id: str) -> PhoneChallengeRow | None:
        return self.s.get(PhoneChallengeRow, challenge_id)

    def drop_challenges(self, *where: Any) -> None:
        """Forget challenges (a spent one, or those past their time)."""
        self.s.execute(delete(PhoneChallengeRow).where(*where))
