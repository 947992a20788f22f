"""The generic life cycle (``_lifecycle``) against the emulator, for every kind it serves:
an update is applied at most once, across runs too, and x-api says what the vendors' SDKs send."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from pulumi_agents._api import Operation, api
from pulumi_agents._requests import pages
from pulumi_agents._schema import resource_types
from pulumi_agents.agentrun import AgentRunClient, AgentRuntimeEndpointProvider, AgentRuntimeProvider, Settings
from pulumi_agents.qoder import AgentProvider, QoderClient
from pulumi_agents.qoder import Settings as QoderSettings
from tests.agents import doc_helper
from tests.conftest import Emulator
from tests.provider_host import unmarked
from tests.runtimes import code_runtime


def agentrun() -> AgentRunClient:
    return AgentRunClient(Settings.from_sources())


def test_a_runtime_update_sent_by_a_run_that_died_is_not_sent_again(agentrun_env: Emulator) -> None:
    """A killed `pulumi up` (or a lost answer) leaves the old inputs in the state while the
    service holds the new ones: the next update sees that and sends nothing."""
    provider = AgentRuntimeProvider()
    created = provider.create(code_runtime())
    olds = unmarked(created.outs)
    agentrun().update_runtime(created.id, {"cpu": 2})  # what the killed run sent
    outs = provider.update(created.id, olds, code_runtime(cpu=2)).outs
    remote = agentrun().get_runtime(created.id)
    assert remote["cpu"] == 2 and remote["agentRuntimeVersion"] == "2", remote["agentRuntimeVersion"]
    assert outs["cpu"] == 2 and outs["status"] == "READY"


def test_a_runtime_update_not_yet_held_is_sent_once(agentrun_env: Emulator) -> None:
    provider = AgentRuntimeProvider()
    created = provider.create(code_runtime())
    provider.update(created.id, unmarked(created.outs), code_runtime(cpu=2, memory=4096))
    remote = agentrun().get_runtime(created.id)
    assert (remote["cpu"], remote["memory"], remote["agentRuntimeVersion"]) == (2, 4096, "2")


def test_a_removed_field_already_cleared_is_not_cleared_again(agentrun_env: Emulator) -> None:
    provider = AgentRuntimeProvider()
    runtime = provider.create(code_runtime())
    props = {"agentRuntimeId": runtime.id, "agentRuntimeEndpointName": "prod", "scalingConfig": {"minInstances": 1}}
    endpoints = AgentRuntimeEndpointProvider()
    created = endpoints.create(props)
    runtime_id, endpoint_id = created.id.split("/")
    agentrun().update_endpoint(runtime_id, endpoint_id, {"deleteScalingConfig": True})  # the killed run's update
    deadline = time.monotonic() + 30
    while (before := agentrun().get_endpoint(runtime_id, endpoint_id))["status"] != "READY":
        assert time.monotonic() < deadline, before["status"]
        time.sleep(0.2)
    # A second clear would be an update of the endpoint: make any update of it fail, so that one
    # would show (the SDK's endpoint has no lastUpdatedAt to watch).
    rule = {"agentRuntimeEndpointName": "prod", "operation": "update", "agentRuntimeId": runtime_id}
    assert agentrun_env.control("POST", "/_emulator/agentrun/failures", json=rule).status_code == 200
    news = {k: v for k, v in props.items() if k != "scalingConfig"}
    endpoints.update(created.id, unmarked(created.outs), news)
    after = agentrun().get_endpoint(runtime_id, endpoint_id)
    assert after["status"] == "READY", "the clear was sent a second time"


def test_an_agent_update_sent_by_a_run_that_died_is_not_a_conflict(qoder_env: Emulator) -> None:
    """The version guard would answer 409 to the state's old version: reading first, the
    provider sees the change is there and records it."""
    provider = AgentProvider()
    created = provider.create(doc_helper())
    olds = {**created.outs, "version": float(created.outs["version"])}
    with QoderClient(QoderSettings.from_sources()) as client:
        client.update_agent(created.id, {"version": 1, "description": "v2"})  # what the killed run sent
        outs = provider.update(created.id, olds, doc_helper(description="v2")).outs
        assert client.get_agent(created.id)["version"] == 2
    assert outs["version"] == 2 and outs["description"] == "v2"


# -- x-api is what the official SDK sends -----------------------------------------------------------


def _sdk_operations() -> dict[str, tuple[str, str]]:
    """action -> (method, path) of every operation of the official AgentRun client, its path
    parameters spelt as in x-api (``{agent_runtime_id}``)."""
    import alibabacloud_agentrun20250910.client as sdk

    text = Path(sdk.__file__).read_text("utf-8")
    found = {}
    for block in re.split(r"\n    def ", text):
        action = re.search(r"action = '(\w+)'", block)
        pathname = re.search(r"pathname = f'([^']+)'", block)
        method = re.search(r"method = '(\w+)'", block)
        if action and pathname and method:
            path = re.sub(r"\{DaraURL\.percent_encode\((\w+)\)\}", r"{\1}", pathname.group(1))
            found[action.group(1)] = (method.group(1), path)
    return found


@pytest.mark.parametrize("type_name", [t for t, p in resource_types().items() if p == "agentrun"])
def test_every_agentrun_operation_is_the_official_sdks(type_name: str) -> None:
    facts = api(type_name)
    assert facts is not None
    sdk = _sdk_operations()
    assert len(sdk) > 50  # the parse found the client's operations
    for name, op in facts.operations.items():
        assert op.action in sdk, f"{type_name}.{name}: the SDK has no {op.action}"
        assert (op.method, op.path) == sdk[op.action], f"{type_name}.{name}"


def test_every_kind_served_over_an_api_has_its_facts() -> None:
    for type_name in resource_types():
        facts = api(type_name)
        if facts is None:
            continue
        assert {"create"} <= set(facts.operations), type_name
        assert facts.id_params, type_name
        if facts.destroy == "delete":
            assert "delete" in facts.operations and "read" in facts.operations, type_name
        known: Any = facts.status
        assert known is None or known.ready, type_name


# -- what the service already holds: all of an update or nothing -------------------------------------


def _runtime_pending(olds: dict[str, Any], news: dict[str, Any], remote: dict[str, Any]) -> set[str]:
    from pulumi_agents.agentrun.service import AgentRuntimeService

    found = AgentRuntimeService({}).pending(news, remote, olds)
    return {*found.changed, *found.removed}


def _container(password: str) -> dict[str, Any]:
    auth = {"userName": "robot", "password": password}
    return {"image": "registry.example/bot:1", "registryConfig": {"authConfig": auth}}


def test_a_rotated_password_the_service_masks_is_sent() -> None:
    olds = code_runtime(artifactType="Container", containerConfiguration=_container("old-secret"))
    news = code_runtime(artifactType="Container", containerConfiguration=_container("new-secret"))
    remote = {**olds, "containerConfiguration": _container("old***")}
    assert _runtime_pending(olds, news, remote) == {"containerConfiguration"}


def test_a_change_partly_seen_is_sent_whole_and_one_fully_seen_not_at_all() -> None:
    olds = code_runtime(artifactType="Container", containerConfiguration=_container("old-secret"))
    news = code_runtime(artifactType="Container", containerConfiguration=_container("new-secret"), memory=4096)
    # Not held: the whole change goes, the password that cannot be seen with it.
    assert _runtime_pending(olds, news, {**olds, "containerConfiguration": _container("old***")}) == {
        "memory",
        "containerConfiguration",
    }
    # The memory it can see is held: the one request that carried both was applied.
    held = {**olds, "memory": 4096, "containerConfiguration": _container("new***")}
    assert _runtime_pending(olds, news, held) == set()


def test_a_nested_key_the_service_does_not_echo_counts_as_not_held() -> None:
    olds = code_runtime()
    news = code_runtime()
    news["codeConfiguration"] = {**news["codeConfiguration"], "zipFile": "UEsDBA=="}
    remote = {**olds, "codeConfiguration": {**olds["codeConfiguration"], "checksum": "123"}}
    assert _runtime_pending(olds, news, remote) == {"codeConfiguration"}


def test_a_cleared_routing_reported_empty_is_held() -> None:
    from pulumi_agents.agentrun.service import AgentRuntimeEndpointService

    base = {"agentRuntimeId": "ar-1", "agentRuntimeEndpointName": "prod"}
    olds = {**base, "routingConfiguration": {"versionWeights": [{"version": "1", "weight": 0.1}]}}
    remote = {**base, "routingConfiguration": {"versionWeights": []}, "status": "READY"}
    found = AgentRuntimeEndpointService({}).pending(base, remote, olds)
    assert not found, found


# -- paging: what the answers give, not what was asked ---------------------------------------------


class _Pages:
    """A list API of ``count`` items that pages as told: ``cap`` items a page at most (whatever
    was asked), ``total`` in the answer or not, or the first page whatever pageNumber says."""

    def __init__(self, count: int, *, cap: int = 1000, total: bool = True, ignores_page: bool = False) -> None:
        self.items = [{"n": i} for i in range(count)]
        self.cap, self.total, self.ignores_page, self.calls = cap, total, ignores_page, 0

    def request(self, op: Any, path: str, body: Any = None, query: Any = None, idempotent: Any = None) -> Any:
        self.calls += 1
        size = min(int(query["pageSize"]), self.cap)
        number = 1 if self.ignores_page else int(query["pageNumber"])
        page = {"items": self.items[(number - 1) * size : number * size]}
        return {**page, "total": len(self.items)} if self.total else page


@pytest.mark.parametrize(
    ("lister", "calls"),
    [
        (_Pages(120), 3),  # 50 + 50 + 20, total says when to stop
        (_Pages(120, cap=20), 6),  # the service gives 20 a page: counted in items, not pages
        (_Pages(120, total=False), 4),  # no total: to the first empty page
        (_Pages(100, total=False, cap=20), 6),
        (_Pages(0), 1),
    ],
)
def test_pages_follow_what_the_answers_give(lister: _Pages, calls: int) -> None:
    op = Operation("GET", "/things", "ListThings")
    assert pages(lister, op, "/things", {"paging": "pageNumber", "items": "items"}, {}) == lister.items
    assert lister.calls == calls


def test_pages_stop_when_the_service_repeats_a_page() -> None:
    lister = _Pages(120, ignores_page=True)
    assert pages(lister, Operation("GET", "/t", "ListT"), "/t", {"paging": "pageNumber"}, {}) == lister.items[:50]


def test_a_malformed_id_is_named_with_its_article() -> None:
    # "not a endpoint id" read as a typo to the user who pasted a wrong id into `pulumi import`.
    with pytest.raises(ValueError, match=r"is not an endpoint id: expected <agentRuntimeId>/"):
        api("AgentRuntimeEndpoint").parse_id("ar-1")
    with pytest.raises(ValueError, match=r"is not an IM bot id"):
        api("IMBot").parse_id("")
    assert api("AgentRuntime").a_noun == "a runtime"


def _qca_operations() -> set[tuple[str, str]]:
    """(method, path) of every operation of Qoder's own client (``qca-sdk``'s ``qca.Managed``),
    read from its methods' docstrings ("POST /skills/{skill_id}/versions.", a sentence may follow)."""
    import qca.managed.resources as managed

    found = set()
    for source in Path(managed.__file__).parent.rglob("*.py"):
        text = source.read_text("utf-8")
        found |= set(re.findall(r'"""(GET|POST|PUT|PATCH|DELETE) (/\S*?)\.?(?:\s[^"]*)?"""', text))
    return found


# Where x-api goes beyond qca-sdk, and why: the docs' generation of the API has these.
BEYOND_QCA = {
    ("Agent", "delete"): "DELETE /agents/{id}: the docs' generation (onDelete: delete); the SDK archives only"
}


@pytest.mark.parametrize("type_name", [t for t, p in resource_types().items() if p == "qoder"])
def test_every_qoder_operation_is_qca_sdks(type_name: str) -> None:
    """Each x-api operation of a Qoder kind (method and path, parameters as the SDK names them) is
    one of qca-sdk's Managed client, the catalogue's (getModels) too."""
    from pulumi_agents._api import catalogues

    facts = api(type_name)
    assert facts is not None
    sdk = _qca_operations()
    assert len(sdk) > 60  # the parse found the client's operations
    for name, op in facts.operations.items():
        beyond = (type_name, name) in BEYOND_QCA  # and still beyond it: the list stays true
        assert ((op.method, op.path) in sdk) != beyond, f"{type_name}.{name}: {op.method} {op.path}"
    for found in catalogues("qoder").values():
        assert (found.operation.method, found.operation.path) in sdk
