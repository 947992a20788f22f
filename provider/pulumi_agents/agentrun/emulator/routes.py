"""The AgentRun API over HTTP: ACS3 signature check, envelopes, status codes.

Runtimes under ``/2025-09-10/agents/runtimes``, their endpoints under ``.../{id}/endpoints`` and
their published versions under ``.../{id}/versions`` (see ``state.py`` for the wire decisions).
Anything else under ``/2025-09-10`` is answered in the same ``{code, message, requestId}``
envelope by ``http_error`` (wired in ``emulator/app.py``): 404 ``ERR_NOT_FOUND`` for a path no
operation has, 405 ``ERR_METHOD_NOT_ALLOWED`` for a method the path does not take. Their messages
say "no operation", never "does not exist": a client must not take a wrong path for a deleted
resource.

What the service refuses before an operation runs, in this order:

- a body over ``MAX_BODY_BYTES`` (16 MiB): 413 ``ERR_BAD_REQUEST``, before it is read (see
  ``emulator/limits.py``). Alibaba publishes no request size limit for this API. A Code runtime
  can carry its package inline, base64 in ``codeConfiguration.zipFile`` (the high-level SDK zips a
  whole folder that way, with no size check), so the limit is generous: a 12 MiB zip fits after
  base64's 4/3. Bigger packages belong in OSS (``ossBucketName``/``ossObjectName``);
- a bad signature or date (the codes of ``signing.verify``; ``InvalidTimeStamp.*``);
- no ``x-acs-signature-nonce``: 400 ``MissingSignatureNonce`` (the POP gateway's
  ``Missing<Parameter>`` form); a nonce already used while its request's ``x-acs-date`` is within
  the ``MAX_CLOCK_SKEW_SECONDS`` window: 400 ``SignatureNonceUsed`` "Specified signature nonce was
  used already." (the gateway's own code and text). Used nonces are kept in the SQLite store until
  that window has passed, so a replay is refused across a restart too. Clients that retry sign
  every attempt again, with a fresh nonce (the official SDK, ``_http.send``);
- a body sent as anything but JSON: 400 ``ERR_BAD_REQUEST`` "content-type must be
  application/json" (400 rather than 415: the API documents ERR_BAD_REQUEST for malformed
  requests; ``application/json; charset=utf-8``, what the official SDK sends, is JSON);
- a body that is not a JSON object, or JSON nested more than 64 levels, with NaN or an unpaired
  surrogate: 400 ``ERR_BAD_REQUEST`` (``limits.parse_json``);
- bad query values (``pageNumber``/``pageSize`` not whole numbers >= 1): 400
  ``ERR_VALIDATION_FAILED``; field limits: 400 ``ERR_VALIDATION_FAILED`` naming the field
  (``state.py``).

Test control (unsigned, loopback): ``POST /_emulator/agentrun/failures`` makes the next create,
update or delete of a runtime or of an endpoint end in ``*_FAILED`` with ``statusReason``::

    {"agentRuntimeName": "rt", "operation": "create", "statusReason": "no capacity"}
    {"agentRuntimeEndpointName": "prod", "operation": "update", "statusReason": "...",
     "agentRuntimeId": "ar-..."}   # agentRuntimeId optional: without it, any runtime's "prod"
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pulumi_agents.agentrun import signing
from pulumi_agents.agentrun.emulator.state import AgentRunState, InvalidRequest
from pulumi_agents.emulator.limits import BadJson, is_json_media_type, parse_json

PREFIX = f"/{signing.API_VERSION}/agents/runtimes"
# Everything under this path answers in AgentRun's envelope, unknown paths included.
ERROR_PREFIX = f"/{signing.API_VERSION}"
MAX_CLOCK_SKEW_SECONDS = 15 * 60
MAX_BODY_BYTES = 16 * 1024 * 1024


def _request_id() -> str:
    return str(uuid.uuid4()).upper()


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "requestId": _request_id()}, status_code=status)


def http_error(status: int, message: str) -> JSONResponse:
    """An HTTP-level error (unknown path, wrong method, bad request, crash) in AgentRun's envelope."""
    codes = {400: "ERR_BAD_REQUEST", 404: "ERR_NOT_FOUND", 405: "ERR_METHOD_NOT_ALLOWED", 413: "ERR_BAD_REQUEST"}
    code = codes.get(status, "ERR_INTERNAL_SERVER_ERROR" if status >= 500 else "ERR_BAD_REQUEST")
    return _error(status, code, message)


def _page_params(request: Request) -> tuple[int, int]:
    q = request.query_params
    try:
        number, size = int(q.get("pageNumber") or 1), int(q.get("pageSize") or 20)
    except ValueError:
        raise InvalidRequest(400, "ERR_VALIDATION_FAILED", "pageNumber and pageSize must be whole numbers") from None
    if number < 1 or size < 1:
        raise InvalidRequest(400, "ERR_VALIDATION_FAILED", "pageNumber and pageSize must be at least 1")
    return number, min(size, 100)


def _ok(data: Any) -> JSONResponse:
    return JSONResponse({"code": "SUCCESS", "requestId": _request_id(), "data": data})


