"""Published AIAE agents over HTTP: bearer API keys, error bodies with HTTP 200, streamed answers.

``POST /v1/routes/open/{agent_id}/execute`` with ``Authorization: Bearer <api key>`` answers
with the scripted stream of ``state.py``. Framing: Server-Sent Events (``id:``, ``event:`` and
``data:`` lines, blank line between events) unless the agent is published with
``"framing": "ndjson"``; the ``Accept`` header overrides the agent's choice when it names only
one of ``text/event-stream`` and ``application/x-ndjson``. A missing or unknown key is answered
``{"error_code": "AIAE.22001001", ...}`` with HTTP 200, as the service does.

Abuse is answered as the service answers a bad parameter, HTTP 200 with ``AIAE.22001002``: a body
that is not JSON, nests more than 64 levels, or carries NaN or an unpaired surrogate
(``limits.parse_json``). The content type is not checked (Huawei publishes nothing about it and
the documented examples send JSON without saying more: lenient where the vendor is silent). A body
over ``MAX_BODY_BYTES`` (1 MiB; no limit is published, and a call carries a query, a conversation's
``memory`` and a few variables) is refused by the gateway before the service sees it: HTTP 413
``AIAE.41300000``, before the body is read.

Test control (loopback, no auth): ``POST /_emulator/aiae/agents`` publishes an agent (see
``state.py``) and answers ``{"agent_id": ..., "path": "/v1/routes/open/<id>/execute"}``.

    curl -N localhost:8765/v1/routes/open/demo-agent/execute -H 'Authorization: Bearer test-api-key' \\
         -d '{"query": "hello [[tool-fail]]", "user_id": "u1", "conversation_id": "c1"}'
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Collection
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from pulumi_agents.aiae.emulator.state import (
    AUTH_FAILED,
    BAD_PARAMETER,
    AiaeState,
    Answer,
    Cut,
    Done,
    Emit,
    Framing,
    Garbage,
    Partial,
    Pause,
    Refused,
)
from pulumi_agents.emulator.limits import BadJson, parse_json
from pulumi_agents.emulator.routing import PrefixedRouter

PATH = "/v1/routes/open/{agent_id}/execute"
# Everything under this path answers in AIAE's envelope, unknown paths included, with codes the
# emulator makes up in the service's AIAE.<8 digits> form (none is published): AIAE.40000000 bad
# request, AIAE.40400000 no such path, AIAE.40500000 wrong method, AIAE.41300000 body too large,
# AIAE.50000000 server error.
ERROR_PREFIX = "/v1/routes"
MAX_BODY_BYTES = 1024 * 1024
MEDIA_TYPES: dict[Framing, str] = {"sse": "text/event-stream", "ndjson": "application/x-ndjson"}


class EmulatedCut(Exception):
    """Raised inside the body generator: the server aborts the connection mid-body."""


def _error(status: int, code: str, message: str, request_id: str) -> JSONResponse:
    return JSONResponse(
        {"error_code": code, "error_msg": message}, status_code=status, headers={"x-request-id": request_id}
    )


def http_error(status: int, message: str) -> JSONResponse:
    """An HTTP-level error (unknown path, wrong method, bad request, crash) in AIAE's envelope."""
    codes = {400: "AIAE.40000000", 404: "AIAE.40400000", 405: "AIAE.40500000", 413: "AIAE.41300000"}
    code = codes.get(status, "AIAE.50000000" if status >= 500 else "AIAE.40000000")
    return _error(status, code, message, uuid.uuid4().hex)


def _framing(accept: str, default: Framing) -> Framing:
    accept = accept.lower()
    sse, ndjson = "text/event-stream" in accept, "application/x-ndjson" in accept
    if sse != ndjson:
        return "sse" if sse else "ndjson"
    return default


def _frame(framing: Framing, number: int, event: str, text: str) -> bytes:
    if framing == "ndjson":
        return (text + "\n").encode()
    return f"id: {number}\nevent: {event}\ndata: {text}\n\n".encode()


async def _body(state: AiaeState, answer: Answer, framing: Framing) -> AsyncIterator[bytes]:
    remembered = False
    for number, step in enumerate(answer.steps, start=1):
        if isinstance(step, Emit):
            event = str(step.chunk.get("type") or "error")
            yield _frame(framing, number, event, json.dumps(step.chunk, ensure_ascii=False))
        elif isinstance(step, Garbage):
            yield _frame(framing, number, "message", step.text)
        elif isinstance(step, Partial):
            yield (step.text if framing == "ndjson" else f"data: {step.text}").encode()
            return
        elif isinstance(step, Pause):
            await asyncio.sleep(step.seconds)
        elif isinstance(step, Cut):
            raise EmulatedCut("the emulator drops this connection on purpose ([[cut]])")
        elif isinstance(step, Done):
            # Remember first: a client may stop reading at [DONE] and call again at once.
            if answer.remember is not None:
                state.remember(answer.remember)
                remembered = True
            yield b"[DONE]\n" if framing == "ndjson" else b"data: [DONE]\n\n"
    if answer.remember is not None and not remembered:
        state.remember(answer.remember)


def _bearer(header: str | None) -> str:
    scheme, _, token = (header or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def router(state: AiaeState, api_keys: Collection[str]) -> APIRouter:
    api = PrefixedRouter()

    @api.post(PATH)
    async def execute(agent_id: str, request: Request) -> Response:
        request_id = uuid.uuid4().hex
        key = _bearer(request.headers.get("authorization"))
        if not key or key not in api_keys:
            return _error(200, AUTH_FAILED, "authentication failed: invalid or missing API key", request_id)
        try:
            agent = state.agent(agent_id)
            state.authorize(agent, key)
            raw = await request.body()
            try:
                body: Any = parse_json(raw)
            except BadJson as exc:
                raise Refused(200, BAD_PARAMETER, f"bad parameter: the {exc}") from None
            answer = state.answer(agent, body, request_id)
        except Refused as exc:
            return _error(exc.status, exc.code, exc.message, request_id)
        framing = _framing(request.headers.get("accept", ""), agent.framing)
        return StreamingResponse(
            _body(state, answer, framing),
            media_type=MEDIA_TYPES[framing],
            headers={"x-request-id": request_id, "cache-control": "no-cache", "x-accel-buffering": "no"},
        )

    @api.post("/_emulator/aiae/agents")
    async def publish(request: Request) -> JSONResponse:
        try:
            agent = state.publish(parse_json(await request.body()))
        except ValueError as exc:  # BadJson included
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"agent_id": agent.agent_id, "path": PATH.format(agent_id=agent.agent_id)})

    return api
