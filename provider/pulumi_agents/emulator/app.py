"""The emulator's ASGI app: every service on one port, with shared fault injection.

Errors that no route answers (an unknown path, a method the path does not take, a request
FastAPI cannot parse, a body over the size limit, a crash) are answered in the envelope of the
service that owns the path: each service's ``routes`` module names its path in ``ERROR_PREFIX``,
its body size limit in ``MAX_BODY_BYTES`` and builds the answer with ``http_error(status,
message)``. Other paths (the ``/_emulator`` test controls) get ``{"error": message}`` and a 1 MiB
limit (``limits.py``).

The test controls are strict too: a body that is not a JSON object, a field of the wrong type or
an unknown field is a 400 ``{"error": ...}`` naming it, never a 500.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pulumi_agents.emulator.faults import Fault, FaultMiddleware, Faults
from pulumi_agents.emulator.limits import DEFAULT_MAX_BODY_BYTES, BodyLimitMiddleware, parse_json
from pulumi_agents.emulator.store import Store


@dataclass
class EmulatorConfig:
    data_dir: Path | None = None
    transition_seconds: float = 2.0
    access_keys: dict[str, str] = field(
        default_factory=lambda: {
            "test-access-key-id": "test-access-key-secret",
            "STS.test-sts-key-id": "test-sts-key-secret",
        }
    )
    # Temporary (STS) access keys among access_keys -> the security token each needs.
    security_tokens: dict[str, str] = field(default_factory=lambda: {"STS.test-sts-key-id": "test-sts-security-token"})
    region: str = "cn-hangzhou"
    qoder_tokens: set[str] = field(default_factory=lambda: {"test-qoder-token"})
    aiae_api_keys: set[str] = field(default_factory=lambda: {"test-api-key"})


@dataclass(frozen=True)
class Service:
    """An emulated API: ``pulumi_agents.<name>.emulator.state.<state>(store, **options)`` holds its
    data and ``pulumi_agents.<name>.emulator.routes.router(state, credentials)`` serves it."""

    name: str
    state: str  # the state class in <name>/emulator/state.py
    credentials: str  # the EmulatorConfig field with the credentials its router accepts
    options: tuple[str, ...] = ()  # EmulatorConfig fields passed to the state class by keyword


# Imported by create_app, not here: each state module imports emulator.store, whose package must
# not import the services back. One line adds a service.
SERVICES: tuple[Service, ...] = (
    Service("agentrun", "AgentRunState", "access_keys", options=("transition_seconds", "region", "security_tokens")),
    Service("qoder", "QoderState", "qoder_tokens"),
    Service("aiae", "AiaeState", "aiae_api_keys"),
)


ErrorAnswer = Callable[[int, str], JSONResponse]
log = logging.getLogger("pulumi_agents.emulator")


def _plain_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _routed(app: FastAPI, scope: Scope) -> bool:
    return any(route.matches(scope)[0] == Match.FULL for route in app.router.routes)


def _answer_for(envelopes: list[tuple[str, ErrorAnswer]], path: str) -> ErrorAnswer:
    for prefix, answer in envelopes:
        if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
            return answer
    return _plain_error


class CrashMiddleware:
    """A crash (an exception no route turned into an answer) becomes a 500 in the service's
    envelope, and the connection stays usable, as a real service's does: Starlette's own 500
    handler re-raises to the server, which then drops the keep-alive connection under the client's
    next request. A crash after the answer started (a stream cut on purpose) still drops it."""

    def __init__(self, app: ASGIApp, envelopes: list[tuple[str, ErrorAnswer]]) -> None:
        self.app, self.envelopes = app, envelopes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            if started:
                raise
            log.exception("emulator: %s %s crashed", scope.get("method"), scope.get("path"))
            answer = _answer_for(self.envelopes, scope.get("path", ""))
            await answer(500, f"internal error: {type(exc).__name__}")(scope, receive, send)


def _install_error_envelopes(app: FastAPI, envelopes: list[tuple[str, ErrorAnswer]]) -> None:
    """Answer what no route answers in the envelope of the service owning the path."""

    def answer_for(path: str) -> ErrorAnswer:
        return _answer_for(envelopes, path)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        method, path = request.method, request.url.path
        if exc.status_code == 404:
            message = f"no operation at {method} {path}"
        elif exc.status_code == 405:
            # Starlette's Allow names the first route on the path only: ask every route.
            allowed = ", ".join(m for m in METHODS if _routed(app, {**request.scope, "method": m}))
            message = f"{method} is not allowed on {path}" + (f" (allowed: {allowed})" if allowed else "")
            response = answer_for(path)(405, message)
            if allowed:
                response.headers["allow"] = allowed
            return response
        else:
            message = str(exc.detail)
        response = answer_for(path)(exc.status_code, message)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}" for e in exc.errors())
        return answer_for(request.url.path)(400, f"invalid request: {problems}")

    async def crash(request: Request, exc: Exception) -> JSONResponse:
        return answer_for(request.url.path)(500, f"internal error: {type(exc).__name__}")

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Exception, crash)


async def _json_object(request: Request) -> dict[str, Any]:
    """The body of a test-control request, which must be a JSON object (ValueError otherwise)."""
    data = parse_json(await request.body())
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def create_app(config: EmulatorConfig | None = None) -> FastAPI:
    config = config or EmulatorConfig()
    store = Store(config.data_dir / "emulator.sqlite3" if config.data_dir else None)
    faults = Faults()
    app = FastAPI(title="pulumi-agents emulator", docs_url=None, redoc_url=None, openapi_url=None)
    envelopes: list[tuple[str, ErrorAnswer]] = []
    limits: list[tuple[str, int, ErrorAnswer]] = []
    for service in SERVICES:
        package = f"pulumi_agents.{service.name}.emulator"
        state_class = getattr(importlib.import_module(f"{package}.state"), service.state)
        state = state_class(store, **{option: getattr(config, option) for option in service.options})
        routes = importlib.import_module(f"{package}.routes")
        app.include_router(routes.router(state, getattr(config, service.credentials)))
        if hasattr(routes, "ERROR_PREFIX"):
            envelopes.append((routes.ERROR_PREFIX, routes.http_error))
            limit = getattr(routes, "MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
            limits.append((routes.ERROR_PREFIX, limit, routes.http_error))
            # Paths that take uploads, with a limit of their own (Qoder's files and skills).
            limits += [
                (prefix, size, routes.http_error) for prefix, size in getattr(routes, "UPLOAD_LIMITS", {}).items()
            ]
    # The longest prefix first, should one service's path ever sit inside another's.
    envelopes.sort(key=lambda pair: len(pair[0]), reverse=True)
    limits.sort(key=lambda entry: len(entry[0]), reverse=True)
    _install_error_envelopes(app, envelopes)

    @app.get("/_emulator/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/_emulator/faults")
    async def add_fault(request: Request) -> JSONResponse:
        try:
            body = await _json_object(request)
            rule = Fault.from_json(body)
        except ValueError as exc:
            return JSONResponse({"error": f"bad fault rule: {exc}"}, status_code=400)
        faults.seed(body.get("seed"))
        with faults.lock:
            faults.rules.append(rule)
        return JSONResponse({"accepted": True})

    @app.delete("/_emulator/faults")
    async def clear_faults() -> dict[str, bool]:
        with faults.lock:
            faults.rules.clear()
        return {"cleared": True}

    @app.post("/_emulator/reset")
    async def reset() -> dict[str, bool]:
        store.clear()
        with faults.lock:
            faults.rules.clear()
        return {"reset": True}

    # Faults first (outermost), as a gateway in front of the service would answer them; then the
    # body size limit, before any route reads a byte; crashes innermost.
    app.add_middleware(CrashMiddleware, envelopes=envelopes)
    app.add_middleware(BodyLimitMiddleware, limits=limits, default=(DEFAULT_MAX_BODY_BYTES, _plain_error))
    app.add_middleware(FaultMiddleware, faults=faults)
    return app