def router(state: AgentRunState, keys: Mapping[str, str]) -> APIRouter:
    api = APIRouter()

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
        nonce = request.headers.get("x-acs-signature-nonce", "").strip()
        if not nonce:
            return None, _error(400, "MissingSignatureNonce", "x-acs-signature-nonce is mandatory for this action.")
        if not state.claim_nonce(nonce, until=sent.timestamp() + MAX_CLOCK_SKEW_SECONDS, now=time.time()):
            return None, _error(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        if not body:
            return {}, None
        if not is_json_media_type(request.headers.get("content-type")):
            return None, _error(400, "ERR_BAD_REQUEST", "content-type must be application/json")
        try:
            parsed = parse_json(body)
        except BadJson as exc:
            return None, _error(400, "ERR_BAD_REQUEST", str(exc))
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

        def run(_body: dict[str, Any]) -> dict[str, Any]:
            number, size = _page_params(request)
            return state.list(
                name=q.get("agentRuntimeName"),
                search_mode=q.get("searchMode"),
                statuses=statuses,
                workspace_id=q.get("workspaceId"),
                page_number=number,
                page_size=size,
            )

        return await handle(request, run)

    @api.get(PREFIX + "/{runtime_id}")
    async def get(runtime_id: str, request: Request) -> JSONResponse:
        version = request.query_params.get("agentRuntimeVersion")
        return await handle(request, lambda _body: state.get(runtime_id, version))

    @api.put(PREFIX + "/{runtime_id}")
    async def update(runtime_id: str, request: Request) -> JSONResponse:
        return await handle(request, lambda body: state.update(runtime_id, body))

    @api.delete(PREFIX + "/{runtime_id}")
    async def delete(runtime_id: str, request: Request) -> JSONResponse:
        return await handle(request, lambda _body: state.delete(runtime_id))

    # -- endpoints ------------------------------------------------------------------------

    @api.post(PREFIX + "/{runtime_id}/endpoints")
    async def create_endpoint(runtime_id: str, request: Request) -> JSONResponse:
        return await handle(request, lambda body: state.create_endpoint(runtime_id, body))

    @api.get(PREFIX + "/{runtime_id}/endpoints")
    async def list_endpoints(runtime_id: str, request: Request) -> JSONResponse:
        q = request.query_params

        def run(_body: dict[str, Any]) -> dict[str, Any]:
            number, size = _page_params(request)
            return state.list_endpoints(
                runtime_id,
                name=q.get("endpointName"),
                search_mode=q.get("searchMode"),
                page_number=number,
                page_size=size,
            )

        return await handle(request, run)

    @api.get(PREFIX + "/{runtime_id}/endpoints/{endpoint_id}")
    async def get_endpoint(runtime_id: str, endpoint_id: str, request: Request) -> JSONResponse:
        return await handle(request, lambda _body: state.get_endpoint(runtime_id, endpoint_id))

    @api.put(PREFIX + "/{runtime_id}/endpoints/{endpoint_id}")
    async def update_endpoint(runtime_id: str, endpoint_id: str, request: Request) -> JSONResponse:
        return await handle(request, lambda body: state.update_endpoint(runtime_id, endpoint_id, body))

    @api.delete(PREFIX + "/{runtime_id}/endpoints/{endpoint_id}")
    async def delete_endpoint(runtime_id: str, endpoint_id: str, request: Request) -> JSONResponse:
        return await handle(request, lambda _body: state.delete_endpoint(runtime_id, endpoint_id))

    # -- versions -------------------------------------------------------------------------

    @api.post(PREFIX + "/{runtime_id}/versions")
    async def publish_version(runtime_id: str, request: Request) -> JSONResponse:
        return await handle(request, lambda body: state.publish_version(runtime_id, body))

    @api.get(PREFIX + "/{runtime_id}/versions")
    async def list_versions(runtime_id: str, request: Request) -> JSONResponse:
        def run(_body: dict[str, Any]) -> dict[str, Any]:
            number, size = _page_params(request)
            return state.list_versions(runtime_id, page_number=number, page_size=size)

        return await handle(request, run)

    # Test controls (unsigned, loopback only): make the next operation on a runtime or an
    # endpoint fail (the body is in the module's docstring).
    @api.post("/_emulator/agentrun/failures")
    async def fail_next(request: Request) -> JSONResponse:
        try:
            data = parse_json(await request.body())
        except BadJson as exc:
            return _error(400, "ERR_BAD_REQUEST", f"bad failure rule: {exc}")
        if not isinstance(data, dict):
            return _error(400, "ERR_BAD_REQUEST", "bad failure rule: the body must be a JSON object")
        endpoint = "agentRuntimeEndpointName" in data
        name_field = "agentRuntimeEndpointName" if endpoint else "agentRuntimeName"
        known = {name_field, "operation", "statusReason"} | ({"agentRuntimeId"} if endpoint else set())
        unknown = sorted(set(data) - known)
        if unknown:
            return _error(400, "ERR_BAD_REQUEST", f"bad failure rule: unknown field {unknown[0]}")
        for field in (name_field, "operation"):
            if not isinstance(data.get(field), str) or not data[field]:
                return _error(400, "ERR_BAD_REQUEST", f"bad failure rule: {field} is required (a non-empty string)")
        for field in ("statusReason", "agentRuntimeId"):
            if data.get(field) is not None and not isinstance(data[field], str):
                return _error(400, "ERR_BAD_REQUEST", f"bad failure rule: {field} must be a string")
        reason = data["statusReason"] if isinstance(data.get("statusReason"), str) else "injected failure"
        try:
            if endpoint:
                state.fail_next_endpoint(
                    data[name_field], data["operation"], reason, data.get("agentRuntimeId") or None
                )
            else:
                state.fail_next(data[name_field], data["operation"], reason)
        except InvalidRequest as exc:
            return _error(400, "ERR_BAD_REQUEST", f"bad failure rule: {exc.message}")
        return _ok({"accepted": True})

    return api
