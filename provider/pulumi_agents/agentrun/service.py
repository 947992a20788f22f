"""The service logic of the agentrun resources: runtimes, their endpoints and their versions.

Served by both adapters (``provider`` for dynamic resources, ``plugin`` for the provider plugin).
What replaces a resource, what removing an argument means and every default are facts of
schema.json, read through ``fields``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_agents._fields import fields
from pulumi_agents._service import GONE, CheckFailure, Created, Found, Service
from pulumi_agents._tree import contains_unknown, mask_secrets, tree
from pulumi_agents._wait import wait_for
from pulumi_agents.agentrun.client import TERMINAL_FAILED, TERMINAL_OK, AgentRunClient, Settings
from pulumi_agents.errors import (
    ApiError,
    ConflictError,
    NotFoundError,
    PartialFailure,
    ResourceFailed,
    TransportError,
    WaitTimeout,
)

log = logging.getLogger("pulumi_agents.agentrun")

Fetch = Callable[[], dict[str, Any]]


def _describe(thing: Mapping[str, Any]) -> str:
    reason = thing.get("statusReason")
    return f"{thing.get('status')}" + (f" ({reason})" if reason else "")


def _settle(fetch: Fetch, timeout: float, what: str, *, fail: bool = True) -> dict[str, Any]:
    """Wait until ``fetch()`` reports READY (or, with fail=False, any terminal status)."""
    found = wait_for(
        fetch,
        lambda r: r.get("status") in TERMINAL_OK | TERMINAL_FAILED,
        timeout=timeout,
        what=f"{what} to be READY",
        describe=_describe,
    )
    if fail and found.get("status") in TERMINAL_FAILED:
        raise ResourceFailed(f"{what} is {_describe(found)}")
    return found


def _gone(fetch: Fetch, timeout: float, what: str) -> None:
    """Wait until ``fetch()`` answers 404; a DELETE_FAILED status fails with its reason."""

    def current() -> dict[str, Any] | None:
        try:
            return fetch()
        except NotFoundError:
            return None

    last = wait_for(
        current,
        lambda r: r is None or r.get("status") == "DELETE_FAILED",
        timeout=timeout,
        what=f"{what} to be deleted",
        describe=lambda r: _describe(r or {}),
    )
    if last is not None:
        raise ResourceFailed(f"{what} could not be deleted: {_describe(last)}")


def _create_once(create: Fetch, lookup: Callable[[], list[dict[str, Any]]], what: str, taken: str) -> dict[str, Any]:
    """Create, and after a lost answer (timeout, 5xx) look the name up before creating again,
    so a retry never makes a second one. ``taken`` is the advice when the name is in use."""
    try:
        return create()
    except (TransportError, ApiError) as exc:
        if isinstance(exc, ConflictError):
            raise ConflictError(
                exc.service, exc.operation, exc.status, exc.code, f"{exc.message}; {taken}", exc.request_id
            ) from None
        if isinstance(exc, ApiError) and exc.status < 500:
            raise
        found = lookup()
        log.warning("create of %s had no answer (%s); found %d by name", what, exc, len(found))
        return found[0] if found else create()


def _remove_failed(delete: Callable[[], Any], fetch: Fetch, timeout: float, what: str) -> str:
    """Delete what a failed create left (it is not in the state); say what happened."""
    try:
        delete()
        _gone(fetch, timeout, what)
    except Exception as exc:  # report, do not mask the original failure
        return f"the failed {what} could not be deleted ({exc}): delete it by hand"
    return f"the failed {what} was deleted"


class _AgentRunService(Service):
    def _client(self) -> AgentRunClient:
        return AgentRunClient(Settings.from_sources(self.config))

    def _timeout(self, props: Mapping[str, Any]) -> float:
        return float(fields(self.type_name).value(props, "waitTimeoutSeconds"))

    def _still_settling(
        self, slow: WaitTimeout, resource_id: str, props: Mapping[str, Any], known: Mapping[str, Any]
    ) -> PartialFailure:
        """A wait that ran out after the resource came to exist: it is recorded (where the engine
        allows), and the next `pulumi up` waits for it again instead of making another."""
        last = slow.last if isinstance(slow.last, Mapping) else known
        return PartialFailure(
            f"{slow}; it exists as {resource_id}: run `pulumi up` again to wait for it "
            f"(or raise waitTimeoutSeconds)",
            resource_id,
            self.outputs(props, last),
        )


# -- runtimes ---------------------------------------------------------------------------------


class AgentRuntimeService(_AgentRunService):
    """Manages one AgentRun runtime per resource."""

    type_name = "AgentRuntime"

    def create(self, props: dict[str, Any]) -> Created:
        body = fields(self.type_name).wire_inputs(props)
        name = body["agentRuntimeName"]
        timeout = self._timeout(props)
        with self._client() as client:
            created = _create_once(
                lambda: client.create_runtime(body),
                lambda: client.list_runtimes(name=name),
                f"runtime {name}",
                f"a runtime named {name!r} exists outside this stack: pick another agentRuntimeName",
            )
            runtime_id = created["agentRuntimeId"]
            what = f"runtime {name} ({runtime_id})"
            fetch = lambda: client.get_runtime(runtime_id)  # noqa: E731
            try:
                runtime = _settle(fetch, timeout, what)
            except ResourceFailed as failed:
                removed = _remove_failed(lambda: client.delete_runtime(runtime_id), fetch, timeout, what)
                raise ResourceFailed(f"{failed}; {removed}") from None
            except WaitTimeout as slow:
                raise self._still_settling(slow, runtime_id, props, created) from None
        return Created(runtime_id, self.outputs(props, runtime))

    def read(self, id_: str, props: dict[str, Any]) -> Found:
        with self._client() as client:
            try:
                runtime = client.get_runtime(id_)
            except NotFoundError:
                return GONE
        if runtime.get("status") == "DELETING":
            return GONE
        return self.found(id_, props, runtime)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        body = fields(self.type_name).update_body(olds, news, self.changes(olds, news))
        timeout = self._timeout(news)
        what = f"runtime {news.get('agentRuntimeName')} ({id_})"
        with self._client() as client:
            fetch = lambda: client.get_runtime(id_)  # noqa: E731
            if body:
                # The API keeps omitted fields, and every update restarts the runtime: send only
                # what changed, after any operation already in flight has settled.
                _settle(fetch, timeout, what, fail=False)
                client.update_runtime(id_, body)
            try:
                runtime = _settle(fetch, timeout, what)
            except WaitTimeout as slow:
                raise self._still_settling(slow, id_, news, {}) from None
        return self.outputs(news, runtime)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        with self._client() as client:
            try:
                client.delete_runtime(id_)
            except NotFoundError:
                return
            except ApiError as exc:
                endpoints = [e.get("agentRuntimeEndpointName") for e in self._endpoints(client, id_)]
                if not endpoints:
                    raise
                raise ApiError(
                    exc.service,
                    exc.operation,
                    exc.status,
                    exc.code,
                    f"runtime {id_} still has endpoints this stack does not manage ({', '.join(map(str, endpoints))}): "
                    f"delete them, or declare them as agentrun.AgentRuntimeEndpoint resources, then destroy again "
                    f"({exc.message})",
                    exc.request_id,
                ) from None
            _gone(lambda: client.get_runtime(id_), self._timeout(props), f"runtime {id_}")

    @staticmethod
    def _endpoints(client: AgentRunClient, runtime_id: str) -> list[dict[str, Any]]:
        try:
            return client.list_endpoints(runtime_id)
        except ApiError:
            return []


# -- endpoints --------------------------------------------------------------------------------


def _endpoint_id(id_: str) -> tuple[str, str]:
    """The resource id ``{agentRuntimeId}/{agentRuntimeEndpointId}`` (what `pulumi import` takes)."""
    runtime_id, _, endpoint_id = id_.partition("/")
    if not runtime_id or not endpoint_id:
        raise ResourceFailed(f"{id_!r} is not an endpoint id: expected <agentRuntimeId>/<agentRuntimeEndpointId>")
    return runtime_id, endpoint_id


def _endpoint_view(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """The endpoint with ``scalingConfig`` as the API reports it (inside ``scalingStatus``), so a
    scaling change made behind Pulumi's back shows up as drift."""
    status = endpoint.get("scalingStatus")
    if not isinstance(status, Mapping):
        return dict(endpoint)
    config = {k: status[k] for k in ("minInstances", "scheduledPolicies") if k in status}
    return {**endpoint, "scalingConfig": config}


