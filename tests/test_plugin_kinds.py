"""Every AgentRun and Qoder kind served by the generic life cycle (``_lifecycle.ApiService``'s create, read,
update and delete, with or without hooks), through the plugin door (``PluginProvider`` in process)
against the emulator: create, a diff of no change, an update (or, where ``x-api.update`` is "none",
a diff that replaces) with a detailed diff naming the changed paths, read, delete and a read that
finds it gone; import by id; and secrets marked exactly where schema.json says ``x-secret``.

The kinds are derived from schema.json (``_schema.resource_types()``, ``_api.api()``) and the
service classes: a new kind is covered as soon as it has a sample below (``SAMPLES``), and fails
``test_every_generic_kind_has_a_sample`` until then. The samples are those of the kinds' dynamic
tests (tests/test_agentrun_kinds_a.py, tests/test_agentrun_kinds_b.py, tests/test_workspace.py,
tests/runtimes.py; tests/test_qoder_platform.py's for Qoder), with write-only secrets added where a kind
has them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    CreateRequest,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    PropertyDiffKind,
    ReadRequest,
    UpdateRequest,
)

from pulumi_agents._api import api
from pulumi_agents._fields import fields
from pulumi_agents._lifecycle import ApiService
from pulumi_agents._plugin_sdk import PluginProvider, plain_map, value_map
from pulumi_agents._schema import resource_types
from pulumi_agents._service import service_class
from pulumi_agents._tree import Node, tree
from tests import test_agentrun_flows as flows
from tests import test_agentrun_im_bot as im_bot
from tests import test_agentrun_kinds_a as kinds_a
from tests import test_agentrun_kinds_b as kinds_b
from tests import test_agentrun_template as template
from tests import test_qoder_platform as qoder_platform
from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, QODER_TOKEN, Emulator
from tests.runtimes import code_runtime

Path = tuple[str | int, ...]
OPERATIONS = ("create", "read", "update", "delete")
PACKAGES = ("agentrun", "qoder")
# A package's base of its kinds, whose operations only set up what each call shares (Qoder's: the
# resource's workspace) before the generic ones: a kind on it with no operation of its own is generic.
BASES = {"ApiService", "_QoderService"}


def generic(type_name: str) -> bool:
    """Served by the generic life cycle: its service's create, read, update and delete are
    ApiService's (hooks such as ``view`` or ``owns`` are fine). RuntimeVersion publishes and reads
    its own way (and has no delete), so it is not."""
    if api(type_name) is None:
        return False
    cls = service_class(type_name)
    return issubclass(cls, ApiService) and all(
        getattr(cls, op).__qualname__.split(".")[0] in BASES for op in OPERATIONS
    )


KINDS = sorted(t for t, package in resource_types().items() if package in PACKAGES and generic(t))


@dataclass(frozen=True)
class Sample:
    inputs: dict[str, Any]  # a create's wire inputs
    change: dict[str, Any]  # an update (or, with x-api.update "none", what replaces)
    parent: Callable[[PluginProvider], dict[str, Any]] | None = None  # makes a parent: its ids as inputs


def a_runtime(provider: PluginProvider) -> dict[str, Any]:
    made = run(
        provider.create(CreateRequest(urn("AgentRuntime"), value_map("AgentRuntime", code_runtime(), set()), 60, False))
    )
    return {"agentRuntimeId": made.resource_id}


def a_flow(provider: PluginProvider) -> dict[str, Any]:
    inputs = value_map("Flow", {"flowName": flows.FLOW["flowName"]}, set())
    made = run(provider.create(CreateRequest(urn("Flow"), inputs, 60, False)))
    return {"flowName": made.resource_id}


def a_flow_with_versions(provider: PluginProvider) -> dict[str, Any]:
    parent = a_flow(provider)
    for _ in range(2):  # versions 1 and 2, which the endpoint sample names
        inputs = value_map("FlowVersion", parent, set())
        run(provider.create(CreateRequest(urn("FlowVersion"), inputs, 60, False)))
    return parent


def a_qoder_parent(type_name: str) -> Callable[[PluginProvider], dict[str, Any]] | None:
    """Makes what a Qoder kind's inputs name (a credential's vault, a deployment's agent)."""
    references = qoder_platform.REFERENCES.get(type_name)
    if not references:
        return None

    def make(provider: PluginProvider) -> dict[str, Any]:
        return {
            field: run(provider.create(CreateRequest(urn(kind), value_map(kind, inputs, set()), 60, False))).resource_id
            for field, (kind, inputs) in references.items()
        }

    return make


