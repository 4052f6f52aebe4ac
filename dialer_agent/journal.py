"""The local journal: every call event is written here, durably, before it is sent.

An event stays ``pending`` until the server acknowledges it (``sent``) or refuses it for good
(``rejected``, with the reason). Events go out strictly in the order they were written, so a
call's end never reaches the server before its start. After a crash the pending events are
simply sent again: the server's API is idempotent on the call UUID.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

START = "start"
END = "end"

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('start', 'end')),
    call_uuid TEXT NOT NULL,
    dial_request_id TEXT,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'rejected')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    done_at TEXT,
    response TEXT,
    UNIQUE (call_uuid, kind)
);
CREATE INDEX IF NOT EXISTS events_state_seq ON events (state, seq);
CREATE INDEX IF NOT EXISTS events_dial_request ON events (dial_request_id);
-- The last moment the agent knew a call was still going: the end time it reports for a call
-- it lost track of because the program died.
CREATE TABLE IF NOT EXISTS calls_alive (call_uuid TEXT PRIMARY KEY, alive_at TEXT NOT NULL);
"""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Event:
    seq: int
    kind: str
    call_uuid: str
    payload: dict[str, Any]
    state: str
    attempts: int
    last_error: str | None


class Journal:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by the loop and the sender thread, serialised by a lock.
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA synchronous = FULL")  # a written event survives a power cut
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _execute(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def append(self, kind: str, payload: dict[str, Any]) -> Event:
        """Write an event durably; writing the same call's start or end again returns the first."""
        call_uuid = payload["call_uuid"]
        dial_request_id = payload.get("dial_request_id")
        request = None if dial_request_id is None else str(dial_request_id)
        with contextlib.suppress(sqlite3.IntegrityError):  # already written: keep the first
            self._execute(
                "INSERT INTO events (kind, call_uuid, dial_request_id, payload, created_at) VALUES (?, ?, ?, ?, ?)",
                (kind, call_uuid, request, json.dumps(payload), now_iso()),
            )
        return self._one("WHERE call_uuid = ? AND kind = ?", (call_uuid, kind))

    def _one(self, where: str, params: tuple) -> Event:
        return self._events(where, params)[0]

    def _events(self, where: str, params: tuple = ()) -> list[Event]:
        rows = self._execute(f"SELECT * FROM events {where}", params)  # noqa: S608 - fixed fragments only
        return [
            Event(
                seq=row["seq"],
                kind=row["kind"],
                call_uuid=row["call_uuid"],
                payload=json.loads(row["payload"]),
                state=row["state"],
                attempts=row["attempts"],
                last_error=row["last_error"],
            )
            for row in rows
        ]

    def next_pending(self) -> Event | None:
        events = self._events("WHERE state = 'pending' ORDER BY seq LIMIT 1")
        return events[0] if events else None

    def pending(self) -> list[Event]:
        return self._events("WHERE state = 'pending' ORDER BY seq")

    def all_events(self) -> list[Event]:
        return self._events("ORDER BY seq")

    def mark_sent(self, seq: int, response: Any) -> None:
        self._finish(seq, "sent", None, json.dumps(response))

    def mark_rejected(self, seq: int, reason: str) -> None:
        self._finish(seq, "rejected", reason, None)

    def _finish(self, seq: int, state: str, error: str | None, response: str | None) -> None:
        self._execute(
            "UPDATE events SET state = ?, attempts = attempts + 1, last_error = ?, done_at = ?, response = ? "
            "WHERE seq = ?",
            (state, error, now_iso(), response, seq),
        )

    def record_failure(self, seq: int, error: str) -> None:
        self._execute("UPDATE events SET attempts = attempts + 1, last_error = ? WHERE seq = ?", (error, seq))

    def open_calls(self) -> list[Event]:
        """Starts written without an end: calls the program lost track of when it stopped."""
        return self._events(
            "WHERE kind = 'start' AND call_uuid NOT IN (SELECT call_uuid FROM events WHERE kind = 'end') ORDER BY seq"
        )

    def touch(self, call_uuid: str) -> None:
        self._execute(
            "INSERT INTO calls_alive (call_uuid, alive_at) VALUES (?, ?) "
            "ON CONFLICT (call_uuid) DO UPDATE SET alive_at = excluded.alive_at",
            (call_uuid, now_iso()),
        )

    def alive_at(self, call_uuid: str) -> str | None:
        rows = self._execute("SELECT alive_at FROM calls_alive WHERE call_uuid = ?", (call_uuid,))
        return rows[0]["alive_at"] if rows else None

    def knows_dial_request(self, dial_request_id: Any) -> bool:
        rows = self._execute("SELECT 1 FROM events WHERE dial_request_id = ? LIMIT 1", (str(dial_request_id),))
        return bool(rows)

    def counts(self) -> dict[str, int]:
        rows = self._execute("SELECT state, COUNT(*) AS n FROM events GROUP BY state")
        return {row["state"]: row["n"] for row in rows}

    def purge(self, keep_days: float) -> int:
        """Forget events the server settled more than ``keep_days`` ago (kept that long for support)."""
        cutoff = (datetime.now(UTC) - timedelta(days=keep_days)).isoformat(timespec="milliseconds")
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            # A call's rows go together, and only once both its start and end are settled.
            done = self._db.execute(
                "SELECT call_uuid FROM events GROUP BY call_uuid "
                "HAVING COUNT(*) = 2 AND SUM(state = 'pending') = 0 AND MAX(done_at) < ?",
                (cutoff,),
            ).fetchall()
            uuids = [(row["call_uuid"],) for row in done]
            self._db.executemany("DELETE FROM events WHERE call_uuid = ?", uuids)
            self._db.executemany("DELETE FROM calls_alive WHERE call_uuid = ?", uuids)
        return len(uuids)