class AgentRuntimeEndpointService(_AgentRunService):
    """Manages one endpoint of a runtime per resource; the runtime id and the name are its identity."""

    type_name = "AgentRuntimeEndpoint"

    def check(self, news: Mapping[str, Any]) -> tuple[dict[str, Any], list[CheckFailure]]:
        inputs, failures = super().check(news)
        return inputs, failures or self._unpublished(inputs)

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
                published = {str(v.get("agentRuntimeVersion")) for v in client.list_versions(runtime_id)}
        except Exception as exc:  # the API rejects it later anyway; a preview must not fail on this
            log.info("cannot list the versions of %s at check: %s", runtime_id, exc)
            return []
        known = ", ".join(sorted(published, key=int)) or "none yet"
        return [
            CheckFailure(path, f"version {v} is not published for runtime {runtime_id} (published: {known})")
            for path, v in named
            if v not in published
        ]

    def found(self, id_: str, inputs: Mapping[str, Any], remote: Mapping[str, Any]) -> Found:
        return super().found(id_, inputs, _endpoint_view(remote))

    def outputs(self, inputs: Mapping[str, Any], remote: Mapping[str, Any]) -> dict[str, Any]:
        return super().outputs(inputs, _endpoint_view(remote))

    def create(self, props: dict[str, Any]) -> Created:
        spec = fields(self.type_name)
        body = spec.wire_inputs(props)
        runtime_id, name = body.pop("agentRuntimeId"), body["agentRuntimeEndpointName"]
        timeout = self._timeout(props)
        with self._client() as client:
            created = _create_once(
                lambda: client.create_endpoint(runtime_id, body),
                lambda: client.list_endpoints(runtime_id, name=name),
                f"endpoint {name} of runtime {runtime_id}",
                f"runtime {runtime_id} has an endpoint named {name!r} outside this stack: pick another name",
            )
            endpoint_id = created["agentRuntimeEndpointId"]
            what = f"endpoint {name} ({endpoint_id}) of runtime {runtime_id}"
            fetch = lambda: client.get_endpoint(runtime_id, endpoint_id)  # noqa: E731
            resource_id = f"{runtime_id}/{endpoint_id}"
            try:
                endpoint = _settle(fetch, timeout, what)
            except ResourceFailed as failed:
                delete = lambda: client.delete_endpoint(runtime_id, endpoint_id)  # noqa: E731
                raise ResourceFailed(f"{failed}; {_remove_failed(delete, fetch, timeout, what)}") from None
            except WaitTimeout as slow:
                raise self._still_settling(slow, resource_id, props, created) from None
        return Created(resource_id, self.outputs(props, endpoint))

    def read(self, id_: str, props: dict[str, Any]) -> Found:
        runtime_id, endpoint_id = _endpoint_id(id_)
        with self._client() as client:
            try:
                endpoint = client.get_endpoint(runtime_id, endpoint_id)
            except NotFoundError:
                return GONE
        if endpoint.get("status") == "DELETING":
            return GONE
        return self.found(id_, props, endpoint)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        runtime_id, endpoint_id = _endpoint_id(id_)
        body = fields(self.type_name).update_body(olds, news, self.changes(olds, news))
        body.pop("agentRuntimeId", None)
        timeout = self._timeout(news)
        what = f"endpoint {news.get('agentRuntimeEndpointName')} ({endpoint_id}) of runtime {runtime_id}"
        with self._client() as client:
            fetch = lambda: client.get_endpoint(runtime_id, endpoint_id)  # noqa: E731
            if body:
                _settle(fetch, timeout, what, fail=False)
                client.update_endpoint(runtime_id, endpoint_id, body)
            try:
                endpoint = _settle(fetch, timeout, what)
            except WaitTimeout as slow:
                raise self._still_settling(slow, id_, news, {}) from None
        return self.outputs(news, endpoint)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        runtime_id, endpoint_id = _endpoint_id(id_)
        with self._client() as client:
            try:
                client.delete_endpoint(runtime_id, endpoint_id)
            except NotFoundError:
                return
            fetch = lambda: client.get_endpoint(runtime_id, endpoint_id)  # noqa: E731
            _gone(fetch, self._timeout(props), f"endpoint {endpoint_id} of runtime {runtime_id}")


