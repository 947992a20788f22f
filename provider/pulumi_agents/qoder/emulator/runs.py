"""A deployment's runs, kept as the service keeps them: each ``POST /deployments/{id}/run`` is one,
in the deployment's workspace (the emulator runs no agent, and starts no run on a schedule: every
run is manual, and its session is a name only). They are read as ``qca-sdk`` reads them, newest
first, paged by ``page_of`` (``page``/``next_page`` or ``after_id``/``before_id``):

- ``GET /deployments/{id}/runs[/{run_id}]``: one deployment's (404 for a deployment or run not
  there), filtered by ``triggered_after``/``triggered_before`` (RFC 3339, exclusive);
- ``GET /deployment_runs[/{id}]``: the workspace's, filtered by ``deployment_id`` (one not there
  lists nothing), ``has_error``, ``trigger_type`` and ``created_at[gt|gte|lt|lte]``.
"""

from __future__ import annotations

import secrets
from contextlib import suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pulumi_agents.qoder.emulator.rules import QoderError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pulumi_agents.qoder.emulator.state import QoderState

RUNS = "qoder.deployment_run"
SHOWN = ("type", "id", "deployment_id", "agent", "session_id", "trigger_context", "error", "created_at")  # the SDK's


def _timestamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def run(state: QoderState, deployment: dict[str, Any], now: float) -> dict[str, Any]:
    """POST /deployments/{id}/run: a manual run, kept; its agent at the version it ran (the current
    one of an unpinned deployment)."""
    agent = dict(deployment["agent"])  # kept as an object (platform.agent_object)
    if agent.get("version") is None:
        with suppress(QoderError):  # an agent deleted since: the run names it as the deployment does
            agent["version"] = state.get(agent["id"], None, deployment.get("_workspace"))["version"]
    made = {
        "type": "deployment_run",
        "id": "drun_" + secrets.token_hex(12),
        "deployment_id": deployment["id"],
        "agent": agent,
        "session_id": "sesn_" + secrets.token_hex(12),
        "trigger_context": {"type": "manual"},
        "error": None,
        "created_at": _timestamp(now),
        "_workspace": deployment.get("_workspace"),
    }
    state.store.put(RUNS, made["id"], made)
    return view(made)


def view(found: Mapping[str, Any]) -> dict[str, Any]:
    return {k: found.get(k) for k in SHOWN}
