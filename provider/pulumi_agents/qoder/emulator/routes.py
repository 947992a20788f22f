"""Qoder cloud agents over HTTP under /api/v1/cloud: bearer auth, envelopes, idempotency.

What the service refuses before an operation runs, in this order:

- a body over ``MAX_BODY_BYTES`` (1 MiB; an upload, over its ``UPLOAD_LIMITS``): 413
  ``request_too_large``, the type Anthropic's API (the model of this one) documents for 413,
  answered before the body is read (``emulator/limits.py``).
  Qoder publishes no limit; an agent definition is a few KiB (a long system prompt included), so
  1 MiB is generous while keeping memory bounded;
- a missing or unknown token: 401 ``authentication_error``;
- a body not sent as ``application/json`` (text/plain, form data, or no content type at all):
  400 ``invalid_request_error`` "content-type must be application/json" (Anthropic's docs: the API
  always takes JSON and the content-type header must say so);
- a body that is not a JSON object, nests more than 64 levels, or carries NaN or an unpaired
  surrogate: 400 ``invalid_request_error`` (``limits.parse_json``);
- bad query values: ``limit`` not a whole number from 1 to 100, ``include_archived`` not true or
  false, ``version`` not a whole number, ``created_at[gte]``/``created_at[lte]`` not ISO 8601, a
  ``page`` this service did not give: 400 ``invalid_request_error`` with ``param`` naming it;
- field limits (``state.py``): 400 ``invalid_request_error`` with ``param`` naming the field.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pulumi_agents.emulator.limits import BadJson, is_json_media_type, parse_json
from pulumi_agents.emulator.routing import PrefixedRouter
from pulumi_agents.qoder.emulator import run_routes, upload_routes
from pulumi_agents.qoder.emulator.collection import Collection, Form, Part
from pulumi_agents.qoder.emulator.state import QoderError, QoderState, canonical_body

PREFIX = "/api/v1/cloud"
MAX_BODY_BYTES = 1024 * 1024
# Uploads (multipart) are larger: a skill's files up to Anthropic's 8 MB (with the form's own bytes),
# a file up to 32 MiB here (Anthropic's API takes 500 MB; the emulator keeps them in its store).
UPLOAD_LIMITS = {PREFIX + "/skills": 9 * 1024 * 1024, PREFIX + "/files": 32 * 1024 * 1024}
_WHOLE = re.compile(r"[0-9]{1,9}")


# Everything under this path answers in Qoder's envelope, unknown paths included.
ERROR_PREFIX = PREFIX
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
}


def _answer(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"request-id": f"req_{uuid.uuid4().hex}"})


def http_error(status: int, message: str) -> JSONResponse:
    """An HTTP-level error (unknown path, wrong method, bad request, crash) in Qoder's envelope."""
    kind = ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return _answer(status, QoderError(status, kind, message).body())


def _limit(query: Mapping[str, str]) -> int:
    given = query.get("limit")
    if given is not None and not _WHOLE.fullmatch(given):
        raise QoderError(400, "invalid_request_error", "limit must be a whole number", "limit")
    limit = int(given) if given is not None else 20
    if not 1 <= limit <= 100:
        raise QoderError(400, "invalid_request_error", "limit must be between 1 and 100", "limit")
    return limit