SAMPLES: dict[str, Sample] = {
    "Workspace": Sample({"name": "platform", "description": "one", "enablePresetModel": True}, {"description": "two"}),
    "AgentRuntime": Sample(code_runtime(), {"memory": 4096, "description": "bigger"}),
    "AgentRuntimeEndpoint": Sample(
        {"agentRuntimeEndpointName": "prod", "description": "live"}, {"description": "two"}, a_runtime
    ),
    **{k.type_name: Sample(dict(k.body), dict(k.update)) for k in kinds_a.KINDS},
    **{k.type_name: Sample(dict(k.inputs), dict(k.change)) for k in kinds_b.KINDS},
    "Template": Sample(dict(template.INPUTS), dict(template.CHANGE)),
    "Flow": Sample(dict(flows.FLOW), dict(flows.FLOW_CHANGE)),
    "FlowVersion": Sample({"description": "first"}, {"description": "second"}, a_flow),
    "FlowEndpoint": Sample(dict(flows.ENDPOINT), dict(flows.ENDPOINT_CHANGE), a_flow_with_versions),
    "IMBot": Sample(dict(im_bot.INPUTS), dict(im_bot.CHANGE)),
    **{
        k: Sample(dict(inputs), dict(change), a_qoder_parent(k))
        for k, (inputs, change) in qoder_platform.SAMPLES.items()
    },
}
# Secrets the service never returns (write-only), added to the samples of the dynamic tests: an
# import must not find them, and before it the state keeps (and marks) what was sent.
SAMPLES["ModelProxy"].inputs["armsConfiguration"] = {"enableArms": True, "armsLicenseKey": "arms-secret"}
SAMPLES["Tool"].inputs["containerConfiguration"] = {
    "image": "registry.example/tools/search:1",
    "registryConfig": {"authConfig": {"userName": "puller", "password": "registry-secret"}},
}

# The secret paths of each sample's outputs, written out: a cross-check of the schema walk below.
KNOWN_SECRETS: dict[str, set[Path]] = {
    "Credential": {
        ("credentialSecret",),
        ("credentialPublicConfig", "authConfig"),
        ("credentialPublicConfig", "jwks"),
        ("credentialPublicConfig", "users", 0, "password"),
    },
    "CustomDomain": {("certConfig", "privateKey")},
    "ModelService": {("providerSettings", "apiKey")},
    "Tool": {("environmentVariables",), ("containerConfiguration", "registryConfig", "authConfig", "password")},
    "ModelProxy": {("armsConfiguration", "armsLicenseKey")},
    "Workspace": set(),
    "Environment": set(),
    "VaultCredential": {("auth", "token")},
    "Deployment": set(),
    "Flow": {("environmentConfiguration", "variables", 0, "value")},
    "IMBot": {("botBizSecret",)},
    "Browser": set(),
    "AgentRuntime": {("environmentVariables",)},
    "Template": {
        ("environmentVariables",),
        ("containerConfiguration", "registryConfig", "authConfig", "password"),
        ("armsConfiguration", "armsLicenseKey"),
    },
}

