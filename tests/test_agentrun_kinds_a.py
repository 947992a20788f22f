"""agentrun.Credential, CustomDomain, KnowledgeBase and MemoryCollection: kinds addressed by name
(the name is the id) on the generic life cycle, served by the emulator's generic model.

- the official SDK (alibabacloud-agentrun20250910) runs each kind's create/get/update/list/delete
  against the emulator, and every answer parses into the SDK's model with no key it lacks;
- the provider's life cycle at the provider level (the dynamic door), secrets marked;
- schema.json holds every field of each Create*Input, and what Update*Input lacks replaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from alibabacloud_agentrun20250910 import models
from darabonba.model import DaraModel
from pulumi.runtime.rpc import is_rpc_secret

from pulumi_agents._api import api
from pulumi_agents._schema import definition
from pulumi_agents.agentrun import (
    AgentRuntimeProvider,
    CredentialProvider,
    CustomDomainProvider,
    KnowledgeBaseProvider,
    MemoryCollectionProvider,
)
from tests.conftest import Emulator
from tests.provider_host import unmarked
from tests.runtimes import code_runtime
from tests.test_agentrun_workspaces import Raw, Recording, model_keys, official, refused

Answer = dict[str, Any]


@dataclass(frozen=True)
class K:
    """One kind: its SDK models and client methods, a create body, an update, and a rename."""

    type_name: str
    snake: str  # the SDK's method stem: create_<snake>, list_<snake>s
    model: type[DaraModel]
    create_input: type[DaraModel]
    update_input: type[DaraModel]
    list_output: type[DaraModel]
    list_item: type[DaraModel]
    name: str  # the name (id) field
    body: Answer  # a create with every field of interest
    update: Answer  # a change Update*Input takes
    secrets: tuple[str, ...] = ()  # top-level outputs answered wrapped as secrets

    @property
    def plural(self) -> str:
        return self.snake + "s"


CREDENTIAL_BODY = {
    "credentialName": "llm-key",
    "credentialAuthType": "api_key",
    "credentialSourceType": "external_llm",
    "credentialSecret": "sk-credential-secret",
    "credentialPublicConfig": {
        "authType": "basic",
        "headerKey": "Authorization",
        "prefix": "Bearer",
        "provider": "openai",
        "authConfig": {"clientSecret": "cs-secret"},
        "jwks": '{"keys": []}',
        "remoteConfig": {"uri": "https://vault.example.com/key", "timeout": 5, "ttl": 300},
        "users": [{"username": "alice", "password": "pw-alice"}],
    },
    "description": "the model key",
    "enabled": True,
    "workspaceId": "ws-0123456789abcdef",
}
DOMAIN_BODY = {
    "domainName": "agents.example.com",
    "protocol": "HTTPS",
    "domainType": "STANDARD",
    "description": "public entry",
    "certConfig": {"certName": "agents", "certificate": "-----BEGIN CERTIFICATE-----", "privateKey": "pk-secret"},
    "routeConfig": {
        "routes": [
            {
                "path": "/bot/*",
                "methods": ["GET", "POST"],
                "resourceType": "runtime",
                "resourceName": "support-bot",
                "agentRuntimeEndpointName": "prod",
                "removeBasePathOnForward": True,
            },
            {
                "path": "/flow/*",
                "resourceType": "flow",
                "resourceName": "f",
                "flowEndpointName": "Default",
                "compatibleProtocol": "openai",
            },
        ]
    },
    "tlsConfig": {"minVersion": "TLSv1.2", "maxVersion": "TLSv1.3", "cipherSuites": ["ECDHE-RSA-AES128-GCM-SHA256"]},
}
KB_BODY = {
    "knowledgeBaseName": "product-docs",
    "provider": "bailian",
    "providerSettings": {"workspaceId": "llm-x", "indexId": "idx-1"},
    "retrieveSettings": {"topK": 5},
    "credentialName": "llm-key",
    "description": "the docs",
    "workspaceId": "ws-0123456789abcdef",
}
MEMORY_BODY = {
    "memoryCollectionName": "support-memory",
    "type": "mem0",
    "description": "what the bot remembers",
    "embedderConfig": {"modelServiceName": "qwen", "config": {"model": "text-embedding-v3"}},
    "llmConfig": {"modelServiceName": "qwen", "config": {"model": "qwen-plus"}},
    "vectorStoreConfig": {
        "provider": "mysql",
        "mysqlConfig": {
            "host": "db.internal",
            "port": 3306,
            "dbName": "memory",
            "user": "agent",
            "credentialName": "db-key",
            "collectionName": "memories",
            "vectorDimension": 1024,
        },
    },
    "enableConversationHistory": True,
    "enableConversationState": False,
    "executionRoleArn": "acs:ram::1760720386195983:role/memory",
    "networkConfiguration": {"networkMode": "PUBLIC"},
    "workspaceId": "ws-0123456789abcdef",
}

KINDS = [
    K(
        "Credential",
        "credential",
        models.Credential,
        models.CreateCredentialInput,
        models.UpdateCredentialInput,
        models.ListCredentialsOutput,
        models.CredentialListItem,
        "credentialName",
        CREDENTIAL_BODY,
        {"description": "rotated", "credentialSecret": "sk-rotated"},
        ("credentialSecret",),
    ),
    K(
        "CustomDomain",
        "custom_domain",
        models.CustomDomain,
        models.CreateCustomDomainInput,
        models.UpdateCustomDomainInput,
        models.ListCustomDomainsOutput,
        models.CustomDomain,
        "domainName",
        DOMAIN_BODY,
        {"protocol": "HTTP,HTTPS", "description": "both"},
    ),
    K(
        "KnowledgeBase",
        "knowledge_base",
        models.KnowledgeBase,
        models.CreateKnowledgeBaseInput,
        models.UpdateKnowledgeBaseInput,
        models.ListKnowledgeBasesOutput,
        models.KnowledgeBase,
        "knowledgeBaseName",
        KB_BODY,
        {"retrieveSettings": {"topK": 8}, "description": "more"},
    ),
    K(
        "MemoryCollection",
        "memory_collection",
        models.MemoryCollection,
        models.CreateMemoryCollectionInput,
        models.UpdateMemoryCollectionInput,
        models.ListMemoryCollectionsOutput,
        models.MemoryCollection,
        "memoryCollectionName",
        MEMORY_BODY,
        {"enableConversationState": True, "description": "more"},
    ),
]
IDS = [k.type_name for k in KINDS]
PROVIDERS = {
    "Credential": CredentialProvider,
    "CustomDomain": CustomDomainProvider,
    "KnowledgeBase": KnowledgeBaseProvider,
    "MemoryCollection": MemoryCollectionProvider,
}


def request(kind: K, verb: str, body: Answer) -> Any:
    """The SDK's typed request (Create<Kind>Request), its body typed by the SDK's own input model."""
    typed = {"create": kind.create_input, "update": kind.update_input}[verb]().from_map(body)
    name = "".join(p.title() for p in kind.snake.split("_"))
    return getattr(models, f"{verb.title()}{name}Request")(body=typed)


def assert_model(kind: K, raw: Answer, model: type[DaraModel] | None = None) -> None:
    known = model_keys((model or kind.model)(), raw)
    assert set(raw) == known, sorted(set(raw) - known)


def shown(kind: K, body: Answer) -> Answer:
    """What an answer holds of ``body``: less the write-only fields."""
    props = definition(kind.type_name)["properties"]
    return {k: v for k, v in body.items() if not props[k].get("writeOnly")}


# -- the official SDK against the emulator ----------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_the_official_sdk_runs_each_kind(emulator: Emulator, kind: K) -> None:
    client: Recording = official(emulator)
    name = kind.body[kind.name]
    made = getattr(client, f"create_{kind.snake}")(request(kind, "create", kind.body)).body
    assert made.code == "SUCCESS"
    created = client.data
    assert_model(kind, created)
    assert {k: created[k] for k in shown(kind, kind.body)} == shown(kind, kind.body)
    assert created[kind.name] == name and created["createdAt"].endswith("Z")

    getattr(client, f"get_{kind.snake}")(name)
    assert_model(kind, client.data)
    assert client.data == created

    getattr(client, f"update_{kind.snake}")(name, request(kind, "update", kind.update))
    assert_model(kind, client.data)
    assert {k: client.data[k] for k in kind.update} == kind.update

    # The name is the id: a second create of it is refused.
    taken = refused(lambda: getattr(client, f"create_{kind.snake}")(request(kind, "create", kind.body)))
    assert taken.status_code == 409 and "already exists" in taken.message

    list_request = getattr(models, f"List{kind.plural.title().replace('_', '')}Request")
    getattr(client, f"list_{kind.plural}")(list_request())
    raw = client.data
    assert set(raw) == model_keys(kind.list_output(), raw) and raw["total"] == 1
    items = raw[api(kind.type_name).listing["items"]]  # type: ignore[union-attr]
    for item in items:
        assert_model(kind, item, kind.list_item)
    assert [item[kind.name] for item in items] == [name]

    getattr(client, f"delete_{kind.snake}")(name)
    assert_model(kind, client.data)
    gone = refused(lambda: getattr(client, f"get_{kind.snake}")(name))
    assert gone.status_code == 404 and "does not exist" in gone.message


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_an_update_refuses_what_update_input_lacks(emulator: Emulator, kind: K) -> None:
    client = official(emulator)
    getattr(client, f"create_{kind.snake}")(request(kind, "create", kind.body))
    for field in sdk_fields(kind.create_input) - sdk_fields(kind.update_input):
        update = getattr(models, f"Update{kind.type_name}Request")(body=Raw({field: kind.body.get(field, "x")}))
        error = refused(lambda update=update: getattr(client, f"update_{kind.snake}")(kind.body[kind.name], update))
        assert error.status_code == 400 and field in error.message


def test_a_credential_reports_and_protects_the_runtimes_that_use_it(agentrun_env: Emulator) -> None:
    client = official(agentrun_env)
    client.create_credential(request(KINDS[0], "create", CREDENTIAL_BODY))
    runtime = AgentRuntimeProvider().create(code_runtime(credentialName="llm-key"))
    client.get_credential("llm-key")
    assert client.data["relatedResources"] == [
        {"resourceId": runtime.id, "resourceName": "support-bot", "resourceType": "runtime"}
    ]
    client.list_credentials(models.ListCredentialsRequest())
    assert client.data["items"][0]["relatedResourceCount"] == 1

    # The service refuses, naming the user; the provider's destroy says so.
    error = refused(lambda: client.delete_credential("llm-key"))
    assert error.status_code == 400 and runtime.id in error.message and "support-bot" in error.message
    with pytest.raises(Exception, match="support-bot"):
        CredentialProvider().delete("llm-key", CREDENTIAL_BODY)

    AgentRuntimeProvider().delete(runtime.id, runtime.outs)
    client.delete_credential("llm-key")


# -- the provider's life cycle, in the dynamic door -------------------------------------------


def renamed(kind: K) -> Answer:
    return {**kind.body, kind.name: "renamed-" + str(kind.body[kind.name])}


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_dynamic_life_cycle(agentrun_env: Emulator, kind: K) -> None:
    provider = PROVIDERS[kind.type_name]()
    props = dict(kind.body)
    assert provider.check({}, props).failures == []
    created = provider.create(props)
    name = props[kind.name]
    assert created.id == name  # addressed by name: the name is the id
    for secret in kind.secrets:
        assert is_rpc_secret(created.outs[secret])
    assert not is_rpc_secret(created.outs[kind.name])
    outs = unmarked(created.outs)  # what the engine sends back to a dynamic provider
    assert {k: outs[k] for k in props} == props  # write-only fields too: the state keeps what was sent
    assert provider.diff(created.id, outs, props).changes is False

    # A refresh right after the create leaves no diff.
    refreshed = provider.read(created.id, outs)
    assert refreshed.id == created.id
    assert provider.diff(created.id, unmarked(refreshed.outs), props).changes is False

    moved = provider.diff(created.id, outs, renamed(kind))
    assert moved.changes and moved.replaces == [kind.name]
    # A replacement that keeps the name deletes first: the name is unique.
    field = sorted(sdk_fields(kind.create_input) - sdk_fields(kind.update_input) - {kind.name})[0]
    kept = provider.diff(created.id, outs, {**props, field: "other"})
    assert kept.replaces == [field] and kept.delete_before_replace

    news = {**props, **kind.update}
    changed = provider.diff(created.id, outs, news)
    assert changed.changes and not changed.replaces
    updated = unmarked(provider.update(created.id, outs, news).outs)
    assert {k: updated[k] for k in kind.update} == kind.update

    read = provider.read(created.id, updated)
    assert read.id == created.id and {k: unmarked(read.outs)[k] for k in kind.update} == kind.update

    provider.delete(created.id, updated)
    assert provider.read(created.id, updated).id == ""
    provider.delete(created.id, updated)  # already gone: done


def test_credential_secrets_are_marked_where_they_stand(agentrun_env: Emulator) -> None:
    created = CredentialProvider().create(dict(CREDENTIAL_BODY))
    config = created.outs["credentialPublicConfig"]
    assert is_rpc_secret(config["authConfig"]) and is_rpc_secret(config["jwks"])
    assert is_rpc_secret(config["users"][0]["password"]) and not is_rpc_secret(config["users"][0]["username"])
    assert not is_rpc_secret(config["headerKey"])
    CredentialProvider().delete(created.id, unmarked(created.outs))


def test_custom_domain_private_key_is_marked(agentrun_env: Emulator) -> None:
    created = CustomDomainProvider().create(dict(DOMAIN_BODY))
    assert is_rpc_secret(created.outs["certConfig"]["privateKey"]) and not is_rpc_secret(
        created.outs["certConfig"]["certName"]
    )
    CustomDomainProvider().delete(created.id, unmarked(created.outs))


def test_a_memory_collection_keeps_its_write_only_type_across_a_refresh(agentrun_env: Emulator) -> None:
    provider = MemoryCollectionProvider()
    created = provider.create(dict(MEMORY_BODY))
    read = provider.read(created.id, unmarked(created.outs))
    assert unmarked(read.outs)["type"] == "mem0" and read.inputs is None  # unchanged: the state's inputs stay
    read = provider.read(created.id, {**unmarked(created.outs), "description": "an older one"})  # changed since
    assert unmarked(read.outs)["type"] == "mem0" and unmarked(read.inputs)["type"] == "mem0"
    provider.delete(created.id, unmarked(created.outs))


# -- schema.json says what the SDK's models do ------------------------------------------------


def sdk_fields(model: type[DaraModel]) -> set[str]:
    import inspect
    import re

    return set(re.findall(r"m\.get\('(\w+)'\)", inspect.getsource(model.from_map)))


def _nested_models(model: type[DaraModel]) -> dict[str, type[DaraModel]]:
    """Wire name -> the SDK model of each nested field of ``model`` (lists: of their items)."""
    import inspect
    import re

    found = {}
    source = inspect.getsource(model.from_map)
    for block in source.split("if m.get('")[1:]:
        wire = block.split("'", 1)[0]
        sub = re.search(r"main_models\.(\w+)\(\)", block)
        if sub:
            found[wire] = getattr(models, sub.group(1))
    return found


def _compare(model: type[DaraModel], schema: Answer, where: str) -> None:
    props = _resolve(schema)["properties"]
    missing = sdk_fields(model) - set(props)
    assert not missing, f"{where}: schema.json lacks {sorted(missing)}"
    for wire, sub in _nested_models(model).items():
        node = _resolve(props[wire])
        if node.get("type") == "array":
            node = _resolve(node["items"])
        _compare(sub, node, f"{where}.{wire}")


def _resolve(schema: Answer) -> Answer:
    ref = schema.get("$ref")
    return definition(ref.rsplit("/", 1)[-1]) if ref else schema


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_schema_holds_every_create_input_field_and_replaces_what_update_lacks(kind: K) -> None:
    entry = definition(kind.type_name)
    _compare(kind.create_input, entry, kind.type_name)
    props = entry["properties"]
    inputs = {k for k, v in props.items() if not v.get("readOnly")}
    assert inputs == sdk_fields(kind.create_input)
    for field in sdk_fields(kind.create_input) - sdk_fields(kind.update_input):
        assert props[field].get("x-replace-on-change"), f"{kind.type_name}.{field}"
    for field in sdk_fields(kind.update_input):
        assert "x-replace-on-change" not in props[field], f"{kind.type_name}.{field}"
    # Outputs are keys the output model knows; write-only fields are those it lacks.
    outputs = {k for k, v in props.items() if not v.get("writeOnly")}
    assert outputs <= sdk_fields(kind.model)
    assert {k for k, v in props.items() if v.get("writeOnly")} == inputs - sdk_fields(kind.model)
    # Every optional argument says what removing it means.
    for field in inputs - set(entry["required"]):
        assert props[field].get("x-on-remove") in ("keep", "clear", "reset"), f"{kind.type_name}.{field}"
    facts = api(kind.type_name)
    assert facts is not None and facts.name == kind.name and facts.id_params == (facts.operation("read").params)
    assert facts.field_of(facts.id_params[0]) == kind.name and props[kind.name].get("x-unique")
    assert facts.listing["items"] in sdk_fields(kind.list_output) and facts.adopt == "same-inputs"
