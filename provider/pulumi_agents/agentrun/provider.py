"""The dynamic provider behind ``AgentRuntime``: create/read/diff/update/delete over the API.

Nothing is kept on the provider object (it is pickled into the state): clients and
credentials are built inside each call from stack config or the environment.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pulumi.dynamic

from pulumi_agents import _provider
from pulumi_agents._fields import fields
from pulumi_agents._wait import wait_for
from pulumi_agents.agentrun.client import TERMINAL_FAILED, TERMINAL_OK, AgentRunClient, Settings
from pulumi_agents.errors import ApiError, ConflictError, NotFoundError, ResourceFailed, TransportError

log = logging.getLogger("pulumi_agents.agentrun")

TYPE = "AgentRuntime"


def _describe(runtime: Mapping[str, Any]) -> str:
    reason = runtime.get("statusReason")
    return f"{runtime.get('status')}" + (f" ({reason})" if reason else "")


class AgentRuntimeProvider(_provider.SchemaProvider):
    """Manages one AgentRun runtime per resource. What replaces it, what removing an argument
    means and the wait's default are facts of schema.json's AgentRuntime definition."""

    type_name = TYPE

    @staticmethod
    def _client() -> AgentRunClient:
        return AgentRunClient(Settings.from_sources(_provider.stack_config()))

    @staticmethod
    def _timeout(props: Mapping[str, Any]) -> float:
        return float(fields(TYPE).value(props, "waitTimeoutSeconds"))

    # -- create ----------------------------------------------------------------------------

    @_provider.clean_errors
    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        body = fields(TYPE).wire_inputs(props)
        name = body["agentRuntimeName"]
        with self._client() as client:
            try:
                created = client.create_runtime(body)
            except (TransportError, ApiError) as exc:
                if isinstance(exc, ApiError) and exc.status < 500:
                    if isinstance(exc, ConflictError):
                        raise ConflictError(
                            exc.service,
                            exc.operation,
                            exc.status,
                            exc.code,
                            f"{exc.message}; a runtime named {name!r} exists outside this stack: pick another "
                            f"agentRuntimeName, or adopt it with `pulumi import`",
                            exc.request_id,
                        ) from None
                    raise
                # The answer was lost: the runtime may exist. Look it up before creating again.
                found = client.list_runtimes(name=name)
                log.warning("create of %s had no answer (%s); found %d by name", name, exc, len(found))
                created = found[0] if found else client.create_runtime(body)
            runtime_id = created["agentRuntimeId"]
            timeout = self._timeout(props)
            try:
                runtime = self._settle(client, runtime_id, timeout, f"runtime {name} ({runtime_id}) to be READY")
            except ResourceFailed as failed:
                # Leave nothing behind silently: the failed runtime is not in the state, so remove it.
                raise ResourceFailed(f"{failed}; {self._remove_failed(client, runtime_id, timeout)}") from None
        return pulumi.dynamic.CreateResult(runtime_id, self.outputs(props, runtime))

    @staticmethod
    def _remove_failed(client: AgentRunClient, runtime_id: str, timeout: float) -> str:
        try:
            client.delete_runtime(runtime_id)
            AgentRuntimeProvider._gone(client, runtime_id, timeout)
        except Exception as exc:  # report, do not mask the original failure
            return f"the failed runtime {runtime_id} could not be deleted ({exc}): delete it by hand"
        return f"the failed runtime {runtime_id} was deleted"

    # -- read -------------------------------------------------------------------------------

    @_provider.clean_errors
    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        with self._client() as client:
            try:
                runtime = client.get_runtime(id_)
            except NotFoundError:
                return pulumi.dynamic.ReadResult("", {})
        if runtime.get("status") == "DELETING":
            return pulumi.dynamic.ReadResult("", {})
        return self.read_result(id_, props, runtime)

    # -- update -----------------------------------------------------------------------------

    @_provider.clean_errors
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        wire = fields(TYPE).wire_inputs(news)
        found = self.changes(olds, news)
        changed = [k for k in found.changed if k in wire and k not in found.replaces]
        timeout = self._timeout(news)
        what = f"runtime {wire.get('agentRuntimeName')} ({id_}) to be READY"
        with self._client() as client:
            if changed:
                # The API keeps omitted fields, and every update restarts the runtime: send only
                # what changed, after any operation already in flight has settled.
                self._settle(client, id_, timeout, what, fail=False)
                client.update_runtime(id_, {k: wire[k] for k in changed})
            runtime = self._settle(client, id_, timeout, what)
        return pulumi.dynamic.UpdateResult(self.outputs(news, runtime))

    # -- delete -----------------------------------------------------------------------------

    @_provider.clean_errors
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        timeout = self._timeout(props)
        with self._client() as client:
            try:
                client.delete_runtime(id_)
            except NotFoundError:
                return
            self._gone(client, id_, timeout)

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _settle(
        client: AgentRunClient, runtime_id: str, timeout: float, what: str, *, fail: bool = True
    ) -> dict[str, Any]:
        """Wait until the runtime is READY (or, with fail=False, any terminal status)."""
        terminal = TERMINAL_OK | TERMINAL_FAILED
        runtime = wait_for(
            lambda: client.get_runtime(runtime_id),
            lambda r: r.get("status") in terminal,
            timeout=timeout,
            what=what,
            describe=_describe,
        )
        if fail and runtime.get("status") in TERMINAL_FAILED:
            raise ResourceFailed(f"runtime {runtime.get('agentRuntimeName')} ({runtime_id}) is {_describe(runtime)}")
        return runtime

    @staticmethod
    def _gone(client: AgentRunClient, runtime_id: str, timeout: float) -> None:
        def fetch() -> dict[str, Any] | None:
            try:
                return client.get_runtime(runtime_id)
            except NotFoundError:
                return None

        last = wait_for(
            fetch,
            lambda r: r is None or r.get("status") == "DELETE_FAILED",
            timeout=timeout,
            what=f"runtime {runtime_id} to be deleted",
            describe=lambda r: _describe(r or {}),
        )
        if last is not None:
            raise ResourceFailed(f"runtime {runtime_id} could not be deleted: {_describe(last)}")
