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
from pulumi_agents._fields import fields
from pulumi_agents._lifecycle import ApiService, Client, Doc, import_command, pages
from pulumi_agents._service import GONE, CheckFailure, Created, Found
from pulumi_agents._tree import contains_unknown, mask_secrets, tree
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
    that the versions it names are published; its scaling is read back from ``scalingStatus``."""

    type_name = "AgentRuntimeEndpoint"

    def failures(self, inputs: Mapping[str, Any]) -> list[CheckFailure]:
        return super().failures(inputs) or self._unpublished(inputs)

    def _unpublished(self, inputs: Mapping[str, Any]) -> list[CheckFailure]:
        """Versions named that the runtime has not published (checked when everything is known)."""
        runtime_id = inputs.get("agentRuntimeId")
        # Any part may still be unknown in a preview (pulumi's Unknown, or the UNKNOWN string).
        routing = inputs.get("routingConfiguration")
        weights = routing.get("versionWeights") if isinstance(routing, Mapping) else None
        named = [("target_version", inputs.get("targetVersion"))]
        named += [
            (f"routing_configuration.version_weights[{i}].version", w.get("version"))
            for i, w in enumerate(weights if isinstance(weights, list) else [])
            if isinstance(w, Mapping)
        ]
        named = [(path, v) for path, v in named if isinstance(v, str) and v.isdigit()]
        if not isinstance(runtime_id, str) or not named or contains_unknown(runtime_id):
            return []
        try:
            with self._client() as client:
                published = {str(v.get("agentRuntimeVersion")) for v in _versions(client, runtime_id)}
        except Exception as exc:  # the API rejects it later anyway; a preview must not fail on this
            log.info("cannot list the versions of %s at check: %s", runtime_id, exc)
            return []
        known = ", ".join(sorted(published, key=int)) or "none yet"
        return [
            CheckFailure(path, f"version {v} is not published for runtime {runtime_id} (published: {known})")
            for path, v in named
            if v not in published
        ]

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
        op, path = self.api.operation("create"), self.api.path("create", props)
        with self._client() as client:
            # Publishing is what a pipeline does once the runtime has settled.
            runtime.settle(runtime._fetch(client, props), timeout, f"runtime {runtime_id}")
            before = {v.get("agentRuntimeVersion") for v in _versions(client, runtime_id)}
            try:
                published = client.request(op, path, body=body, idempotent=False)
            except (TransportError, ApiError) as exc:
                if isinstance(exc, ApiError) and exc.status < 500:
                    raise
                # A lost answer: a version may have been published. Adopt the new one that matches.
                published = self._published_since(client, runtime_id, before, body) or client.request(
                    op, path, body=body, idempotent=False
                )
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
    def _published_since(client: Client, runtime_id: str, before: set[Any], body: Mapping[str, Any]) -> Doc | None:
        """The newest version published since ``before`` that matches what was sent, on the
        fields a listed version has: the API never returns some of what it takes (``publisher``)."""
        new = [
            v
            for v in _versions(client, runtime_id)
            if v.get("agentRuntimeVersion") not in before and all(v[k] == body[k] for k in body if k in v)
        ]
        return max(new, key=lambda v: int(v["agentRuntimeVersion"])) if new else None

    @staticmethod
    def _remote(client: Client, runtime_id: str, version: str, published: Mapping[str, Any]) -> Doc:
        """The version as the API reports it, with the runtime it froze (secrets masked: the
        frozen configuration holds the runtime's environment variables, never in the state)."""
        runtime_api = api("AgentRuntime")
        assert runtime_api is not None
        path = runtime_api.path("read", {"agentRuntimeId": runtime_id})
        frozen = client.request(runtime_api.operation("read"), path, query={"agentRuntimeVersion": version})
        snapshot = mask_secrets(frozen, tree("AgentRuntime"))
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
    """UpdateTemplate takes a ``clientToken`` (AgentRun's only idempotency parameter): each update
    sends one derived, as Qoder's Idempotency-Key is, from the resource, the inputs it changes from
    and the body. A resend after a lost answer (in this run or the next, whose state still holds
    the old inputs) is the same request, applied once; going back to earlier inputs is a new one."""

    type_name = "Template"

    def update_query(
        self, ids: Mapping[str, Any], olds: Mapping[str, Any], news: Mapping[str, Any], body: Mapping[str, Any]
    ) -> dict[str, str]:
        from pulumi_agents.qoder.client import idempotency_key

        before = fields(self.type_name).wire_inputs(olds)
        return {"clientToken": idempotency_key(self.seed(news), self.api.resource_id(ids), before, dict(body))}
