"""The limits the emulator's runtimes, endpoints and versions keep by hand (``models/checks.py``,
``models/runtimes.py``, ``models/endpoints.py``, ``models/versions.py``: an independent check of
what the service refuses, on purpose not read from schema.json) are schema.json's.

Each bound in schema.json (minimum, maximum, exclusiveMinimum, maxLength, enum) is probed on the
emulator: the value at the bound must pass and the value just past it must be refused naming the
field, unless the field is in ``LENIENT`` (the emulator, like the service as far as is known,
lets it through and the provider's own validation is what refuses it). The kinds the generic model
serves read their limits from schema.json itself and need no such test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pulumi_agents._schema import definition, schema
from pulumi_agents.agentrun.emulator.models import checks, common, runtimes
from pulumi_agents.agentrun.emulator.state import AgentRunState, InvalidRequest
from pulumi_agents.emulator.store import Store

Path = tuple[str, ...]  # "[]" stands for an array's item
BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "maxLength", "enum")

# Bounds in schema.json the emulator does not enforce: the provider refuses them before a request.
LENIENT: dict[str, set[str]] = {
    # The runtime checks have always taken any string for the language; left so (the emulator's
    # runtime behaviour is not this test's to change), and listed so that the gap is seen.
    "AgentRuntime": {"codeConfiguration.language"},
    "AgentRuntimeEndpoint": set(),
    "RuntimeVersion": set(),
}
# What an array's item needs besides the probed field to be valid at all.
SIBLINGS: dict[Path, dict[str, Any]] = {("routingConfiguration", "versionWeights", "[]"): {"version": "1"}}


def bounded(type_name: str) -> Iterator[tuple[Path, str, Any, dict[str, Any]]]:
    """(path, keyword, bound, node) for each input with a bound, nested ones included."""
    defs = schema()["$defs"]

    def walk(
        node: dict[str, Any], path: Path, seen: tuple[str, ...]
    ) -> Iterator[tuple[Path, str, Any, dict[str, Any]]]:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name in seen:
                return
            node, seen = {**defs[name], **{k: v for k, v in node.items() if k != "$ref"}}, (*seen, name)
        for keyword in BOUNDS:
            if keyword in node and path:
                yield path, keyword, node[keyword], node
        for key, child in node.get("properties", {}).items():
            if not child.get("readOnly") and not child.get("x-provider-option"):
                yield from walk(child, (*path, key), seen)
        if isinstance(node.get("items"), dict):
            yield from walk(node["items"], (*path, "[]"), seen)

    yield from walk(definition(type_name), (), ())


def nested(path: Path, value: Any, at: Path = ()) -> Any:
    """The body that holds ``value`` at ``path``."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if head == "[]":
        item = nested(rest, value, (*at, head))
        return [{**SIBLINGS.get((*at, head), {}), **item} if isinstance(item, dict) else item]
    return {head: nested(rest, value, (*at, head))}


def values(keyword: str, bound: Any, node: dict[str, Any]) -> tuple[Any, Any]:
    """(at the bound: valid, just past it: invalid)."""
    step = 1 if node.get("type") == "integer" else 0.01
    if keyword == "minimum":
        return bound, bound - step
    if keyword == "maximum":
        return bound, bound + step
    if keyword == "exclusiveMinimum":
        return bound + step, bound
    if keyword == "maxLength":
        return "a" * bound, "a" * (bound + 1)
    return bound[0], "NOT_ONE_OF_THEM"  # enum


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def probe(type_name: str) -> Callable[[Any], InvalidRequest | None]:
    """What the emulator says to a body of ``type_name``: None (taken) or its refusal."""
    clock = Clock()
    state = AgentRunState(Store(None), transition_seconds=1.0, clock=clock)
    created = 0

    def runtime() -> str:
        body = {
            "agentRuntimeName": f"rt{len(state.runtimes())}",
            "artifactType": "Container",
            "cpu": 1,
            "memory": 1024,
            "port": 8080,
            "networkConfiguration": {"networkMode": "PUBLIC"},
            "containerConfiguration": {"image": "registry/agent:1"},
        }
        runtime_id: str = state.create(body)["agentRuntimeId"]
        clock.now += 2
        state.publish_version(runtime_id, {})
        return runtime_id

    def attempt(call: Callable[[], Any]) -> InvalidRequest | None:
        try:
            call()
        except InvalidRequest as refusal:
            return refusal
        return None

    def on_runtime(body: Any) -> InvalidRequest | None:
        return attempt(lambda: runtimes._validate(body, creating=False))

    def on_endpoint(body: Any) -> InvalidRequest | None:
        nonlocal created
        created += 1
        runtime_id = runtime()
        if "agentRuntimeEndpointName" not in body:
            body = {**body, "agentRuntimeEndpointName": f"e{created}"}
        return attempt(lambda: state.create_endpoint(runtime_id, body))

    def on_version(body: Any) -> InvalidRequest | None:
        runtime_id = runtime()
        return attempt(lambda: state.publish_version(runtime_id, body))

    probes = {"AgentRuntime": on_runtime, "AgentRuntimeEndpoint": on_endpoint, "RuntimeVersion": on_version}
    return probes[type_name]


def where(path: Path) -> str:
    return ".".join(p for p in path if p != "[]")


CASES = [
    pytest.param(type_name, path, keyword, bound, node, id=f"{type_name}.{where(path)}.{keyword}")
    for type_name in LENIENT
    for path, keyword, bound, node in bounded(type_name)
    if path not in {("agentRuntimeId",)}  # the path names it, not the body
]


@pytest.mark.parametrize(("type_name", "path", "keyword", "bound", "node"), CASES)
def test_each_bound_in_the_schema_is_the_emulators(
    type_name: str, path: Path, keyword: str, bound: Any, node: dict[str, Any]
) -> None:
    send = probe(type_name)
    inside, outside = values(keyword, bound, node)
    taken = send(nested(path, inside))
    assert taken is None, f"{where(path)}={inside!r} is within schema.json's {keyword} but refused: {taken}"
    refused = send(nested(path, outside))
    if where(path) in LENIENT[type_name]:
        assert refused is None, f"{where(path)} is now checked: take it out of LENIENT"
        return
    assert refused is not None, f"{where(path)}={outside!r} is past schema.json's {keyword} {bound!r} but taken"
    assert (refused.status, refused.code) == (400, "ERR_VALIDATION_FAILED")
    assert path[-1] in refused.message


def test_the_hand_kept_constants_are_the_schemas() -> None:
    runtime, endpoint = definition("AgentRuntime")["properties"], definition("AgentRuntimeEndpoint")["properties"]
    version = definition("RuntimeVersion")["properties"]
    for name in (runtime["agentRuntimeName"], endpoint["agentRuntimeEndpointName"]):
        assert name["pattern"] == f"^{checks.NAME.pattern}$"
    assert checks.MAX_NAME == 128 == int(checks.NAME.pattern.rsplit("{0,", 1)[1].rstrip("}")) + 1
    descriptions = {runtime["description"]["maxLength"], endpoint["description"]["maxLength"]}
    assert descriptions | {version["description"]["maxLength"]} == {checks.MAX_DESCRIPTION}
    assert version["publisher"]["maxLength"] == checks.MAX_PUBLISHER
    assert endpoint["targetVersion"]["default"] == common.LATEST