# -- versions ---------------------------------------------------------------------------------


def _version_id(id_: str) -> tuple[str, str]:
    """The resource id ``{agentRuntimeId}/{version}``."""
    runtime_id, _, version = id_.partition("/")
    if not runtime_id or not version:
        raise ResourceFailed(f"{id_!r} is not a runtime version id: expected <agentRuntimeId>/<version>")
    return runtime_id, version


class RuntimeVersionService(_AgentRunService):
    """Publishes one immutable version of a runtime per resource.

    Every input replaces it (a version cannot change), and the API has no delete for versions:
    destroying the resource forgets it, and the version stays in the runtime's history.
    """

    type_name = "RuntimeVersion"

    def create(self, props: dict[str, Any]) -> Created:
        body = fields(self.type_name).wire_inputs(props)
        runtime_id = body.pop("agentRuntimeId")
        with self._client() as client:
            # Publishing is what a pipeline does once the runtime has settled.
            _settle(lambda: client.get_runtime(runtime_id), self._timeout(props), f"runtime {runtime_id}")
            before = {v.get("agentRuntimeVersion") for v in client.list_versions(runtime_id)}
            try:
                published = client.publish_version(runtime_id, body)
            except (TransportError, ApiError) as exc:
                if isinstance(exc, ApiError) and exc.status < 500:
                    raise
                # A lost answer: a version may have been published. Adopt the new one that matches.
                published = self._published_since(client, runtime_id, before, body) or client.publish_version(
                    runtime_id, body
                )
            version = str(published["agentRuntimeVersion"])
            remote = self._remote(client, runtime_id, version, published)
        return Created(f"{runtime_id}/{version}", self.outputs(props, remote))

    @staticmethod
    def _published_since(
        client: AgentRunClient, runtime_id: str, before: set[Any], body: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        new = [
            v
            for v in client.list_versions(runtime_id)
            if v.get("agentRuntimeVersion") not in before and all(v.get(k) == body[k] for k in body)
        ]
        return max(new, key=lambda v: int(v["agentRuntimeVersion"])) if new else None

    @staticmethod
    def _remote(client: AgentRunClient, runtime_id: str, version: str, published: Mapping[str, Any]) -> dict[str, Any]:
        """The version as the API reports it, with the runtime it froze (secrets masked: the
        frozen configuration holds the runtime's environment variables, never in the state)."""
        snapshot = mask_secrets(client.get_runtime(runtime_id, version=version), tree("AgentRuntime"))
        return {**published, "agentRuntimeId": runtime_id, "agentRuntimeVersion": version, "runtime": snapshot}

    def read(self, id_: str, props: dict[str, Any]) -> Found:
        runtime_id, version = _version_id(id_)
        with self._client() as client:
            try:
                listed = [v for v in client.list_versions(runtime_id) if str(v.get("agentRuntimeVersion")) == version]
                if not listed:
                    return GONE
                remote = self._remote(client, runtime_id, version, listed[0])
            except NotFoundError:  # the runtime, and so its versions, are gone
                return GONE
        return self.found(id_, props, remote)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        # Only provider options reach here (anything else replaces): nothing to send.
        return {**olds, **fields(self.type_name).managed(news)}

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        log.info("forgetting runtime version %s: the API keeps every published version", id_)
