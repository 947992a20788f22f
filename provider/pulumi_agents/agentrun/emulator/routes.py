"""The AgentRun API over HTTP: ACS3 signature check, envelopes, status codes.

Every operation of every AgentRun kind in schema.json is served at the method and path its
``x-api`` block gives, as the official SDK writes them: runtimes under
``/2025-09-10/agents/runtimes``, their endpoints under ``.../{id}/endpoints``, their published
versions under ``.../{id}/versions``, workspaces under ``/2025-09-10/workspaces``. Each kind's
operations are answered by its family in ``models/`` (where the wire decisions are), or by the
generic model (``models/generic.py``) for the kinds in ``state.KINDS``; an operation in
schema.json with no handler stops the emulator from starting.
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
- a bad signature or date (the codes of ``signing.verify``; ``InvalidTimeStamp.*``); a temporary
  (STS) key without its security token: 400 ``MissingSecurityToken``, with another one: 400
  ``InvalidSecurityToken.MismatchWithAccessKey``;
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
  (``models/``).

Test control (unsigned, loopback): ``POST /_emulator/agentrun/failures`` makes the next create,
update or delete of a runtime or of an endpoint end in ``*_FAILED`` with ``statusReason``::

    {"agentRuntimeName": "rt", "operation": "create", "statusReason": "no capacity"}
    {"agentRuntimeEndpointName": "prod", "operation": "update", "statusReason": "...",
     "agentRuntimeId": "ar-..."}   # agentRuntimeId optional: without it, any runtime's "prod"
"""

from __future__ import annotations

import hmac
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pulumi_agents._api import api as kind_api
from pulumi_agents._schema import resource_types
from pulumi_agents.agentrun import signing
from pulumi_agents.agentrun.emulator.models.generic import Collection, Operation
from pulumi_agents.agentrun.emulator.state import AgentRunState, InvalidRequest
from pulumi_agents.emulator.limits import BadJson, is_json_media_type, parse_json
from pulumi_agents.emulator.routing import PrefixedRouter

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


Handler = Callable[[Mapping[str, str], dict[str, Any], Request], Any]  # (path params, body, request)


def _handlers(state: AgentRunState) -> dict[str, dict[str, Handler]]:
    """schema.json type name -> x-api operation -> what answers it. Runtimes, endpoints and
    versions keep their own families' methods; the kinds in ``state.KINDS`` their collection."""

    def runtimes(p: Mapping[str, str], body: dict[str, Any], request: Request) -> Any:
        q = request.query_params
        number, size = _page_params(request)
        return state.list(
            name=q.get("agentRuntimeName"),
            search_mode=q.get("searchMode"),
            statuses=[s for s in (q.get("status") or "").split(",") if s],
            workspace_id=q.get("workspaceId"),
            page_number=number,
            page_size=size,
        )

    def endpoints(p: Mapping[str, str], body: dict[str, Any], request: Request) -> Any:
        q = request.query_params
        number, size = _page_params(request)
        return state.list_endpoints(
            p["agent_runtime_id"],
            name=q.get("endpointName"),
            search_mode=q.get("searchMode"),
            page_number=number,
            page_size=size,
        )

    def versions(p: Mapping[str, str], body: dict[str, Any], request: Request) -> Any:
        number, size = _page_params(request)
        return state.list_versions(p["agent_runtime_id"], page_number=number, page_size=size)

    handlers: dict[str, dict[str, Handler]] = {
        "AgentRuntime": {
            "create": lambda p, body, r: state.create(body),
            "read": lambda p, body, r: state.get(p["agent_runtime_id"], r.query_params.get("agentRuntimeVersion")),
            "update": lambda p, body, r: state.update(p["agent_runtime_id"], body),
            "delete": lambda p, body, r: state.delete(p["agent_runtime_id"]),
            "list": runtimes,
        },
        "AgentRuntimeEndpoint": {
            "create": lambda p, body, r: state.create_endpoint(p["agent_runtime_id"], body),
            "read": lambda p, body, r: state.get_endpoint(p["agent_runtime_id"], p["agent_runtime_endpoint_id"]),
            "update": lambda p, body, r: state.update_endpoint(
                p["agent_runtime_id"], p["agent_runtime_endpoint_id"], body
            ),
            "delete": lambda p, body, r: state.delete_endpoint(p["agent_runtime_id"], p["agent_runtime_endpoint_id"]),
            "list": endpoints,
        },
        "RuntimeVersion": {
            "create": lambda p, body, r: state.publish_version(p["agent_runtime_id"], body),
            "list": versions,
        },
    }
    for type_name, collection in state.collections.items():
        handlers[type_name] = _collection_handlers(collection)
    return handlers