def _moment(query: Mapping[str, str], name: str) -> datetime | None:
    given = query.get(name)
    if given is None:
        return None
    try:
        moment = datetime.fromisoformat(given.replace("Z", "+00:00"))
    except ValueError:
        raise QoderError(400, "invalid_request_error", f"{name} must be an ISO 8601 date-time", name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def workspace(request: Request) -> str | None:
    """The workspace a request works in (``qoder-workspace-id``); None: the default one."""
    return request.headers.get("qoder-workspace-id") or None


def router(state: QoderState, tokens: set[str]) -> APIRouter:
    api = PrefixedRouter(prefix=PREFIX)

    def token_of(request: Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token not in tokens:
            raise QoderError(401, "authentication_error", "invalid or expired personal access token")
        return token

    async def form_of(request: Request) -> tuple[bytes, Form]:
        """A multipart upload (``qca-sdk``'s files and skills): field -> values, a file as ``Part``."""
        raw = await request.body()
        content_type = request.headers.get("content-type", "")
        if not content_type.lower().startswith("multipart/form-data"):
            raise QoderError(400, "invalid_request_error", "content-type must be multipart/form-data")
        try:
            async with request.form(max_files=1000, max_fields=100) as form:
                found: Form = {}
                for name, value in form.multi_items():
                    if isinstance(value, str):
                        found.setdefault(name, []).append(value)
                    else:
                        content = await value.read()
                        part = Part(value.filename or "", content, value.content_type or "application/octet-stream")
                        found.setdefault(name, []).append(part)
        except Exception as exc:  # python-multipart's (or Starlette's) refusal of a malformed form
            raise QoderError(400, "invalid_request_error", f"the multipart body cannot be read: {exc}") from None
        return raw, found

    async def body_of(request: Request) -> tuple[bytes, dict[str, Any]]:
        raw = await request.body()
        if not raw:
            return raw, {}
        if not is_json_media_type(request.headers.get("content-type")):
            raise QoderError(400, "invalid_request_error", "content-type must be application/json")
        try:
            parsed = parse_json(raw)
        except BadJson as exc:
            raise QoderError(400, "invalid_request_error", str(exc)) from None
        if not isinstance(parsed, dict):
            raise QoderError(400, "invalid_request_error", "body must be a JSON object")
        return raw, parsed

    async def handle(
        request: Request, operation: Callable[[Any], tuple[int, dict[str, Any]]], *, keyed: bool, form: bool = False
    ) -> JSONResponse:
        try:
            token = token_of(request)
            raw, body = await (form_of(request) if form else body_of(request))
            if not keyed:
                return _answer(*operation(body))
            key = request.headers.get("idempotency-key")
            return _answer(
                *state.idempotent(
                    token, key, request.method, request.url.path, canonical_body(raw), lambda: operation(body)
                )
            )
        except QoderError as exc:
            return _answer(exc.status, exc.body())

    def extended(request: Request) -> bool:
        return request.headers.get("x-cas-include-extended", "").lower() == "true"

    @api.post("/agents")
    async def create(request: Request) -> JSONResponse:
        return await handle(
            request, lambda body: (201, state.view(state.create(body, workspace(request)), extended=True)), keyed=True
        )

    @api.get("/agents")
    async def list_agents(request: Request) -> JSONResponse:
        q = request.query_params

        def run(_body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            limit = _limit(q)
            archived = (q.get("include_archived") or "false").lower()
            if archived not in ("true", "false"):
                raise QoderError(
                    400, "invalid_request_error", "include_archived must be true or false", "include_archived"
                )
            page = state.list(
                include_archived=archived == "true",
                limit=limit,
                after_id=q.get("after_id"),
                before_id=q.get("before_id"),
                page=q.get("page"),
                created=(_moment(q, "created_at[gte]"), _moment(q, "created_at[lte]")),
                workspace=workspace(request),
            )
            page["data"] = [state.view(a, extended=extended(request)) for a in page["data"]]
            return 200, page

        return await handle(request, run, keyed=False)

    @api.get("/agents/{agent_id}")
    async def get(agent_id: str, request: Request) -> JSONResponse:
        version = request.query_params.get("version")

        def run(_body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            if version is not None and not _WHOLE.fullmatch(version):
                raise QoderError(400, "invalid_request_error", "version must be a whole number", "version")
            agent = state.get(agent_id, int(version) if version else None, workspace(request))
            return 200, state.view(agent, extended=extended(request))

        return await handle(request, run, keyed=False)

    async def update(agent_id: str, request: Request) -> JSONResponse:
        return await handle(
            request,
            lambda body: (200, state.view(state.update(agent_id, body, workspace(request)), extended=True)),
            keyed=True,
        )

    # Most docs update with PUT; the SDK and one doc use POST.
    api.add_api_route("/agents/{agent_id}", update, methods=["PUT", "POST"])

    @api.post("/agents/{agent_id}/archive")
    async def archive(agent_id: str, request: Request) -> JSONResponse:
        return await handle(
            request,
            lambda _b: (200, state.view(state.archive(agent_id, workspace(request)), extended=True)),
            keyed=True,
        )

    @api.delete("/agents/{agent_id}")
    async def delete(agent_id: str, request: Request) -> JSONResponse:
        return await handle(request, lambda _b: (200, state.delete(agent_id, workspace(request))), keyed=True)

    @api.get("/agents/{agent_id}/versions")
    async def versions(agent_id: str, request: Request) -> JSONResponse:
        def run(_body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            q = request.query_params
            page = state.versions(agent_id, limit=_limit(q), page=q.get("page"), workspace=workspace(request))
            page["data"] = [state.view(v, extended=extended(request)) for v in page["data"]]
            return 200, page

        return await handle(request, run, keyed=False)

    for collection in state.collections.values():
        serve(api, collection, handle)
    upload_routes.serve(api, state, handle, workspace)
    run_routes.serve(api, state, handle, workspace)
    return api


Handle = Callable[..., Awaitable[JSONResponse]]


def serve(api: APIRouter, collection: Collection, handle: Handle) -> None:
    """Every x-api operation of a kind ``collection`` serves, on the SDK's paths: writes keyed
    (an Idempotency-Key replays the first answer), reads not."""
    ops = collection.api.operations

    def route(
        name: str, status: int, run: Callable[[dict[str, str], Any, Request], dict[str, Any]], *, form: bool = False
    ) -> None:
        if name not in ops:
            return
        op = ops[name]

        async def endpoint(request: Request) -> JSONResponse:
            params = dict(request.path_params)
            return await handle(
                request, lambda body: (status, run(params, body, request)), keyed=op.method != "GET", form=form
            )

        api.add_api_route(op.path, endpoint, methods=[op.method], name=f"{collection.kind.type} {name}")

    def listing(params: dict[str, str], _body: dict[str, Any], request: Request) -> dict[str, Any]:
        q = request.query_params
        archived = (q.get("include_archived") or "false").lower()
        if archived not in ("true", "false"):
            raise QoderError(400, "invalid_request_error", "include_archived must be true or false", "include_archived")
        return collection.list(
            params,
            dict(q),
            workspace(request),
            limit=_limit(q),
            include_archived=archived == "true",
            created=(_moment(q, "created_at[gte]"), _moment(q, "created_at[lte]")),
        )

    route("list", 200, listing)
    if collection.kind.upload is not None:  # a multipart upload (a file, a skill)
        route("create", 200, lambda p, form, r: collection.upload(p, form, workspace(r)), form=True)
    else:
        route("create", 201, lambda p, b, r: collection.create(p, b, workspace(r)))
    route("read", 200, lambda p, _b, r: collection.read(p, workspace(r)))
    route("update", 200, lambda p, b, r: collection.update(p, b, workspace(r)))
    route("archive", 200, lambda p, _b, r: collection.archive(p, workspace(r)))
    route("delete", 200, lambda p, _b, r: collection.delete(p, workspace(r)))
    for name in collection.kind.operations:
        route(name, 200, _other(collection, name))


def _other(collection: Collection, name: str) -> Callable[[dict[str, str], dict[str, Any], Request], dict[str, Any]]:
    """The handler of one of a kind's other operations (a credential's mcp_oauth_validate)."""
    return lambda params, _body, request: collection.other(name, params, workspace(request))
