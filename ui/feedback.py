"""Thumbs up/down on replies, kept in SQLite under the data dir: question, reply, sources, no person."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

Rating = Literal["up", "down"]
FORMATS = ("csv", "jsonl")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    reply_id TEXT PRIMARY KEY,  -- random per reply; links to no person, session or address
    rating   TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    question TEXT NOT NULL,
    reply    TEXT NOT NULL,
    kind     TEXT NOT NULL,
    sources  TEXT NOT NULL,     -- JSON list of {n, doc_id, title, section}
    surface  TEXT NOT NULL,     -- 'chat' or 'embed'
    created  TEXT NOT NULL      -- UTC, to the minute
)
"""


class FeedbackUnavailable(Exception):
    """The feedback file cannot be opened, read or written (a full disk, a read-only or damaged
    file, a folder in its place...)."""


@dataclass(frozen=True)
class FeedbackRow:
    """One rating of one reply."""

    reply_id: str
    rating: Rating
    question: str
    reply: str
    kind: str
    sources: list[dict[str, Any]]
    surface: str
    created: str


class FeedbackStore:
    """Where ratings go. Nothing about the person is stored: no IP address, browser or session.

    >>> store = FeedbackStore(Path("/tmp/fb.sqlite3"))                      # doctest: +SKIP
    >>> store.rate("r1", "up", "Is ITP contagious?", "ITP is not contagious. [1]...", "answer", [])
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path)
            except (sqlite3.Error, OSError) as exc:
                raise self._unavailable(exc) from None
            try:
                conn.execute(_SCHEMA)
                with conn:  # one transaction
                    yield conn
            except (sqlite3.Error, OSError) as exc:
                raise self._unavailable(exc) from None
            finally:
                conn.close()

    def _unavailable(self, exc: BaseException) -> FeedbackUnavailable:
        reason = str(exc).strip() or exc.__class__.__name__
        return FeedbackUnavailable(f"the feedback store {self.path} cannot be used: {reason}")

    def rate(self, reply_id: str, rating: Rating | None, question: str, reply: str, kind: str,
             sources: Sequence[dict[str, Any]], surface: str = "chat") -> None:
        """Record (or change) the rating of one reply; `rating=None` takes it back.

        Args:
            reply_id: the reply's random id.
            rating: "up", "down", or None to remove an earlier rating.
            question: the question as the user asked it.
            reply: the reply text the user saw.
            kind: the reply kind (answer, urgent, decline, abstain).
            sources: the reply's sources, [{n, doc_id, title, section}].
            surface: "chat" (the full page) or "embed" (the widget).
        Raises:
            FeedbackUnavailable: the store cannot be written.
        """
        if rating not in ("up", "down", None):
            raise ValueError(f"rating must be 'up', 'down' or None, not {rating!r}")
        if not reply_id:
            raise ValueError("reply_id is empty")
        created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")
        with self._db() as conn:
            if rating is None:
                conn.execute("DELETE FROM feedback WHERE reply_id = ?", (reply_id,))
                return
            conn.execute(
                "INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(reply_id) DO "
                "UPDATE SET rating = excluded.rating, created = excluded.created",
                (reply_id, rating, question, reply, kind, json.dumps(list(sources)), surface, created),
            )

    def rows(self) -> Iterator[FeedbackRow]:
        """Every rating, oldest first."""
        if not self.path.exists():
            return
        with self._db() as conn:
            data = conn.execute(
                "SELECT reply_id, rating, question, reply, kind, sources, surface, created "
                "FROM feedback ORDER BY created, rowid").fetchall()
        for r in data:
            yield FeedbackRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7])

    def export(self, fmt: str = "csv") -> str:
        """All ratings as CSV (sources as JSON in one column) or JSON Lines."""
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        rows = [asdict(r) for r in self.rows()]
        if fmt == "jsonl":
            return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        out = io.StringIO()
        fields = [f for f in FeedbackRow.__dataclass_fields__]
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({**r, "sources": json.dumps(r["sources"], ensure_ascii=False)})
        return out.getvalue()
