"""The agentrun kinds on the generic life cycle (``_lifecycle``): only what their API does differently.

What each operation sends, where, how it waits and what destroy does are facts of schema.json
(``x-api``); what replaces a resource, what removing an argument means and every default, of its
fields. A kind with nothing special (``Workspace``) is a class with its type name.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pulumi_agents._api import api
from pulumi_agents._diff import Changes
from pulumi_agents._lifecycle import ApiService, import_command
from pulumi_agents._requests import Client, Doc, pages
from pulumi_agents._schema import definition, resource_types
from pulumi_agents._service import GONE, CheckFailure, Created, Found, service_class
from pulumi_agents._tree import contains_unknown, mask_secrets, to_snake, tree
from pulumi_agents.errors import ApiError, ConflictError, NotFoundError, PartialFailure, TransportError

if TYPE_CHECKING:  # the client (and httpx) load on the first call that talks to the API, not for check or diff
    from pulumi_agents.agentrun.client import AgentRunClient

log = logging.getLogger("pulumi_agents.agentrun")

# AgentRun has no client token and no tags, so the name is a runtime's only handle. To tell a
# runtime this stack created (but never recorded: a lost answer, a wait that ran out, a killed
# CLI) from one someone else owns, the provider sets this environment variable on every runtime
# it creates: the next `pulumi up` adopts a runtime whose mark is this resource's, and refuses
# any other runtime of that name with advice. The program never sees the variable.
OWNER_VARIABLE = "PULUMI_AGENTS_OWNER"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def owner_mark(seed: str) -> str:
    """What a runtime this provider creates carries in OWNER_VARIABLE: digests of its stack
    ({organization}/{project}/{stack}) and of its resource name, never the names themselves."""
    stack, _, name = seed.rpartition("/")
    return f"{_digest(stack)}.{_digest(name)}"


def _mark_of(runtime: Mapping[str, Any]) -> str:
    env = runtime.get("environmentVariables")
    return str(env.get(OWNER_VARIABLE, "")) if isinstance(env, Mapping) else ""


def _without_mark(runtime: Mapping[str, Any]) -> dict[str, Any]:
    """The runtime as the program sees it: the owner mark is the provider's, not the user's."""
    env = runtime.get("environmentVariables")
    if not isinstance(env, Mapping) or OWNER_VARIABLE not in env:
        return dict(runtime)
    return {**runtime, "environmentVariables": {k: v for k, v in env.items() if k != OWNER_VARIABLE}}


class _AgentRunService(ApiService):
    service_name = "AgentRun"

    def _client(self) -> AgentRunClient:
        from pulumi_agents.agentrun.client import AgentRunClient, Settings

        return AgentRunClient(Settings.from_sources(self.config))

    def failures(self, inputs: Mapping[str, Any]) -> list[CheckFailure]:
        return super().failures(inputs) or self._unpublished(inputs)

    def _unpublished(self, inputs: Mapping[str, Any]) -> list[CheckFailure]:
        """An endpoint's versions (its entry's ``x-routing``: the target and the weighted items)
        that the kind publishing them (``x-routing.versions``) has not published under the parent
        they name; checked when everything is known, so a preview never fails on it."""
        routing = definition(self.type_name).get("x-routing") or {}
        if "versions" not in routing:
            return []
        publisher = service_class(routing["versions"])(self.config)
        assert isinstance(publisher, ApiService)
        [parent] = publisher.api.parents
        parent_id = inputs.get(parent)
        items: Any = inputs  # any part may still be unknown in a preview (Unknown, or the UNKNOWN string)
        for step in routing["items"]:
            items = items.get(step) if isinstance(items, Mapping) else None
        at = ".".join(to_snake(step) for step in routing["items"])
        key = routing["key"]
        named = [(to_snake(routing["target"]), inputs.get(routing["target"]))]
        named += [
            (f"{at}[{i}].{to_snake(key)}", item.get(key))
            for i, item in enumerate(items if isinstance(items, list) else [])
            if isinstance(item, Mapping)
        ]
        named = [(path, v) for path, v in named if isinstance(v, str) and v.isdigit()]
        if not isinstance(parent_id, str) or not named or contains_unknown(parent_id):
            return []
        try:
            with self._client() as client:
                published = publisher.published(client, {parent: parent_id})
        except Exception as exc:  # the API rejects it later anyway; a preview must not fail on this
            log.info("cannot list the versions of %s at check: %s", parent_id, exc)
            return []
        known = ", ".join(sorted(published, key=int)) or "none yet"
        noun = _owner_noun(parent)
        return [
            CheckFailure(path, f"version {v} is not published for {noun} {parent_id} (published: {known})")
            for path, v in named
            if v not in published
        ]


def _owner_noun(field: str) -> str:
    """The noun of the kind whose id is ``field`` (``agentRuntimeId``: runtime; ``flowName``: flow)."""
    for type_name, package in resource_types().items():
        spec = api(type_name) if package == "agentrun" else None
        if spec is not None and len(spec.id_params) == 1 and spec.field_of(spec.id_params[0]) == field:
            return spec.noun
    return field


class WorkspaceService(_AgentRunService):
    type_name = "Workspace"


# Addressed by name (the name is the id), with no status: nothing beyond their entries.


class CredentialService(_AgentRunService):
    type_name = "Credential"


class CustomDomainService(_AgentRunService):
    type_name = "CustomDomain"


class KnowledgeBaseService(_AgentRunService):
    type_name = "KnowledgeBase"


class MemoryCollectionService(_AgentRunService):
    type_name = "MemoryCollection"


# -- runtimes ---------------------------------------------------------------------------------


class AgentRuntimeService(_AgentRunService):
    """A runtime carries this resource's owner mark, and its delete names the endpoints that block it."""

    type_name = "AgentRuntime"

    def view(self, remote: Mapping[str, Any]) -> Mapping[str, Any]:
        return _without_mark(remote)

    def _marked(self, body: Mapping[str, Any], props: Mapping[str, Any]) -> Doc:
        env = {**(body.get("environmentVariables") or {}), OWNER_VARIABLE: owner_mark(self.seed(props))}
        return {**body, "environmentVariables": env}

    def create_body(self, props: Mapping[str, Any]) -> Doc:
        return self._marked(super().create_body(props), props)

    def update_body(self, olds: Mapping[str, Any], news: Mapping[str, Any], changes: Changes) -> Doc:
        body = super().update_body(olds, news, changes)
        # The API replaces the map whole: keep the mark in it.
        return self._marked(body, news) if "environmentVariables" in body else body

    def owns(self, client: Client, ids: Mapping[str, Any], remote: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
        return _mark_of(remote) == owner_mark(self.seed(props))

    def refused(self, client: Client, ids: Mapping[str, Any], exc: ApiError) -> ApiError:
        runtime_id = ids["agentRuntimeId"]
        endpoint_api = api("AgentRuntimeEndpoint")
        assert endpoint_api is not None
        try:
            listed = pages(
                client, endpoint_api.operation("list"), endpoint_api.path("list", ids), endpoint_api.listing, {}
            )
        except (ApiError, TransportError):
            listed = []
        endpoints = [e.get("agentRuntimeEndpointName") for e in listed]
        if not endpoints:
            return exc
        return ApiError(
            exc.service,
            exc.operation,
            exc.status,
            exc.code,
            f"runtime {runtime_id} still has endpoints this stack does not manage ({', '.join(map(str, endpoints))}): "
            f"delete them, or declare them as agentrun.AgentRuntimeEndpoint resources, then destroy again "
            f"({exc.message})",
            exc.request_id,
        )


# -- endpoints --------------------------------------------------------------------------------


class AgentRuntimeEndpointService(_AgentRunService):
    """An endpoint is this stack's when its runtime carries this stack's owner mark; preview checks
    that the versions it names are published (x-routing, as every endpoint's); its scaling is read
    back from ``scalingStatus``."""

    type_name = "AgentRuntimeEndpoint"

    def view(self, remote: Mapping[str, Any]) -> Mapping[str, Any]:
        """The endpoint with ``scalingConfig`` as the API reports it (inside ``scalingStatus``), so
        a scaling change made behind Pulumi's back shows up as drift."""
        status = remote.get("scalingStatus")
        if not isinstance(status, Mapping):
            return dict(remote)
        config = {k: status[k] for k in ("minInstances", "scheduledPolicies") if k in status}
        return {**remote, "scalingConfig": config}

    def owns(self, client: Client, ids: Mapping[str, Any], remote: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
        runtime_api = api("AgentRuntime")
        assert runtime_api is not None
        runtime = client.request(runtime_api.operation("read"), runtime_api.path("read", ids))
        return _mark_of(runtime).split(".")[0] == owner_mark(self.seed(props)).split(".")[0]

    def not_ours(self, props: Mapping[str, Any], ids: Mapping[str, Any]) -> ConflictError:
        runtime_id, endpoint_id = ids["agentRuntimeId"], ids["agentRuntimeEndpointId"]
        resource = self.seed(props).rpartition("/")[2] or "<resource name>"
        return ConflictError(
            "AgentRun",
            "CreateAgentRuntimeEndpoint",
            409,
            "AlreadyExists",
            f"runtime {runtime_id} has an endpoint named {props.get('agentRuntimeEndpointName')!r} ({endpoint_id}) "
            f"that this stack did not create: pick another name, or adopt it with the provider plugin "
            f"(pulumi_agents.plugin): "
            f"`{import_command('agentrun:index:AgentRuntimeEndpoint', resource, f'{runtime_id}/{endpoint_id}')}`",
        )


# -- versions ---------------------------------------------------------------------------------


def _versions(client: Client, runtime_id: str) -> list[Doc]:
    version_api = api("RuntimeVersion")
    assert version_api is not None
    op, path = version_api.operation("list"), version_api.path("list", {"agentRuntimeId": runtime_id})
    return pages(client, op, path, version_api.listing, {})


class RuntimeVersionService(_AgentRunService):
    """Publishes one immutable version of a runtime per resource, once the runtime is READY.

    The API has no GET for a version: it is read from the list, with the runtime it froze.
    Every input replaces it, and destroy forgets it (``x-api``)."""

    type_name = "RuntimeVersion"

    def create(self, props: dict[str, Any]) -> Created:
        body = self.create_body(props)
        runtime_id = props["agentRuntimeId"]
        runtime = AgentRuntimeService(self.config)  # its wait: publishing needs a READY runtime
        timeout = self._timeout(props)
        with self._client() as client:
            # Publishing is what a pipeline does once the runtime has settled.
            runtime.settle(runtime._fetch(client, props), timeout, f"runtime {runtime_id}")
            # A lost answer adopts the version published since, if it matches (x-api adopt).
            published, _ = self.create_once(client, {"agentRuntimeId": runtime_id}, body, props, timeout)
            version = str(published["agentRuntimeVersion"])
            resource_id = f"{runtime_id}/{version}"
            try:
                remote = self._remote(client, runtime_id, version, published)
            except (ApiError, TransportError) as lost:
                # Published: record it, so that the next `pulumi up` reads it instead of publishing another.
                known = {**published, "agentRuntimeId": runtime_id, "agentRuntimeVersion": version}
                message = f"{lost}; version {version} of runtime {runtime_id} is published: run `pulumi up` again"
                raise PartialFailure(message, resource_id, self.outputs(props, known)) from None
        return Created(resource_id, self.outputs(props, remote))

    @staticmethod
    def _remote(client: Client, runtime_id: str, version: str, published: Mapping[str, Any]) -> Doc:
        """The version as the API reports it, with the runtime it froze (secrets masked: the
        frozen configuration holds the runtime's environment variables, never in the state)."""
        runtime_api = api("AgentRuntime")
        assert runtime_api is not None
        path = runtime_api.path("read", {"agentRuntimeId": runtime_id})
        frozen = client.request(runtime_api.operation("read"), path, query={"agentRuntimeVersion": version})
        # Without the owner mark: the provider's, not the user's (a diff of the version showed it).
        snapshot = mask_secrets(_without_mark(frozen), tree("AgentRuntime"))
        return {**published, "agentRuntimeId": runtime_id, "agentRuntimeVersion": version, "runtime": snapshot}

    def read(self, id_: str, props: dict[str, Any]) -> Found:
        ids = self._ids(id_)
        runtime_id, version = ids["agentRuntimeId"], ids["agentRuntimeVersion"]
        with self._client() as client:
            try:
                listed = [v for v in _versions(client, runtime_id) if str(v.get("agentRuntimeVersion")) == version]
                if not listed:
                    return GONE
                remote = self._remote(client, runtime_id, version, listed[0])
            except NotFoundError:  # the runtime, and so its versions, are gone
                return GONE
        return self.found(id_, props, remote)


# -- flows: a flow, its published versions (adopted after a lost answer as runtime versions are:
# x-api adopt "published-since") and its endpoints; IM bots (by the id the service makes) ----------


class FlowService(_AgentRunService):
    type_name = "Flow"


class FlowVersionService(_AgentRunService):
    type_name = "FlowVersion"


class FlowEndpointService(_AgentRunService):
    type_name = "FlowEndpoint"


class IMBotService(_AgentRunService):
    type_name = "IMBot"


# -- model services, model proxies, tools, browsers, code interpreters --------------------------


class ModelServiceService(_AgentRunService):
    type_name = "ModelService"


class ModelProxyService(_AgentRunService):
    type_name = "ModelProxy"


class ToolService(_AgentRunService):
    type_name = "Tool"


class BrowserService(_AgentRunService):
    type_name = "Browser"


class CodeInterpreterService(_AgentRunService):
    type_name = "CodeInterpreter"


# -- sandbox templates --------------------------------------------------------------------------


class TemplateService(_AgentRunService):
    """UpdateTemplate's ``clientToken`` (AgentRun's only idempotency parameter) is x-api's update
    ``token``: the life cycle sends it.

    ``activateMcp`` runs the template's MCP server: activated once the template is READY, again
    when its options change, stopped when it is removed. Both set a state, so a resend is safe."""

    type_name = "Template"

    def finish(
        self,
        client: Client,
        ids: Mapping[str, Any],
        olds: Mapping[str, Any] | None,
        news: Mapping[str, Any],
        current: Doc,
    ) -> Doc:
        wanted = news.get("activateMcp")
        if wanted == (olds or {}).get("activateMcp"):
            return current
        try:
            return {**current, **self._mcp(client, ids, wanted)}
        except (ApiError, TransportError) as failed:
            if olds is not None:
                raise
            # Made, but its server not running: recorded without the option, so the next `pulumi
            # up` sees it missing and activates it.
            unactivated = {k: v for k, v in news.items() if k != "activateMcp"}
            raise PartialFailure(
                f"{failed}; {self.what(news, ids)} exists, its MCP server is not running: run `pulumi up` again",
                self.api.resource_id(ids),
                self.outputs(unactivated, {**ids, **current}),
            ) from None

    def _mcp(self, client: Client, ids: Mapping[str, Any], wanted: Mapping[str, Any] | None) -> Doc:
        if wanted is None:
            return client.request(self.api.operation("stopMcp"), self.api.path("stopMcp", ids))
        body = {k: v for k, v in wanted.items() if v is not None}
        return client.request(self.api.operation("activateMcp"), self.api.path("activateMcp", ids), body=body)