# The secret paths an import of each sample yields, written out: what the service answers of them.
# ModelProxy's ARMS license key is write-only and never answered, so the import has none; the
# emulator answers Tool's nested registry password in clear (the generic model hides write-only
# fields at the top level only, though schema.json says the API masks it), so the import holds it.
IMPORTED_SECRETS: dict[str, set[Path]] = {
    **{k: v for k, v in KNOWN_SECRETS.items() if k not in ("ModelProxy", "Template", "IMBot", "VaultCredential")},
    "ModelProxy": set(),
    "IMBot": set(),  # the bot's secret is write-only: never answered, so never imported
    "VaultCredential": set(),  # a credential's secrets likewise
    "Template": KNOWN_SECRETS["Template"] - {("armsConfiguration", "armsLicenseKey")},
}


# -- helpers ---------------------------------------------------------------------------------------


def urn(type_name: str) -> str:
    return f"urn:pulumi:dev::proj::{resource_types()[type_name]}:index:{type_name}::sample"


def plugin(emulator: Emulator, package: str = "agentrun") -> PluginProvider:
    provider = PluginProvider(package)
    if package == "qoder":
        provider.config = {"qoder:token": QODER_TOKEN, "qoder:baseUrl": emulator.url + "/api/v1/cloud"}
        return provider
    provider.config = {
        "agentrun:accessKeyId": ACCESS_KEY_ID,
        "agentrun:accessKeySecret": ACCESS_KEY_SECRET,
        "agentrun:endpoint": emulator.url,
    }
    return provider


def plugin_of(emulator: Emulator, type_name: str) -> PluginProvider:
    """The plugin of ``type_name``'s package."""
    return plugin(emulator, resource_types()[type_name])


def marked(value: PropertyValue, path: Path = ()) -> Iterator[Path]:
    """The paths of the values marked secret."""
    if value.is_secret:
        yield path
    inner = value.value
    if isinstance(inner, list | tuple):
        for i, item in enumerate(inner):
            yield from marked(item, (*path, i))
    elif isinstance(inner, Mapping):
        for key, item in inner.items():
            yield from marked(item, (*path, key))


def marks(values: Mapping[str, PropertyValue]) -> set[Path]:
    return {p for k, v in values.items() for p in marked(v, (k,))}


