"""A tiny JSON document store on SQLite, so the emulator's state survives a restart.

Besides the documents it keeps the request nonces a service has seen (``claim_nonce``), each until
it expires, so a replayed request is refused across a restart too.
"""

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
        # In WAL mode this still survives a crash of the emulator; only a crash of the machine may
        # lose the last writes. It spares an fsync per request (signed requests record a nonce).
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS docs (kind TEXT, id TEXT, body TEXT, PRIMARY KEY (kind, id))")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS nonces (scope TEXT, nonce TEXT, expires REAL, PRIMARY KEY (scope, nonce))"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS nonces_by_expiry ON nonces (expires)")
        self._db.commit()
        # One lock for all access: the emulator's traffic is small, correctness matters more.
        self.lock = threading.RLock()
        self._depth = 0  # nesting of transaction(): writes inside commit together at the end

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Every put/delete inside commits together at the end, or none of them if it raises,
        so a crash never leaves half of a multi-row change.

        Transactions nest: an inner one that raises undoes its own writes (a savepoint) and
        leaves the outer one free to go on, e.g. to record the error it caught.
        """
        with self.lock:
            self._depth += 1
            savepoint = f"nested_{self._depth}"
            if self._depth == 1:
                if self._db.in_transaction:  # pragma: no cover - every write commits outside one
                    self._db.commit()
                self._db.execute("BEGIN")
            else:
                self._db.execute(f"SAVEPOINT {savepoint}")
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._db.rollback()
                else:
                    self._db.execute(f"ROLLBACK TO {savepoint}")
                    self._db.execute(f"RELEASE {savepoint}")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._db.commit()
            else:
                self._db.execute(f"RELEASE {savepoint}")

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

    def claim_nonce(self, scope: str, nonce: str, *, expires: float, now: float) -> bool:
        """Record ``nonce`` as used until ``expires``; False if it is already recorded and not
        yet expired. Expired nonces are forgotten on the way."""
        with self.lock:
            self._db.execute("DELETE FROM nonces WHERE expires < ?", (now,))
            cursor = self._db.execute("INSERT OR IGNORE INTO nonces VALUES (?, ?, ?)", (scope, nonce, expires))
            self._commit()
            return cursor.rowcount == 1

    def clear(self) -> None:
        with self.lock:
            self._db.execute("DELETE FROM docs")
            self._db.execute("DELETE FROM nonces")
            self._commit()
