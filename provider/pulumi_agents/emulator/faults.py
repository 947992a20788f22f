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
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from dataclasses import dataclass, field
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

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        if data.get("kind") not in ("status", "lost", "stall"):
            raise ValueError("kind must be one of status, lost, stall")
        return cls(
            kind=data["kind"],
            path=data.get("path", "/"),
            method=data.get("method"),
            times=int(data.get("times", 1)),
            status=int(data.get("status", 503)),
            retry_after=data.get("retryAfter"),
            seconds=float(data.get("seconds", 5.0)),
        )


@dataclass
class Faults:
    rules: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for rule in self.rules:
                if path.startswith(rule.path) and rule.method in (None, method):
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
