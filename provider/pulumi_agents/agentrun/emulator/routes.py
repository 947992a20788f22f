"""The AgentRun runtime API over HTTP: ACS3 signature check, envelopes, status codes."""

from __future__ import annotations

import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pulumi_agents.agentrun import signing
from pulumi_agents.agentrun.emulator.state import AgentRunState, InvalidRequest

PREFIX = f"/{signing.API_VERSION}/agents/runtimes"
MAX_CLOCK_SKEW_SECONDS = 15 * 60


def _request_id() -> str:
    return str(uuid.uuid4()).upper()


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "requestId": _request_id()}, status_code=status)


def _ok(data: Any) -> JSONResponse:
    return JSONResponse({"code": "SUCCESS", "requestId": _request_id(), "data": data})


class _Nonces:
    """Recently used signature nonces: a replayed request is refused, as the service does."""

    def __init__(self, size: int = 10_000) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._size, self._lock = size, threading.Lock()

    def first_use(self, nonce: str) -> bool:
        with self._lock:
            if nonce in self._seen:
                return False
            self._seen[nonce] = None
            if len(self._seen) > self._size:
                self._seen.popitem(last=False)
            return True


def router(state: AgentRunState, keys: Mapping[str, str]) -> APIRouter:
    api = APIRouter()
    nonces = _Nonces()

    async def authenticate(request: Request) -> tuple[dict[str, Any] | None, JSONResponse | None]:
        body = await request.body()
        raw_path = request.scope.get("raw_path", request.url.path.encode()).decode()
        try:
            signing.verify(
                method=request.method,
                raw_path=raw_path,
                query=dict(request.query_params),
                headers=dict(request.headers),
                body=body,
                secrets=keys,
            )
        except signing.SignatureError as exc:
            return None, _error(exc.status, exc.code, exc.message)
        try:
            sent = datetime.strptime(request.headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return None, _error(400, "InvalidTimeStamp.Format", "x-acs-date must be like 2025-01-10T10:30:00Z")
        if abs((datetime.now(UTC) - sent).total_seconds()) > MAX_CLOCK_SKEW_SECONDS:
            return None, _error(400, "InvalidTimeStamp.Expired", "x-acs-date is too far from the server's time")
        if not nonces.first_use(request.headers.get("x-acs-signature-nonce", "")):
            return None, _error(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        if not body:
            return {}, None
        try:
            parsed = json.loads(body)
        except ValueError:
            return None, _error(400, "ERR_BAD_REQUEST", "body is not valid JSON")
        if not isinstance(parsed, dict):
            return None, _error(400, "ERR_BAD_REQUEST", "body must be a JSON object")
        return parsed, None

    async def handle(request: Request, operation: Any) -> JSONResponse:
        body, failure = await authenticate(request)
        if failure is not None:
            return failure
        try:
            return _ok(operation(body))
        except InvalidRequest as exc:
            return _error(exc.status, exc.code, exc.message)

    @api.post(PREFIX)
    async def create(request: Request) -> JSONResponse:
        return await handle(request, state.create)

    @api.get(PREFIX)
    async def list_runtimes(request: Request) -> JSONResponse:
        q = request.query_params
        statuses = [s for s in (q.get("status") or "").split(",") if s]
        return await handle(
            request,
            lambda _body: state.list(
                name=q.get("agentRuntimeName"),
                search_mode=q.get("searchMode"),
                statuses=statuses,
                workspace_id=q.get("workspaceId"),
                page_number=int(q.get("pageNumber") or 1),
                page_size=min(int(q.get("pageSize") or 20), 100),
            ),
        )

    @api.get(PREFIX + "/{runtime_id}")
    async def get(runtime_id: str, request: Request) -> JSONResponse:
        return await handle(request, lambda _body: state.get(runtime_id))

    @api.put(PREFIX + "/{runtime_id}")
    async def update(runtime_id: str, request: Request) -> JSONResponse:
        return await handle(request, lambda body: state.update(runtime_id, body))

    @api.delete(PREFIX + "/{runtime_id}")
    async def delete(runtime_id: str, request: Request) -> JSONResponse:
        return await handle(request, lambda _body: state.delete(runtime_id))

    # Test controls (unsigned, loopback only): make the next operation on a runtime fail.
    @api.post("/_emulator/agentrun/failures")
    async def fail_next(request: Request) -> JSONResponse:
        data = await request.json()
        try:
            state.fail_next(data["agentRuntimeName"], data["operation"], data.get("statusReason", "injected failure"))
        except (KeyError, InvalidRequest) as exc:
            return _error(400, "ERR_BAD_REQUEST", f"bad failure rule: {exc}")
        return _ok({"accepted": True})

    return api