def schema_secrets(node: Node, value: Any, path: Path) -> Iterator[Path]:
    """The paths of ``value`` that schema.json marks ``x-secret``."""
    node = node.at(value)
    if node.secret:
        yield path
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from schema_secrets(node.child(key), item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from schema_secrets(node.item, item, (*path, i))


def secrets_of(type_name: str, plain: Mapping[str, Any]) -> set[Path]:
    root = tree(type_name)
    return {p for k, v in plain.items() for p in schema_secrets(root.child(k), v, (k,))}


def write_only(node: Node, value: Any, path: Path) -> Iterator[Path]:
    """The paths of ``value`` that schema.json marks ``writeOnly`` (the service never returns them)."""
    node = node.at(value)
    if node.write_only:
        yield path
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from write_only(node.child(key), item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from write_only(node.item, item, (*path, i))


def write_only_of(type_name: str, plain: Mapping[str, Any]) -> set[Path]:
    root = tree(type_name)
    return {p for k, v in plain.items() for p in write_only(root.child(k), v, (k,))}


def at_path(value: Any, path: Path) -> Any:
    """The value at ``path``, or None where there is none."""
    for part in path:
        if isinstance(part, int):
            value = value[part] if isinstance(value, list) and part < len(value) else None
        else:
            value = value.get(part) if isinstance(value, Mapping) else None
    return value


def without(value: Any, paths: set[Path], path: Path = ()) -> Any:
    """``value`` less the values at ``paths``."""
    if isinstance(value, Mapping):
        return {k: without(v, paths, (*path, k)) for k, v in value.items() if (*path, k) not in paths}
    if isinstance(value, list):
        return [without(v, paths, (*path, i)) for i, v in enumerate(value) if (*path, i) not in paths]
    return value


def holds(found: Any, given: Any) -> bool:
    """``found`` is ``given`` with, at most, keys of objects added (the service's own defaults)."""
    if isinstance(given, Mapping):
        return isinstance(found, Mapping) and all(k in found and holds(found[k], v) for k, v in given.items())
    if isinstance(given, list):
        return isinstance(found, list) and len(found) == len(given) and all(map(holds, found, given))
    return bool(found == given)


def answer(provider: PluginProvider, type_name: str, resource_id: str) -> dict[str, Any]:
    """The resource as the service answers a read, in the program's terms."""
    service = service_class(type_name)(provider.config)
    assert isinstance(service, ApiService)
    with service._client() as client:
        return dict(service.view(service._get(client, service._ids(resource_id))))


def changed_paths(old: Any, new: Any, path: str = "") -> set[str]:
    """The property paths (``a.b``) where ``new`` sets something else than ``old``; arrays whole."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        found: set[str] = set()
        for key, value in new.items():
            sub = f"{path}.{key}" if path else key
            found |= changed_paths(old[key], value, sub) if key in old else {sub}
        return found
    return set() if old == new else {path}


def run(call: Any) -> Any:
    return asyncio.run(call)


def inputs_of(provider: PluginProvider, sample: Sample) -> dict[str, Any]:
    """The sample's inputs, with its parent made first where it has one."""
    return {**(sample.parent(provider) if sample.parent else {}), **sample.inputs}


def diff(provider: PluginProvider, type_name: str, rid: str, state: Any, inputs: Any) -> DiffResponse:
    return run(provider.diff(DiffRequest(urn(type_name), rid, state, inputs, [])))


# -- the tests -------------------------------------------------------------------------------------


def test_the_generic_kinds_are_derived_from_the_schema() -> None:
    served = {t for t, package in resource_types().items() if package in PACKAGES and api(t) is not None}
    # Every AgentRun and Qoder kind with x-api but those that create, update and delete their own way
    # (uploads: tests/test_qoder_uploads.py).
    assert served - set(KINDS) == {"RuntimeVersion", "Agent", "File", "Skill"}
    assert {"Workspace", "Credential", "ModelService", "Browser", "CodeInterpreter", "AgentRuntime"} <= set(KINDS)


@pytest.mark.parametrize("type_name", KINDS)
def test_every_generic_kind_has_a_sample(type_name: str) -> None:
    assert type_name in SAMPLES, f"add a sample of {type_name}'s inputs to SAMPLES in {__name__}"


@pytest.mark.parametrize("type_name", KINDS)
def test_plugin_life_cycle(emulator: Emulator, type_name: str) -> None:
    provider, facts, sample = plugin_of(emulator, type_name), api(type_name), SAMPLES[type_name]
    assert facts is not None
    given = inputs_of(provider, sample)
    props = value_map(type_name, given, set())

    # Create: the id is made of the outputs' id fields, the outputs hold the inputs.
    created = run(provider.create(CreateRequest(urn(type_name), props, 60, False)))
    outs = plain_map(created.properties)
    assert created.resource_id
    if all(facts.field_of(p) in outs for p in facts.id_params):  # else the id is no property (x-resource-id)
        assert created.resource_id == facts.resource_id(outs)
    assert {k: outs[k] for k in given} == given
    if facts.status is not None:
        assert outs[facts.status.field] in facts.status.ready

    # Secrets: marked exactly where schema.json says, and nowhere else.
    assert marks(created.properties) == secrets_of(type_name, outs)
    if type_name in KNOWN_SECRETS:
        assert marks(created.properties) == KNOWN_SECRETS[type_name]

    # The same inputs against the created state: no change (changes=False is what the SDK's servicer
    # sends as DIFF_NONE; None would be DIFF_UNKNOWN).
    same = diff(provider, type_name, created.resource_id, created.properties, props)
    assert same.changes is False and same.detailed_diff == {} and same.replaces == []

    news = value_map(type_name, {**given, **sample.change}, set())
    changed = diff(provider, type_name, created.resource_id, created.properties, news)
    paths = changed_paths(given, sample.change)
    assert changed.changes is True and set(changed.detailed_diff) == paths, changed.detailed_diff
    assert changed.diffs == sorted(sample.change)
    if facts.update == "none":
        assert set(changed.replaces) == set(sample.change)
        assert {d.kind for d in changed.detailed_diff.values()} == {PropertyDiffKind.UPDATE_REPLACE}
        state = created.properties
    else:
        assert changed.replaces == []
        assert {d.kind for d in changed.detailed_diff.values()} <= {PropertyDiffKind.UPDATE, PropertyDiffKind.ADD}
        request = UpdateRequest(urn(type_name), created.resource_id, created.properties, news, 60, [], False)
        updated = run(provider.update(request))
        state = updated.properties
        now = plain_map(state)
        assert {k: now[k] for k in sample.change} == sample.change
        assert marks(state) == secrets_of(type_name, now)
        after = diff(provider, type_name, created.resource_id, state, news)
        assert after.changes is False, after.detailed_diff

    # Read what is there now (updated, or as created where nothing updates in place).
    expected = plain_map(news if facts.update != "none" else props)
    read = run(provider.read(ReadRequest(urn(type_name), created.resource_id, state, news)))
    assert read.resource_id == created.resource_id
    found = plain_map(read.properties)
    assert {k: found[k] for k in expected} == expected
    assert marks(read.properties) == secrets_of(type_name, found)

    run(provider.delete(DeleteRequest(urn(type_name), created.resource_id, state, 60)))
    gone = run(provider.read(ReadRequest(urn(type_name), created.resource_id, state, news)))
    service = service_class(type_name)(provider.config)
    if isinstance(service, ApiService) and service.destroy_operation(plain_map(state)) == "archive":
        assert plain_map(gone.properties)["archived_at"]  # archived (Qoder's default): still readable
    else:
        assert not gone.resource_id


@pytest.mark.parametrize("type_name", KINDS)
def test_plugin_import(emulator: Emulator, type_name: str) -> None:
    """An import (a read with no state and no inputs) yields the inputs the service reports,
    write-only ones left out; sent back as the program's, they diff as no change."""
    provider, sample = plugin_of(emulator, type_name), SAMPLES[type_name]
    given = inputs_of(provider, sample)
    props = value_map(type_name, given, set())
    created = run(provider.create(CreateRequest(urn(type_name), props, 60, False)))

    imported = run(provider.read(ReadRequest(urn(type_name), created.resource_id, {}, {})))
    assert imported.resource_id == created.resource_id
    inputs, state = plain_map(imported.inputs), plain_map(imported.properties)
    # What an import yields: the inputs the service reports back (less those at their empty or
    # default value) and the provider options at their defaults. Of the write-only fields, only
    # what the service's own answer holds: no secret (nor anything else) it never returns.
    remote = answer(provider, type_name, created.resource_id)
    for path in write_only_of(type_name, inputs) | write_only_of(type_name, state):
        assert at_path(remote, path) is not None, f"{path}: the service never returned it"
        assert at_path(inputs, path) in (None, at_path(remote, path))
        assert at_path(state, path) == at_path(remote, path)
    # Write-only values the service never returns, or returns masked ("reg***"): unknowable.
    never = {p for p in write_only_of(type_name, given) if at_path(remote, p) != at_path(given, p)}
    spec = fields(type_name)
    reported = {
        k: v
        for k, v in without(given, never).items()
        if v not in ("", [], {}) and not (spec.node(k).has_default and v == spec.node(k).default)
    }
    options = {k: spec.node(k).default for k in spec.options if spec.node(k).has_default}
    # Each input given is imported as given; other inputs are what the service filled in itself
    # (a runtime's health check thresholds, an endpoint's empty routing).
    assert {k: inputs.get(k) for k in options} == options
    for key, value in inputs.items():
        if key in reported:
            assert holds(value, reported[key]), key
        elif key not in options:
            assert value == remote.get(key), key
    assert set(reported) <= set(inputs)
    assert marks(imported.properties) == secrets_of(type_name, state)
    if type_name in IMPORTED_SECRETS:
        assert marks(imported.properties) == IMPORTED_SECRETS[type_name]
    assert marks(imported.inputs) == secrets_of(type_name, inputs)

    # The imported inputs as the program's: no change.
    again = diff(provider, type_name, created.resource_id, imported.properties, imported.inputs)
    assert again.changes is False, again.detailed_diff

    run(provider.delete(DeleteRequest(urn(type_name), created.resource_id, imported.properties, 60)))


# An endpoint made without routing is answered with {"versionWeights": []}: the import keeps that
# as an input (Fields.imported drops only top-level empty values), and the program that never set
# routingConfiguration then previews its removal (x-on-remove "clear" counts the non-empty dict).
@pytest.mark.parametrize("type_name", KINDS)
def test_the_programs_own_inputs_after_an_import(emulator: Emulator, type_name: str) -> None:
    """After an import, the program's own inputs (what made the resource) differ from the imported
    state only at the write-only fields the service never answers, or answers masked: those the
    import cannot know (the next `up` sends the program's value once). Where such a field would
    replace (Workspace's enablePresetModel, MemoryCollection's type), it is adopted as the program
    gives it: an update that records it and sends nothing, never a replacement."""
    provider, sample = plugin_of(emulator, type_name), SAMPLES[type_name]
    given = inputs_of(provider, sample)
    props = value_map(type_name, given, set())
    created = run(provider.create(CreateRequest(urn(type_name), props, 60, False)))
    imported = run(provider.read(ReadRequest(urn(type_name), created.resource_id, {}, {})))
    remote = answer(provider, type_name, created.resource_id)
    never = {p for p in write_only_of(type_name, given) if at_path(remote, p) != at_path(given, p)}
    found = diff(provider, type_name, created.resource_id, imported.properties, props)
    unknowable = {".".join(str(part) for part in path) for path in never}
    assert set(found.detailed_diff) <= unknowable, found.detailed_diff
    assert found.replaces == []
    if found.changes and api(type_name) is not None:
        request = UpdateRequest(urn(type_name), created.resource_id, imported.properties, props, 60, [], False)
        recorded = run(provider.update(request)).properties
        assert diff(provider, type_name, created.resource_id, recorded, props).changes is False


def test_the_served_read_answers_no_inputs_for_what_the_state_holds(agentrun_env: Emulator) -> None:
    """The plugin's Read as `pulumi refresh` calls it (the engine's structs, no SDK): finding what
    the state holds, it answers no inputs, and the engine keeps its own; finding anything else,
    it answers the inputs the service holds."""
    from google.protobuf import struct_pb2
    from pulumi.runtime.proto import provider_pb2

    from pulumi_agents._plugin import Servicer
    from pulumi_agents._wire import plain_struct, struct_of
    from tests.runtimes import code_runtime

    servicer, service = Servicer("agentrun", ""), service_class("AgentRuntime")({})
    created = service.create(code_runtime())
    urn = "urn:pulumi:dev::p::agentrun:index:AgentRuntime::bot"

    def read(held: dict[str, Any], marked: bool = True) -> Any:
        props = struct_of("AgentRuntime", held, set()) if marked else struct_pb2.Struct()
        if not marked:  # a state written before its secrets were marked: plain values
            props.update(held)
        request = provider_pb2.ReadRequest(id=created.id, urn=urn, properties=props, inputs=props)
        return asyncio.run(servicer.Read(request, None))

    same = read(created.outs)
    assert same.id == created.id and not same.HasField("inputs")
    assert plain_struct(same.properties)["memory"] == created.outs["memory"] == 2048
    earlier = read({**created.outs, "memory": 1024})  # a state from before someone changed it
    assert earlier.id == created.id and plain_struct(earlier.inputs)["memory"] == 2048
    # The same values, the secrets unmarked: the inputs are answered, with the secret marked.
    assert created.outs["environmentVariables"]
    unmarked = read(created.outs, marked=False)
    secrets: set[tuple[str | int, ...]] = set()
    assert plain_struct(unmarked.inputs, secrets)["memory"] == 2048 and ("environmentVariables",) in secrets
    service.delete(created.id, created.outs)
