"""The kiosk's memory across restarts: which tickets it printed, and how far
into the hall feed it got.

`PATH` lists printed ticket ids, one a line, appended and fsync'd after each
ticket went out, so a ticket in it is never printed again. `PATH.seq` holds
the feed seq to catch up from on the next start (replaced atomically).
"""

import os
from pathlib import Path


class Journal:
    """The ids of printed tickets (append-only, fsync'd) and the feed cursor."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cursor_path = path.with_name(path.name + ".seq")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._printed: set[str] = set()
        if path.exists():
            self._printed = {line.strip() for line in path.read_text().splitlines() if line}

    def __contains__(self, ticket_id: object) -> bool:
        return ticket_id in self._printed

    def __len__(self) -> int:
        return len(self._printed)

    def record(self, ticket_id: str) -> None:
        """Note a printed ticket; on disk before this returns."""
        with self.path.open("a", encoding="utf-8") as f:
            f.write(ticket_id + "\n")
            f.flush()
            os.fsync(f.fileno())
        self._printed.add(ticket_id)

    def cursor(self) -> int | None:
        """The seq to catch up from on start, if one was kept."""
        try:
            return int(self.cursor_path.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def save_cursor(self, seq: int) -> None:
        temporary = self.cursor_path.with_name(self.cursor_path.name + ".tmp")
        temporary.write_text(f"{seq}\n")
        os.replace(temporary, self.cursor_path)
