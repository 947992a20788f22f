"""qoder.Deployment against the emulator: ``paused`` pauses and unpauses it; a deployment paused
outside Pulumi or by the service itself (its budget) shows as a change in the preview, never
unpaused silently; the agent named by id or pinned to a version; repository secrets kept as sent
and marked secret; what it names must exist; its schedule's time zone must be one; qca-sdk's
pause, unpause and run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import qca
from pulumi.runtime.rpc import is_rpc_secret

from pulumi_agents.qoder.provider import DeploymentProvider
from tests.conftest import QODER_TOKEN, Emulator
from tests.test_qoder_platform import inputs_of, remote, service

provider = DeploymentProvider()
REPO = {"type": "git_repository", "url": "https://git.example.com/docs.git", "password": "repo-secret"}


@pytest.fixture
def managed(qoder_env: Emulator) -> Iterator[qca.Managed]:
    with qca.Managed(access_token=QODER_TOKEN, base_url=qoder_env.url + "/api/v1/cloud/", max_retries=0) as client:
        yield client


def test_paused_pauses_and_unpauses(qoder_env: Emulator) -> None:
    svc = service("Deployment")
    given = inputs_of("Deployment", paused=True)
    created = svc.create(given)
    assert created.outs["status"] == "paused" and remote("Deployment", created.id)["paused_reason"] == {
        "type": "manual"
    }
    assert not svc.diff(created.id, created.outs, given)

    news = {**given, "paused": False}
    diff = svc.diff(created.id, created.outs, news)
    assert diff.changed == ("paused",) and diff.replaces == ()
    before = remote("Deployment", created.id)["updated_at"]
    state = svc.update(created.id, created.outs, news)
    assert state["status"] == "active" and remote("Deployment", created.id)["status"] == "active"
    assert remote("Deployment", created.id)["updated_at"] != before
    assert not svc.diff(created.id, state, news)


def test_paused_by_the_service_shows_in_the_preview(managed: qca.Managed) -> None:
    svc = service("Deployment")
    given = inputs_of("Deployment")
    created = svc.create(given)
    managed.deployments.pause(created.id)  # outside Pulumi (the budget: paused_reason)
    refreshed = svc.read(created.id, created.outs)
    assert refreshed.outs["status"] == "paused"
    diff = svc.diff(created.id, refreshed.outs, given)  # the program wants it running: a change to see
    assert diff.changed == ("paused",)
    budget = {**refreshed.outs, "paused_reason": {"type": "budget_exceeded"}}
    assert svc.diff(created.id, budget, given).changed == ("paused",)
    assert svc.update(created.id, refreshed.outs, given)["status"] == "active"


def test_the_agent_by_id_or_pinned(qoder_env: Emulator) -> None:
    svc = service("Deployment")
    given = inputs_of("Deployment")
    created = svc.create(given)
    assert created.outs["agent"] == given["agent"]  # an id stays an id
    assert remote("Deployment", created.id)["agent"] == {"type": "agent", "id": given["agent"]}
    assert not svc.diff(created.id, created.outs, {**given, "agent": {"type": "agent", "id": given["agent"]}})
    pinned = {**given, "agent": {"type": "agent", "id": given["agent"], "version": 1}}
    diff = svc.diff(created.id, created.outs, pinned)
    assert diff.changed == ("agent",) and diff.replaces == ()
    assert svc.update(created.id, created.outs, pinned)["agent"] == pinned["agent"]


def test_repository_secrets_are_kept_and_marked(qoder_env: Emulator) -> None:
    given = inputs_of("Deployment", resources=[REPO])
    created = provider.create(given)
    [repo] = created.outs["resources"]
    assert is_rpc_secret(repo["password"])
    assert "password" not in remote("Deployment", created.id)["resources"][0]  # never answered
    state = service("Deployment").read(
        created.id, {**given, **{k: v for k, v in created.outs.items() if k != "resources"}}
    )
    assert state.outs["resources"] == [REPO]


def test_what_it_names_must_exist(qoder_env: Emulator) -> None:
    result = inputs_of("Deployment")
    with pytest.raises(Exception, match="environment_id: environment env_missing does not exist"):
        service("Deployment").create({**result, "environment_id": "env_missing"})


def test_the_time_zone_must_be_known(managed: qca.Managed) -> None:
    """An unknown time zone is refused at preview, naming the field, and by the emulator as by the
    service (a 400 naming it), never taken as a schedule that would never run when meant."""
    schedule = {"type": "cron", "expression": "0 2 * * *", "timezone": "Mars/Olympus"}
    given: dict[str, Any] = {**inputs_of("Deployment"), "schedule": schedule}
    result = provider.check({}, given)
    [failure] = result.failures
    assert failure.reason == (
        "schedule.timezone: must be a valid IANA time zone (such as Asia/Shanghai or UTC) (the value: 'Mars/Olympus')"
    )
    with pytest.raises(qca.BadRequestError) as refused:
        managed.deployments.create(**{k: v for k, v in given.items() if k != "metadata"})
    assert refused.value.body["error"]["param"] == "schedule.timezone", refused.value.body  # type: ignore[index]
    assert not provider.check({}, {**given, "schedule": {**schedule, "timezone": "Europe/Berlin"}}).failures


def test_the_sdk_pauses_unpauses_runs_and_lists(managed: qca.Managed) -> None:
    given: dict[str, Any] = inputs_of("Deployment")
    made = managed.deployments.create(**{k: v for k, v in given.items() if k != "metadata"})
    assert made.status == "active" and made.agent and made.agent.id == given["agent"] and made.schedule
    paused = managed.deployments.pause(made.id)
    assert paused.status == "paused" and paused.paused_reason and paused.paused_reason.type == "manual"
    assert [d.id for d in managed.deployments.list(status="paused")] == [made.id]
    assert managed.deployments.list(status="active").data == []
    assert managed.deployments.unpause(made.id).status == "active"
    ran = managed.deployments.run(made.id)
    assert ran.deployment_id == made.id and ran.session_id and ran.agent and ran.agent.id == given["agent"]
    updated = managed.deployments.update(made.id, vault_ids=[], description="two")
    assert updated.description == "two" and managed.deployments.retrieve(made.id).description == "two"
    assert managed.deployments.archive(made.id).archived_at


def test_the_review_says_when_an_update_unpauses_what_the_service_paused() -> None:
    from pulumi_agents.review.meaning import Change, meaning_of

    def lines(old_outputs: dict[str, Any], new_inputs: dict[str, Any]) -> list[str]:
        return meaning_of("Deployment").describe(Change("Deployment", "update", {}, new_inputs, old_outputs))

    budget = {"status": "paused", "paused_reason": {"type": "budget_exceeded"}}
    assert lines(budget, {}) == [
        "updates the deployment in place",
        "**unpauses the deployment, which the service paused itself (budget_exceeded)**",
    ]
    assert lines({"status": "paused", "paused_reason": {"type": "manual"}}, {})[-1] == "unpauses the deployment"
    assert lines({"status": "active"}, {"paused": True})[-1] == "pauses the deployment"
    assert lines({"status": "active"}, {}) == ["updates the deployment in place"]