def _collection_handlers(c: Collection) -> dict[str, Handler]:
    def listing(p: Mapping[str, str], body: dict[str, Any], request: Request) -> Any:
        number, size = _page_params(request)
        return c.list(p, request.query_params, number, size)

    def other(operation: Operation) -> Handler:
        return lambda p, body, r: operation(p, body)

    return {
        "create": lambda p, body, r: c.create(p, body),
        "read": lambda p, body, r: c.read(p),
        "update": lambda p, body, r: c.update(p, body, r.query_params),
        "delete": lambda p, body, r: c.delete(p),
        "list": listing,
        **{name: other(operation) for name, operation in c.operations().items()},
    }


Handle = Callable[[Request, Callable[[dict[str, Any]], Any]], Awaitable[JSONResponse]]


def _endpoint(handle: Handle, operation: Handler) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(request: Request) -> JSONResponse:
        params = dict(request.path_params)
        return await handle(request, lambda body: operation(params, body, request))

    return endpoint


def _ok(data: Any) -> JSONResponse:
    return JSONResponse({"code": "SUCCESS", "requestId": _request_id(), "data": data})


def router(state: AgentRunState, keys: Mapping[str, str]) -> APIRouter:
    api = PrefixedRouter()

    async def authenticate(request: Request) -> tuple[dict[str, Any] | None, JSONResponse | None]:
        body = await request.body()
        raw_path = request.scope.get("raw_path", request.url.path.encode()).decode()
        try:
            key_id = signing.verify(
                method=request.method,
                raw_path=raw_path,
                query=dict(request.query_params),
                headers=dict(request.headers),
                body=body,
                secrets=keys,
            )
        except signing.SignatureError as exc:
            return None, _error(exc.status, exc.code, exc.message)
        # A temporary key is good only with its security token (signed, as verify() requires of
        # every x-acs- header).
        needed, token = state.security_tokens.get(key_id), request.headers.get("x-acs-security-token")
        if needed is not None and not token:
            return None, _error(400, "MissingSecurityToken", "SecurityToken is mandatory for this access key.")
        if needed is not None and not hmac.compare_digest(token or "", needed):
            return None, _error(
                400,
                "InvalidSecurityToken.MismatchWithAccessKey",
                "Specified SecurityToken mismatch with the AccessKey.",
            )
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

    async def handle(request: Request, operation: Callable[[dict[str, Any]], Any]) -> JSONResponse:
        body, failure = await authenticate(request)
        if failure is not None:
            return failure
        assert body is not None  # authenticate gives a body or a failure
        try:
            return _ok(operation(body))
        except InvalidRequest as exc:
            return _error(exc.status, exc.code, exc.message)

    # Every operation of every AgentRun kind in schema.json, at the method and path its x-api
    # block gives (as the official SDK writes them), answered by that kind's handler.
    handlers = _handlers(state)
    for type_name, package in resource_types().items():
        spec = kind_api(type_name)
        if package != "agentrun" or spec is None:
            continue
        for name, op in spec.operations.items():
            try:
                operation = handlers[type_name][name]
            except KeyError:
                raise LookupError(
                    f"schema.json's {type_name} has operation {name!r}: the emulator has no handler"
                ) from None
            api.add_api_route(op.path, _endpoint(handle, operation), methods=[op.method], name=op.action)

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
