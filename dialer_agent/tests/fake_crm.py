"""A small stand-in for the CRM's machine API on 127.0.0.1, speaking the contract the agent
codes against: long-poll with 204, idempotent call start/end keyed by the client's UUID,
401 for a wrong token, 429 with Retry-After, and real down time (the port closed).

It records every request and counts each UUID, so a test can tell "sent twice" from
"recorded twice".
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter, deque
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from dialer_agent.api import CALL_END_PATH, CALL_START_PATH, NEXT_PATH, PING_PATH

STATUSES = {"COMPLETED", "NO_ANSWER", "BUSY", "FAILED", "DROPPED"}
TOKEN = "good-token"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # An agent that was stopped or killed leaves its long-poll behind; that is expected.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeCRM:
    def __init__(self) -> None:
        self.token = TOKEN
        self.lock = threading.Condition()
        self.inbox: deque[dict] = deque()
        self.calls: dict[str, dict] = {}  # call_uuid → {"start": body, "end": body, "call_id": n}
        self.posts: Counter[tuple[str, str]] = Counter()  # (kind, call_uuid) → requests received
        self.log: list[tuple[float, str, str, int]] = []  # (time, method, path, status answered)
        self.dispatched: list[dict] = []
        # Knobs a test turns.
        self.rate_limit_next = 0
        self.retry_after: str | None = "1"
        self.fail_next = 0  # answer 503
        self.lose_next_response = 0  # do the work, then drop the connection unanswered
        self.go_down_after_dispatch = False
        self.reject_phone: str | None = None  # a start with this phone gets a 400
        self.port = 0
        self.server: _Server | None = None

    # Running.

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeCRM:
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.crm = self
        self.port = server.server_address[1]
        self.server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        """Go down: the port is closed, so the agent's requests are refused."""
        server, self.server = self.server, None
        if server:
            server.shutdown()
            server.server_close()
        with self.lock:
            self.lock.notify_all()

    @property
    def up(self) -> bool:
        return self.server is not None

    # What a test asks for and looks at.

    def enqueue(self, message: dict) -> None:
        with self.lock:
            self.inbox.append(message)
            self.lock.notify_all()

    def requests_to(self, path: str) -> list[tuple[float, str, str, int]]:
        return [entry for entry in self.log if entry[2].startswith(path)]

    # The API.

    def handle(self, handler: _Handler, method: str, path: str, query: dict, body: dict | None) -> tuple[int, object]:
        """(status, answer): a dict is sent as JSON, bytes as they are, None as an empty body."""
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"detail": "Token inválido o revocado"}
        if self.rate_limit_next:
            self.rate_limit_next -= 1
            handler.extra_headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return 429, {"detail": "Demasiadas solicitudes"}
        if self.fail_next:
            self.fail_next -= 1
            return 503, None
        if (method, path) == ("GET", PING_PATH):
            return 200, {"user": "agente", "workstation": "PC-07"}
        if (method, path) == ("GET", NEXT_PATH):
            return self.next_request(float(query.get("wait", ["0"])[0]))
        if (method, path) == ("POST", CALL_START_PATH):
            return self.call_start(body or {})
        if (method, path) == ("POST", CALL_END_PATH):
            return self.call_end(body or {})
        return 404, {"detail": "Not Found"}

    def next_request(self, wait: float) -> tuple[int, dict | None]:
        deadline = time.monotonic() + wait
        with self.lock:
            while not self.inbox and self.up and time.monotonic() < deadline:
                self.lock.wait(deadline - time.monotonic())
            if not self.up:
                return 503, None
            if not self.inbox:
                return 204, None
            message = self.inbox.popleft()
            self.dispatched.append(message)
        if self.go_down_after_dispatch:
            self.go_down_after_dispatch = False
            threading.Thread(target=self.stop, daemon=True).start()
        return 200, message

    def call_start(self, body: dict) -> tuple[int, dict]:
        missing = [key for key in ("call_uuid", "phone", "started_at") if not body.get(key)]
        if missing:
            return 400, {"detail": f"missing: {', '.join(missing)}"}
        if body["phone"] == self.reject_phone:
            return 400, {"detail": "phone is not E.164"}
        with self.lock:
            self.posts["start", body["call_uuid"]] += 1
            call = self.calls.get(body["call_uuid"])
            if call:
                return 200, call["start_answer"]
            answer = {"call_id": len(self.calls) + 1, "call_uuid": body["call_uuid"]}
            self.calls[body["call_uuid"]] = {"start": body, "end": None, "start_answer": answer}
            return 201, answer

    def call_end(self, body: dict) -> tuple[int, dict]:
        if body.get("status") not in STATUSES or not body.get("ended_at"):
            return 400, {"detail": "bad status or ended_at"}
        with self.lock:
            self.posts["end", body.get("call_uuid")] += 1
            call = self.calls.get(body.get("call_uuid"))
            if call is None:
                return 404, {"detail": "unknown call"}
            if call["end"] is None:
                started = datetime.fromisoformat(call["start"]["started_at"])
                ended = datetime.fromisoformat(body["ended_at"])
                if ended < started:
                    return 400, {"detail": "end before start"}
                call["end"] = body
                call["end_answer"] = {
                    "call_id": call["start_answer"]["call_id"],
                    "duration_seconds": round((ended - started).total_seconds()),
                }
            return 200, call["end_answer"]


class _Handler(BaseHTTPRequestHandler):
    extra_headers: dict[str, str] = {}

    def log_message(self, format, *args):  # keep the test output quiet
        pass

    def _serve(self, method: str) -> None:
        crm: FakeCRM = self.server.crm
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.extra_headers = {}
        status, answer = crm.handle(self, method, parts.path, parse_qs(parts.query), body)
        crm.log.append((time.monotonic(), method, self.path, status))
        if crm.lose_next_response and method == "POST" and status < 300:
            crm.lose_next_response -= 1
            self.close_connection = True
            return  # the work is done, but the agent never hears so
        data = answer if isinstance(answer, bytes) else b"" if answer is None else json.dumps(answer).encode()
        self.send_response(status)
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")
