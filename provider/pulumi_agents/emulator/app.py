"""The emulator's ASGI app: every service on one port, with shared fault injection."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from pulumi_agents.agentrun.emulator import routes as agentrun_routes
from pulumi_agents.agentrun.emulator.state import AgentRunState
from pulumi_agents.aiae.emulator import routes as aiae_routes
from pulumi_agents.aiae.emulator.state import AiaeState
from pulumi_agents.emulator.faults import Fault, FaultMiddleware, Faults
from pulumi_agents.emulator.store import Store
from pulumi_agents.qoder.emulator import routes as qoder_routes
from pulumi_agents.qoder.emulator.state import QoderState


@dataclass
class EmulatorConfig:
    data_dir: Path | None = None
    transition_seconds: float = 2.0
    access_keys: dict[str, str] = field(default_factory=lambda: {"test-access-key-id": "test-access-key-secret"})
    region: str = "cn-hangzhou"
    qoder_tokens: set[str] = field(default_factory=lambda: {"test-qoder-token"})
    aiae_api_keys: set[str] = field(default_factory=lambda: {"test-api-key"})


def create_app(config: EmulatorConfig | None = None) -> FastAPI:
    config = config or EmulatorConfig()
    store = Store(config.data_dir / "emulator.sqlite3" if config.data_dir else None)
    faults = Faults()
    app = FastAPI(title="pulumi-agents emulator", docs_url=None, redoc_url=None, openapi_url=None)
    agentrun = AgentRunState(store, transition_seconds=config.transition_seconds, region=config.region)
    app.include_router(agentrun_routes.router(agentrun, config.access_keys))
    app.include_router(qoder_routes.router(QoderState(store), config.qoder_tokens))
    app.include_router(aiae_routes.router(AiaeState(store), config.aiae_api_keys))

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
