"""Fault injection: make the next matching requests fail the way clouds do.

Rules are posted to ``POST /_emulator/faults`` as JSON::

    {"method": "POST", "path": "/2025-09-10/agents/runtimes", "times": 2,
     "kind": "status", "status": 503, "retryAfter": 1}

``kind`` is one of:
- ``status``: answer ``status`` (with ``Retry-After`` if given) without doing anything;
- ``lost``: do the work, then stall ``seconds`` before answering 504, so the client times out
  after the request took effect (a lost answer);
- ``stall``: stall ``seconds`` before doing anything.
``path`` matches a prefix; ``times`` (default 1) counts down to zero, then the rule is gone.
``rate`` (0-1, default 1) makes a rule strike only that share of the matching requests, drawn
from one random generator (seeded with ``seed`` in the body, for a storm that replays the same),
so a fault storm hits about a ``rate`` of all traffic until its ``times`` run out.
Every field is checked (type and range; ``status`` 400-599, ``seconds`` and ``retryAfter`` 0-300,
``times`` 1-1000) and an unknown field is refused: a typo must not make a rule that never fires.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import uuid
from dataclasses import dataclass, field
from random import Random
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass
class Fault:
    kind: str
    path: str = "/"
    method: str | None = None
    times: int = 1
    status: int = 503
    retry_after: float | None = None
    seconds: float = 5.0
    rate: float = 1.0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        """A rule from the control endpoint's body; ValueError names what is wrong."""
        unknown = sorted(set(data) - FIELDS)
        if unknown:
            raise ValueError(f"unknown field {unknown[0]!r} (known: {', '.join(sorted(FIELDS))})")
        kind = data.get("kind")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        path = data.get("path", "/")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"path must be a string starting with '/', not {path!r}")
        method = data.get("method")
        if method is not None and (not isinstance(method, str) or method.upper() not in METHODS):
            raise ValueError(f"method must be one of {', '.join(METHODS)} or left out, not {method!r}")
        times = data.get("times", 1)
        if not _is_int(times) or not 1 <= times <= MAX_TIMES:
            raise ValueError(f"times must be a whole number from 1 to {MAX_TIMES}, not {times!r}")
        status = data.get("status", 503)
        if not _is_int(status) or not 400 <= status <= 599:
            raise ValueError(f"status must be a whole number from 400 to 599, not {status!r}")
        retry_after = data.get("retryAfter")
        if retry_after is not None and not _seconds(retry_after):
            raise ValueError(f"retryAfter must be a number of seconds from 0 to {MAX_SECONDS:g}, not {retry_after!r}")
        seconds = data.get("seconds", 5.0)
        if not _seconds(seconds):
            raise ValueError(f"seconds must be a number from 0 to {MAX_SECONDS:g}, not {seconds!r}")
        rate = data.get("rate", 1.0)
        if not (_seconds(rate) and rate <= 1):
            raise ValueError(f"rate must be a number from 0 to 1, not {rate!r}")
        seed = data.get("seed")
        if seed is not None and not _is_int(seed):
            raise ValueError(f"seed must be a whole number, not {seed!r}")
        return cls(
            kind=kind,
            path=path,
            method=method.upper() if method else None,
            times=times,
            status=status,
            retry_after=retry_after,
            seconds=float(seconds),
            rate=float(rate),
        )


KINDS = ("status", "lost", "stall")
FIELDS = frozenset({"kind", "path", "method", "times", "status", "retryAfter", "seconds", "rate", "seed"})
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MAX_TIMES = 1000
MAX_SECONDS = 300.0  # a stall longer than any client timeout worth testing


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _seconds(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= MAX_SECONDS
    )


@dataclass
class Faults:
    rules: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    random: Random = field(default_factory=Random)

    def seed(self, value: int | None) -> None:
        if value is not None:
            with self.lock:
                self.random.seed(value)

    def take(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for rule in self.rules:
                if not (path.startswith(rule.path) and rule.method in (None, method)):
                    continue
                if rule.rate >= 1 or self.random.random() < rule.rate:
                    rule.times -= 1
                    if rule.times <= 0:
                        self.rules.remove(rule)
                    return rule
        return None


def _error_body(path: str, status: int) -> bytes:
    request_id = str(uuid.uuid4()).upper()
    if path.startswith("/api/v1/cloud"):
        body: dict[str, Any] = {"type": "error", "error": {"type": "api_error", "message": f"injected fault {status}"}}
    elif path.startswith("/v1/routes"):
        body = {"error_code": "AIAE.50000000", "error_msg": f"injected fault {status}"}
    else:
        body = {
            "code": "ERR_INTERNAL_SERVER_ERROR" if status >= 500 else "Throttling",
            "message": f"injected fault {status}",
            "requestId": request_id,
        }
    return json.dumps(body).encode()


class FaultMiddleware:
    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app, self.faults = app, faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        rule = None
        if scope["type"] == "http" and not path.startswith("/_emulator"):
            rule = self.faults.take(scope["method"], path)
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.kind == "stall":
            await asyncio.sleep(rule.seconds)
            await self.app(scope, receive, send)
            return
        if rule.kind == "lost":

            async def swallow(message: Message) -> None:
                return None

            await self.app(scope, receive, swallow)
            await asyncio.sleep(rule.seconds)
            status = 504
        else:
            status = rule.status
        headers = [(b"content-type", b"application/json")]
        if rule.retry_after is not None:
            headers.append((b"retry-after", str(rule.retry_after).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": _error_body(path, status)})
