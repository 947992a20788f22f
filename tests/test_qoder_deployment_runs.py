"""A deployment's runs against the emulator with Qoder's own SDK (``qca-sdk``) over loopback: each
``deployments.run`` is kept, in the deployment's workspace (and across a restart), and read back
through ``deployments.runs`` (one deployment's) and ``deployment_runs`` (the workspace's): newest
first, paged both ways, filtered; every answer parses into ``DeploymentRun`` with no key it does not
know; an unknown deployment or run is a 404 and a bad filter a 400 naming it, in Qoder's envelope;
a run retried with its Idempotency-Key is one run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import qca
from qca.common import _exceptions as errors
from qca.managed.types.deployment_run import DeploymentRun

from tests.conftest import QODER_TOKEN, Emulator, free_port, start_emulator
from tests.test_qoder_platform import AGENT, SAMPLES
from tests.test_qoder_platform_sdk import unknown_keys

EVENTS: Any = SAMPLES["Deployment"][0]["initial_events"]


@pytest.fixture
def managed(emulator: Emulator) -> Iterator[qca.Managed]:
    with qca.Managed(access_token=QODER_TOKEN, base_url=emulator.url + "/api/v1/cloud/", max_retries=0) as client:
        yield client


def deployment(managed: qca.Managed, workspace: str | None = None, name: str = "nightly") -> str:
    """A deployment of a new agent (unpinned) in a new environment, in ``workspace``."""
    ws: Any = {"workspace_id": workspace} if workspace else {}
    agent = managed.agents.create(**AGENT, **ws)
    env = managed.environments.create(name=f"{name}-env", **ws)
    made = managed.deployments.create(name=name, agent=agent.id, environment_id=env.id, initial_events=EVENTS, **ws)
    return made.id


def raw(emulator: Emulator, path: str, workspace: str, **query: str) -> httpx.Response:
    headers = {"authorization": f"Bearer {QODER_TOKEN}", "qoder-workspace-id": workspace}
    return httpx.get(f"{emulator.url}/api/v1/cloud{path}", headers=headers, params=query, timeout=10)


def ids(runs: Any) -> list[str]:
    return [r.id for r in runs]


def test_runs_are_kept_and_read_back(managed: qca.Managed, emulator: Emulator) -> None:
    ws = f"ws_{uuid.uuid4().hex[:8]}"
    nightly, weekly = deployment(managed, ws), deployment(managed, ws, "weekly")
    first = managed.deployments.run(nightly, workspace_id=ws)
    second = managed.deployments.run(nightly, workspace_id=ws)
    other = managed.deployments.run(weekly, workspace_id=ws)
    assert first.id != second.id and first.deployment_id == nightly and first.session_id and first.error is None
    assert first.trigger_context and first.trigger_context.type == "manual"
    assert first.agent and first.agent.version == 1  # the version it ran, though the deployment is unpinned

    runs = managed.deployments.runs
    one = runs.retrieve(first.id, deployment_id=nightly, workspace_id=ws)
    assert one.model_dump() == first.model_dump()
    assert managed.deployment_runs.retrieve(other.id, workspace_id=ws).model_dump() == other.model_dump()
    page = runs.list(nightly, limit=1, workspace_id=ws)
    assert ids(page.data) == [second.id] and page.has_more and page.next_page
    assert ids(runs.list(nightly, limit=1, workspace_id=ws)) == [second.id, first.id]  # the SDK follows next_page
    assert ids(runs.list(nightly, after_id=second.id, workspace_id=ws).data) == [first.id]
    assert ids(runs.list(nightly, before_id=first.id, workspace_id=ws).data) == [second.id]
    when = first.created_at.isoformat() if first.created_at else ""
    assert ids(runs.list(nightly, triggered_after=when, workspace_id=ws)) == [second.id]
    assert ids(runs.list(nightly, triggered_before=when, workspace_id=ws)) == []

    every = managed.deployment_runs
    assert ids(every.list(workspace_id=ws)) == [other.id, second.id, first.id]
    assert ids(every.list(limit=2, workspace_id=ws)) == [other.id, second.id, first.id]
    assert ids(every.list(after_id=other.id, limit=1, workspace_id=ws).data) == [second.id]
    assert ids(every.list(deployment_id=weekly, workspace_id=ws)) == [other.id]
    assert ids(every.list(deployment_id="depl_none", workspace_id=ws)) == []
    assert ids(every.list(has_error=True, workspace_id=ws)) == []
    assert len(ids(every.list(has_error=False, trigger_type="manual", workspace_id=ws))) == 3
    assert ids(every.list(trigger_type="schedule", workspace_id=ws)) == []  # the emulator starts no scheduled run
    assert ids(every.list(created_at_gt=first.created_at, workspace_id=ws)) == [other.id, second.id]
    assert ids(every.list(created_at_lte=first.created_at, workspace_id=ws)) == [first.id]
    assert ids(every.list()) == []  # the default workspace sees none of them

    answers = [raw(emulator, f"/deployments/{nightly}/runs/{first.id}", ws).json()]
    answers += [raw(emulator, f"/deployment_runs/{other.id}", ws).json()]
    answers += raw(emulator, f"/deployments/{nightly}/runs", ws).json()["data"]
    answers += raw(emulator, "/deployment_runs", ws).json()["data"]
    assert len(answers) == 7
    for answer in answers:
        assert unknown_keys(DeploymentRun.model_validate(answer), answer) == [], answer


def test_unknown_runs_bad_filters_and_a_retried_run(managed: qca.Managed, emulator: Emulator) -> None:
    ws = f"ws_{uuid.uuid4().hex[:8]}"
    nightly, weekly = deployment(managed, ws), deployment(managed, ws, "weekly")
    ran = managed.deployments.run(nightly, workspace_id=ws)
    missing = [
        "/deployments/depl_none/runs",
        f"/deployments/depl_none/runs/{ran.id}",
        f"/deployments/{weekly}/runs/{ran.id}",  # another deployment's run
        f"/deployments/{nightly}/runs/drun_none",
        "/deployment_runs/drun_none",
    ]
    for path in missing:
        answer = raw(emulator, path, ws)
        assert answer.status_code == 404 and answer.json()["error"]["type"] == "not_found_error", (path, answer.text)
    with pytest.raises(errors.NotFoundError):
        managed.deployment_runs.retrieve(ran.id)  # another workspace
    with pytest.raises(errors.NotFoundError):
        managed.deployments.runs.list(nightly)

    bad = [
        (f"/deployments/{nightly}/runs", "triggered_after", "yesterday"),
        (f"/deployments/{nightly}/runs", "triggered_after", "2026-06-14"),
        (f"/deployments/{nightly}/runs", "triggered_before", "2026-06-14T08:58:17"),  # RFC 3339 has an offset
        (f"/deployments/{nightly}/runs", "limit", "0"),
        (f"/deployments/{nightly}/runs", "page", "drun_none"),
        ("/deployment_runs", "has_error", "maybe"),
        ("/deployment_runs", "trigger_type", "cron"),
        ("/deployment_runs", "created_at[gte]", "soon"),
        ("/deployment_runs", "limit", "101"),
    ]
    for path, name, value in bad:
        answer = raw(emulator, path, ws, **{name: value})
        error = answer.json()["error"]
        assert answer.status_code == 400 and error["type"] == "invalid_request_error", (name, answer.text)
        assert error["param"] == name, (name, error)
    with pytest.raises(errors.BadRequestError) as refused:
        managed.deployments.runs.list(nightly, triggered_after="not a time", workspace_id=ws)
    assert refused.value.body["error"]["param"] == "triggered_after"  # type: ignore[index]

    key = {"Idempotency-Key": uuid.uuid4().hex}  # a retried run is the same run, not a second one
    again = [managed.deployments.run(weekly, workspace_id=ws, extra_headers=key) for _ in range(2)]
    assert again[0].id == again[1].id and ids(managed.deployments.runs.list(weekly, workspace_id=ws)) == [again[0].id]


def test_runs_survive_a_restart(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v1/cloud/"
    first = start_emulator(tmp_path, port)
    try:
        with qca.Managed(access_token=QODER_TOKEN, base_url=url, max_retries=0) as client:
            made = deployment(client)
            ran = client.deployments.run(made)
    finally:
        first.process.terminate()
        first.process.wait(10)
    second = start_emulator(tmp_path, port)
    try:
        with qca.Managed(access_token=QODER_TOKEN, base_url=url, max_retries=0) as client:
            assert client.deployments.runs.retrieve(ran.id, deployment_id=made).model_dump() == ran.model_dump()
            assert ids(client.deployment_runs.list()) == [ran.id]
    finally:
        second.process.terminate()
        second.process.wait(10)
