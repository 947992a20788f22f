"""The emulator's ASGI app: every service on one port, with shared fault injection."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from pulumi_agents.emulator.faults import Fault, FaultMiddleware, Faults
from pulumi_agents.emulator.store import Store


@dataclass
class EmulatorConfig:
    data_dir: Path | None = None
    transition_seconds: float = 2.0
    access_keys: dict[str, str] = field(default_factory=lambda: {"test-access-key-id": "test-access-key-secret"})
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
    Service("agentrun", "AgentRunState", "access_keys", options=("transition_seconds", "region")),
    Service("qoder", "QoderState", "qoder_tokens"),
    Service("aiae", "AiaeState", "aiae_api_keys"),
)


def create_app(config: EmulatorConfig | None = None) -> FastAPI:
    config = config or EmulatorConfig()
    store = Store(config.data_dir / "emulator.sqlite3" if config.data_dir else None)
    faults = Faults()
    app = FastAPI(title="pulumi-agents emulator", docs_url=None, redoc_url=None, openapi_url=None)
    for service in SERVICES:
        package = f"pulumi_agents.{service.name}.emulator"
        state_class = getattr(importlib.import_module(f"{package}.state"), service.state)
        state = state_class(store, **{option: getattr(config, option) for option in service.options})
        routes = importlib.import_module(f"{package}.routes")
        app.include_router(routes.router(state, getattr(config, service.credentials)))

    @app.get("/_emulator/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/_emulator/faults")
    async def add_fault(request: Request) -> JSONResponse:
        try:
            rule = Fault.from_json(await request.json())
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
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

    app.add_middleware(FaultMiddleware, faults=faults)
    return app
