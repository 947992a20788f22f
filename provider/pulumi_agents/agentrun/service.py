"""The service logic of the agentrun resources: runtimes, their endpoints and their versions.

Served by both adapters (``provider`` for dynamic resources, ``plugin`` for the provider plugin).
What replaces a resource, what removing an argument means and every default are facts of
schema.json, read through ``fields``.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pulumi_agents._fields import fields
from pulumi_agents._service import GONE, CheckFailure, Created, Found, Service
from pulumi_agents._tree import contains_unknown, mask_secrets, tree
from pulumi_agents._wait import wait_for
from pulumi_agents.errors import (
    ApiError,
    BusyError,
    ConflictError,
    NotFoundError,
    PartialFailure,
    ResourceFailed,
    TransportError,
    WaitTimeout,
)

if TYPE_CHECKING:  # the client (and httpx) load on the first call that talks to the API, not for check or diff
    from pulumi_agents.agentrun.client import AgentRunClient

log = logging.getLogger("pulumi_agents.agentrun")

# AgentRun has no client token and no tags, so the name is a runtime's only handle. To tell a
# runtime this stack created (but never recorded: a lost answer, a wait that ran out, a killed
# CLI) from one someone else owns, the provider sets this environment variable on every runtime
# it creates: the next `pulumi up` adopts a runtime whose mark is this resource's, and refuses
# any other runtime of that name with advice. The program never sees the variable.
OWNER_VARIABLE = "PULUMI_AGENTS_OWNER"

Fetch = Callable[[], dict[str, Any]]


def _describe(thing: Mapping[str, Any]) -> str:
    reason = thing.get("statusReason")
    return f"{thing.get('status')}" + (f" ({reason})" if reason else "")


def _settle(fetch: Fetch, timeout: float, what: str, *, fail: bool = True) -> dict[str, Any]:
    """Wait until ``fetch()`` reports READY (or, with fail=False, any terminal status)."""
    from pulumi_agents.agentrun.client import TERMINAL_FAILED, TERMINAL_OK

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


def _create_once(create: Fetch, claim: Callable[[], dict[str, Any] | None], what: str) -> dict[str, Any]:
    """Create exactly one. After a lost answer (timeout, 5xx), or when the name is taken, ``claim``
    decides: the one this resource made earlier (adopted), None when the name is free (after a
    delete in progress has finished), or an error when someone else holds the name."""
    try:
        return create()
    except (TransportError, ApiError) as exc:
        if isinstance(exc, ApiError) and exc.status < 500 and not isinstance(exc, ConflictError):
            raise
        log.warning("create of %s: %s; looking it up by name", what, exc)
    return claim() or create()


def _apply_once(
    send: Callable[[], Any], settled: Callable[[], dict[str, Any]], applied: Callable[[dict[str, Any]], bool]
) -> None:
    """Send an update exactly once in effect. When its answer is lost (timeout, 5xx) or it meets
    an operation in flight (409), wait for the resource to settle and send again only if what it
    now holds is not yet what was asked for."""
    try:
        send()
    except (TransportError, ApiError) as exc:
        if isinstance(exc, ApiError) and exc.status < 500 and not isinstance(exc, BusyError):
            raise
        log.warning("update: %s; checking whether it applied", exc)
        if not applied(settled()):
            send()


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
        from pulumi_agents.agentrun.client import AgentRunClient, Settings

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
            f"{slow}; it exists as {resource_id}: run `pulumi up` again to wait for it (or raise waitTimeoutSeconds)",
            resource_id,
            self.outputs(props, last),
        )


# -- runtimes ---------------------------------------------------------------------------------


class AgentRuntimeService(_AgentRunService):
    """Manages one AgentRun runtime per resource."""

    type_name = "AgentRuntime"

    def view(self, remote: Mapping[str, Any]) -> Mapping[str, Any]:
        return _without_mark(remote)

    def _marked(self, body: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        env = {**(body.get("environmentVariables") or {}), OWNER_VARIABLE: owner_mark(self.seed(props))}
        return {**body, "environmentVariables": env}

    def create(self, props: dict[str, Any]) -> Created:
        body = self._marked(fields(self.type_name).wire_inputs(props), props)
        name = body["agentRuntimeName"]
        timeout = self._timeout(props)
        with self._client() as client:
            created = _create_once(
                lambda: client.create_runtime(body),
                lambda: self._claim(client, name, props, timeout),
                f"runtime {name}",
            )
            runtime_id = created["agentRuntimeId"]
            what = f"runtime {name} ({runtime_id})"
            fetch = lambda: client.get_runtime(runtime_id)  # noqa: E731
            try:
                # Adopted, it may come from older inputs; made now, this finds nothing to do.
                runtime = self._converge(client, runtime_id, props, _settle(fetch, timeout, what), timeout, what)
            except ResourceFailed as failed:
                removed = _remove_failed(lambda: client.delete_runtime(runtime_id), fetch, timeout, what)
                raise ResourceFailed(f"{failed}; {removed}") from None
            except WaitTimeout as slow:
                raise self._still_settling(slow, runtime_id, props, created) from None
        return Created(runtime_id, self.outputs(props, runtime))

    def _claim(
        self, client: AgentRunClient, name: str, props: Mapping[str, Any], timeout: float
    ) -> dict[str, Any] | None:
        """The runtime named ``name`` if this resource made it (adopted), None if the name is free
        (a delete in progress is waited out); any other runtime of that name is refused."""
        for listed in client.list_runtimes(name=name):
            runtime_id = listed["agentRuntimeId"]
            try:
                runtime = client.get_runtime(runtime_id)
            except NotFoundError:
                continue
            if runtime.get("status") == "DELETING":
                _gone(functools.partial(client.get_runtime, runtime_id), timeout, f"runtime {name} ({runtime_id})")
                continue
            if _mark_of(runtime) == owner_mark(self.seed(props)):
                log.warning("adopting runtime %s (%s): this resource created it earlier", name, runtime_id)
                return runtime
            resource = self.seed(props).rpartition("/")[2] or "<resource name>"
            raise ConflictError(
                "AgentRun",
                "CreateAgentRuntime",
                409,
                "AlreadyExists",
                f"a runtime named {name!r} ({runtime_id}) exists and this stack did not create it: pick another "
                f"agentRuntimeName, or adopt it with the provider plugin (pulumi_agents.plugin): "
                f"`pulumi import agentrun:index:AgentRuntime {resource} {runtime_id}`",
            )
        return None

    def _converge(
        self,
        client: AgentRunClient,
        runtime_id: str,
        props: Mapping[str, Any],
        runtime: dict[str, Any],
        timeout: float,
        what: str,
    ) -> dict[str, Any]:
        """An adopted runtime was made from the inputs of its time: bring it to today's."""
        body = fields(self.type_name).update_body({}, props, self.changes(self.outputs(props, runtime), props))
        if not body:
            return runtime
        client.update_runtime(runtime_id, self._marked(body, props) if "environmentVariables" in body else body)
        return _settle(lambda: client.get_runtime(runtime_id), timeout, what)

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
        if "environmentVariables" in body:  # the API replaces the map whole: keep the mark in it
            body = self._marked(body, news)
        timeout = self._timeout(news)
        what = f"runtime {news.get('agentRuntimeName')} ({id_})"
        with self._client() as client:
            fetch = lambda: client.get_runtime(id_)  # noqa: E731
            if body:
                # The API keeps omitted fields, and every update restarts the runtime: send only
                # what changed, after any operation already in flight has settled.
                _settle(fetch, timeout, what, fail=False)
                _apply_once(
                    lambda: client.update_runtime(id_, body),
                    lambda: _settle(fetch, timeout, what, fail=False),
                    lambda current: not self.changes(self.outputs(news, current), news),
                )
            try:
                runtime = _settle(fetch, timeout, what)
            except WaitTimeout as slow:
                raise self._still_settling(slow, id_, news, {}) from None
        return self.outputs(news, runtime)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        timeout = self._timeout(props)
        with self._client() as client:
            fetch = lambda: client.get_runtime(id_)  # noqa: E731
            try:
                client.delete_runtime(id_)
            except NotFoundError:
                return
            except BusyError:
                # Still creating or updating (or already deleting): wait, then delete if it is still there.
                try:
                    current = _settle(fetch, timeout, f"runtime {id_}", fail=False)
                except NotFoundError:
                    return
                if current.get("status") != "DELETING":
                    client.delete_runtime(id_)
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
            _gone(fetch, timeout, f"runtime {id_}")

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

    def view(self, remote: Mapping[str, Any]) -> Mapping[str, Any]:
        return _endpoint_view(remote)

    def create(self, props: dict[str, Any]) -> Created:
        spec = fields(self.type_name)
        body = spec.wire_inputs(props)
        runtime_id, name = body.pop("agentRuntimeId"), body["agentRuntimeEndpointName"]
        timeout = self._timeout(props)
        with self._client() as client:
            created = _create_once(
                lambda: client.create_endpoint(runtime_id, body),
                lambda: self._claim(client, runtime_id, name, props, timeout),
                f"endpoint {name} of runtime {runtime_id}",
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

    def _claim(
        self, client: AgentRunClient, runtime_id: str, name: str, props: Mapping[str, Any], timeout: float
    ) -> dict[str, Any] | None:
        """The endpoint named ``name`` if this stack made it, None if the name is free (a delete in
        progress is waited out). An endpoint counts as this stack's when its runtime carries this
        stack's owner mark: the runtime is the stack's, and so are the endpoint names it declares."""
        for listed in client.list_endpoints(runtime_id, name=name):
            endpoint_id = listed["agentRuntimeEndpointId"]
            if listed.get("status") == "DELETING":
                fetch = functools.partial(client.get_endpoint, runtime_id, endpoint_id)
                _gone(fetch, timeout, f"endpoint {name} ({endpoint_id})")
                continue
            stack_mark = owner_mark(self.seed(props)).split(".")[0]
            if _mark_of(client.get_runtime(runtime_id)).split(".")[0] == stack_mark:
                log.warning("adopting endpoint %s (%s) of runtime %s", name, endpoint_id, runtime_id)
                return client.get_endpoint(runtime_id, endpoint_id)
            resource = self.seed(props).rpartition("/")[2] or "<resource name>"
            raise ConflictError(
                "AgentRun",
                "CreateAgentRuntimeEndpoint",
                409,
                "AlreadyExists",
                f"runtime {runtime_id} has an endpoint named {name!r} ({endpoint_id}) that this stack did not "
                f"create: pick another name, or adopt it with the provider plugin (pulumi_agents.plugin): "
                f"`pulumi import agentrun:index:AgentRuntimeEndpoint {resource} {runtime_id}/{endpoint_id}`",
            )
        return None

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
                _apply_once(
                    lambda: client.update_endpoint(runtime_id, endpoint_id, body),
                    lambda: _settle(fetch, timeout, what, fail=False),
                    lambda current: not self.changes(self.outputs(news, current), news),
                )
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
