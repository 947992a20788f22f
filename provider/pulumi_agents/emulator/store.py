"""A tiny JSON document store on SQLite, so the emulator's state survives a restart."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class Store:
    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS docs (kind TEXT, id TEXT, body TEXT, PRIMARY KEY (kind, id))")
        self._db.commit()
        # One lock for all access: the emulator's traffic is small, correctness matters more.
        self.lock = threading.RLock()
        self._depth = 0  # nesting of transaction(): writes inside commit together at the end

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Every put/delete inside commits together at the end, or none of them if it raises,
        so a crash never leaves half of a multi-row change."""
        with self.lock:
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._db.rollback()
                raise
            self._depth -= 1
            if self._depth == 0:
                self._db.commit()

    def _commit(self) -> None:
        if self._depth == 0:
            self._db.commit()

    def get(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        with self.lock:
            row = self._db.execute("SELECT body FROM docs WHERE kind=? AND id=?", (kind, doc_id)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, kind: str, doc_id: str, body: dict[str, Any]) -> None:
        with self.lock:
            self._db.execute("INSERT OR REPLACE INTO docs VALUES (?, ?, ?)", (kind, doc_id, json.dumps(body)))
            self._commit()

    def delete(self, kind: str, doc_id: str) -> None:
        with self.lock:
            self._db.execute("DELETE FROM docs WHERE kind=? AND id=?", (kind, doc_id))
            self._commit()

    def all(self, kind: str) -> Iterator[dict[str, Any]]:
        with self.lock:
            rows = self._db.execute("SELECT body FROM docs WHERE kind=? ORDER BY rowid", (kind,)).fetchall()
        for (body,) in rows:
            yield json.loads(body)

    def clear(self) -> None:
        with self.lock:
            self._db.execute("DELETE FROM docs")
            self._commit()
