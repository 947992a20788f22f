"""The routes of a deployment's runs (``runs.py`` keeps them): the four reads qca-sdk makes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pulumi_agents._validate import RFC3339
from pulumi_agents.qoder.emulator.rules import QoderError, invalid
from pulumi_agents.qoder.emulator.runs import RUNS, view
from pulumi_agents.qoder.emulator.upload_routes import page_of

if TYPE_CHECKING:
    from pulumi_agents.qoder.emulator.state import QoderState

_COMPARED: dict[str, Callable[[datetime, datetime], bool]] = {
    "gt": datetime.__gt__, "gte": datetime.__ge__, "lt": datetime.__lt__, "lte": datetime.__le__,
}  # fmt: skip
Handle = Callable[..., Awaitable[JSONResponse]]


def _moment(query: Mapping[str, str], name: str, *, rfc3339: bool = False) -> datetime | None:
    """A date-time filter's value (one without an offset is UTC, as the SDK sends a naive datetime)."""
    given = query.get(name)
    if given is None:
        return None
    try:
        if rfc3339 and not RFC3339.fullmatch(given):
            raise ValueError(given)
        moment = datetime.fromisoformat(given.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        rule = "an RFC 3339 date-time (2026-06-14T08:58:17Z)" if rfc3339 else "an ISO 8601 date-time"
        raise invalid(f"{name} must be {rule}", name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _at(found: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(found["created_at"].replace("Z", "+00:00"))


def serve(api: APIRouter, state: QoderState, handle: Handle, workspace: Callable[[Request], str | None]) -> None:
    deployments = state.collection("Deployment")

    def runs(request: Request, deployment_id: str | None) -> list[dict[str, Any]]:
        """The workspace's runs (of one deployment), newest first: the store keeps insertion order."""
        where = workspace(request)
        found = (r for r in state.store.all(RUNS) if r["_workspace"] == where)
        return [r for r in reversed(list(found)) if deployment_id is None or r["deployment_id"] == deployment_id]

    def one(request: Request, run_id: str, deployment_id: str | None) -> dict[str, Any]:
        found = state.store.get(RUNS, run_id) or {}
        there = found.get("_workspace", "") == workspace(request)
        if not (there and deployment_id in (None, found["deployment_id"])):
            raise QoderError(404, "not_found_error", f"deployment run {run_id} not found")
        return view(found)

    @api.get("/deployments/{deployment_id}/runs")
    async def deployment_runs(deployment_id: str, request: Request) -> JSONResponse:
        def answer(_body: Any) -> tuple[int, dict[str, Any]]:
            deployments.load(deployment_id, workspace(request), {})
            q = request.query_params
            after, before = _moment(q, "triggered_after", rfc3339=True), _moment(q, "triggered_before", rfc3339=True)
            found = [
                view(r)
                for r in runs(request, deployment_id)
                if (after is None or _at(r) > after) and (before is None or _at(r) < before)
            ]
            return 200, page_of(found, q)

        return await handle(request, answer, keyed=False)

    @api.get("/deployments/{deployment_id}/runs/{run_id}")
    async def deployment_run(deployment_id: str, run_id: str, request: Request) -> JSONResponse:
        def answer(_body: Any) -> tuple[int, dict[str, Any]]:
            deployments.load(deployment_id, workspace(request), {})
            return 200, one(request, run_id, deployment_id)

        return await handle(request, answer, keyed=False)

    @api.get("/deployment_runs")
    async def all_runs(request: Request) -> JSONResponse:
        def answer(_body: Any) -> tuple[int, dict[str, Any]]:
            q = request.query_params
            errors = q.get("has_error")
            if errors not in (None, "true", "false"):
                raise invalid("has_error must be true or false", "has_error")
            if q.get("trigger_type") not in (None, "manual", "schedule", "retry"):
                raise invalid("trigger_type must be manual, schedule or retry", "trigger_type")
            bounds = [(c, _moment(q, f"created_at[{op}]")) for op, c in _COMPARED.items()]
            found = [
                view(r)
                for r in runs(request, q.get("deployment_id"))
                if (errors is None or (r["error"] is not None) == (errors == "true"))
                and q.get("trigger_type") in (None, r["trigger_context"]["type"])
                and all(c(_at(r), b) for c, b in bounds if b is not None)
            ]
            return 200, page_of(found, q)

        return await handle(request, answer, keyed=False)

    @api.get("/deployment_runs/{run_id}")
    async def global_run(run_id: str, request: Request) -> JSONResponse:
        return await handle(request, lambda _body: (200, one(request, run_id, None)), keyed=False)
