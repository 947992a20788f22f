"""One life cycle for every kind served over an API, read from its ``x-api`` facts (``_api``).

- **create** sends the inputs once; after a lost answer (a timeout, a 5xx) or a name already
  taken, it looks for what it made by the kind's own handle (``x-api.adopt``) before creating
  again, and adopts that (brought to today's inputs) or refuses with the import command. It then
  waits for the kind's ready status; a failed one is deleted (it is not in the state), and a wait
  that runs out records the id, so the next ``up`` waits again instead of creating another.
- **read** answers "gone" for a 404 or a resource being deleted.
- **update** reads the resource first and sends nothing when the service already holds the
  change (a run killed after its update was sent, or whose answer was lost, left the old inputs
  in the state): an update is applied at most once, across runs too. Within a run a lost answer
  is resolved the same way, never by sending blindly again.
- **delete** waits until the resource is gone, with 404 as done; ``destroy: forget`` sends
  nothing and ``destroy: {"option": ...}`` lets the resource's option pick the operation.

A service subclass overrides only what its API does differently, through the hooks below
(``create_body``, ``update_body``, ``update_query``, ``owns``, ``refused``, ``view``, ...).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_agents._api import Api, api
from pulumi_agents._diff import Changes, removal_matters, update_body
from pulumi_agents._fields import fields
from pulumi_agents._requests import Client, Doc, idempotency_key, pages
from pulumi_agents._service import GONE, Created, Found, Service
from pulumi_agents._wait import wait_for
from pulumi_agents.errors import (
    ApiError,
    BusyError,
    ConflictError,
    NotFoundError,
    PartialFailure,
    PulumiAgentsError,
    ResourceFailed,
    TransportError,
    WaitTimeout,
)

log = logging.getLogger("pulumi_agents")

Fetch = Callable[[], Doc]
DEFAULT_TIMEOUT = 900.0


def import_command(token: str, resource: str, resource_id: str) -> str:
    """The ``pulumi import`` command that adopts a resource, as it runs when copied: ``--yes``
    (no prompt in a pipeline), ``--generate-code=false`` (a minimal language host generates no
    code, and the program declares the resource already) and ``--protect=false`` (imports are
    protected by default, so a later destroy or replace would be refused)."""
    return f"pulumi import {token} {resource} {resource_id} --yes --generate-code=false --protect=false"


class ApiService(Service):
    """A kind of schema.json served by the generic life cycle."""

    service_name: str = ""  # the vendor's service in messages ("AgentRun")

    @property
    def api(self) -> Api:
        found = api(self.type_name)
        if found is None:
            raise TypeError(f"schema.json: {self.type_name} has no x-api block")
        return found

    def _client(self) -> Client:
        raise NotImplementedError

    # -- hooks: what a kind's API does differently ----------------------------------------------

    def create_body(self, props: Mapping[str, Any]) -> Doc:
        """What a create sends: the inputs, less those that go in the path (a parent's id)."""
        body = fields(self.type_name).wire_inputs(props)
        for parent in self.api.parents:
            body.pop(parent, None)
        return body

    def update_body(self, olds: Mapping[str, Any], news: Mapping[str, Any], changes: Changes) -> Doc:
        """What an update sends: the changed inputs (and what clears the removed ones)."""
        body = update_body(self.type_name, olds, news, changes)
        for parent in self.api.parents:
            body.pop(parent, None)
        if self.api.update == "whole":
            body = {**self.create_body(news), **body}
        return body

    def owns(self, client: Client, ids: Mapping[str, Any], remote: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
        """Whether ``remote``, found by name after a lost answer or a conflict, is the one this
        resource made. By default (``adopt: same-inputs``, a kind with no place for a mark) only
        when it holds exactly what was sent."""
        return not self.changes(self.outputs(props, remote), props)

    def update_query(
        self, ids: Mapping[str, Any], olds: Mapping[str, Any], news: Mapping[str, Any], body: Mapping[str, Any]
    ) -> dict[str, str]:
        """The query an update from ``olds`` sends with ``body``. Where the update operation has a
        ``token`` (an idempotency parameter), one derived from the resource, the inputs it changes
        from and the body: a resend after a lost answer (in this run or the next, whose state still
        holds the old inputs) is the same request, applied once; going back to earlier inputs is a
        new one."""
        token = self.api.operation("update").token
        if token is None:
            return {}
        before = fields(self.type_name).wire_inputs(olds)
        return {token: idempotency_key(self.seed(news), self.api.resource_id(ids), before, dict(body))}

    def finish(
        self,
        client: Client,
        ids: Mapping[str, Any],
        olds: Mapping[str, Any] | None,
        news: Mapping[str, Any],
        current: Doc,
    ) -> Doc:
        """What a kind does once a create (``olds`` None) or an update has settled, through an
        operation of its own (a template's MCP server); the resource as it is then."""
        return current

    def refused(self, client: Client, ids: Mapping[str, Any], exc: ApiError) -> ApiError:
        """The error for a delete the service refused (a kind may say what blocks it)."""
        return exc

    def what(self, props: Mapping[str, Any], ids: Mapping[str, Any] | None = None) -> str:
        """The resource in messages: ``runtime my-bot (ar-...)``."""
        name = props.get(self.api.name) if self.api.name else None
        rid = self.api.resource_id(ids) if ids and all(self.api.field_of(p) in ids for p in self.api.id_params) else ""
        shown = " ".join(str(x) for x in (name, f"({rid})" if rid else "") if x)
        return f"{self.api.noun} {shown}".strip()

    # -- plumbing the hooks share -----------------------------------------------------------------

    def _timeout(self, props: Mapping[str, Any]) -> float:
        spec = fields(self.type_name)
        if "waitTimeoutSeconds" in spec.options:
            return float(spec.value(props, "waitTimeoutSeconds"))
        return DEFAULT_TIMEOUT

    def _get(self, client: Client, ids: Mapping[str, Any]) -> Doc:
        return client.request(self.api.operation("read"), self.api.path("read", ids))

    def _fetch(self, client: Client, ids: Mapping[str, Any]) -> Fetch:
        return lambda: self._get(client, ids)

    def _ids(self, id_: str) -> dict[str, str]:
        try:
            return self.api.parse_id(id_)
        except ValueError as exc:
            raise ResourceFailed(str(exc)) from None

    def settle(self, fetch: Fetch, timeout: float, what: str, *, fail: bool = True) -> Doc:
        """The resource once it has settled: its ready status (or with fail=False any final one);
        a kind with no status has settled when it answers."""
        status = self.api.status
        if status is None:
            return fetch()
        found = wait_for(
            fetch,
            lambda r: r.get(status.field) in status.ready | status.failed,
            timeout=timeout,
            what=f"{what} to be {'/'.join(sorted(status.ready))}",
            describe=status.describe,
        )
        if fail and found.get(status.field) in status.failed:
            raise ResourceFailed(f"{what} is {status.describe(found)}")
        return found

    def gone(self, fetch: Fetch, timeout: float, what: str) -> None:
        """Wait until ``fetch()`` answers 404; a failed status (DELETE_FAILED) fails with its reason."""
        status = self.api.status

        def current() -> Doc | None:
            try:
                return fetch()
            except NotFoundError:
                return None

        last = wait_for(
            current,
            lambda r: r is None or (status is not None and r.get(status.field) in status.failed),
            timeout=timeout,
            what=f"{what} to be deleted",
            describe=lambda r: status.describe(r or {}) if status else "still there",
        )
        if last is not None:
            raise ResourceFailed(f"{what} could not be deleted: {status.describe(last) if status else last}")

    def deleting(self, remote: Mapping[str, Any]) -> bool:
        status = self.api.status
        return status is not None and remote.get(status.field) in status.deleting

    def still_settling(
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

    def remove_failed(self, client: Client, ids: Mapping[str, Any], timeout: float, what: str) -> str:
        """Delete what a failed create left (it is not in the state); say what happened."""
        try:
            client.request(self.api.operation("delete"), self.api.path("delete", ids))
            self.gone(self._fetch(client, ids), timeout, what)
        except Exception as exc:  # report, do not mask the original failure
            return f"the failed {what} could not be deleted ({exc}): delete it by hand"
        return f"the failed {what} was deleted"

    def pending(self, props: Mapping[str, Any], remote: Mapping[str, Any], olds: Mapping[str, Any]) -> Changes:
        """What of the change from ``olds`` to ``props`` the service (``remote``) does not hold yet:
        all of it, or nothing.

        An update is one request, applied whole or not at all. So the change is held when every
        field of it that can be seen is as the program wants it: a field set, as the service
        reports it (keys it does not echo count as not held); a field removed, reported empty or
        not at all. Fields that cannot be seen are left out of that comparison: those the service
        does not report, and those with a write-only part (a password it masks). A change with
        nothing to see is outstanding.
        """
        spec = fields(self.type_name)
        wanted = self.changes(olds, props)
        view = self.view(remote)
        seen = [k for k in wanted.changed if k in view and not spec.node(k).has_write_only]
        removed = [k for k in wanted.removed if not spec.node(k).has_write_only]
        if not seen and not removed:
            return wanted
        # The service's values as they are, not filled in from the program (as outputs() does).
        reported = self.changes({k: view[k] for k in seen}, props)
        if any(k in reported.changed for k in seen) or any(
            k in view and removal_matters(spec.node(k), view[k]) for k in removed
        ):
            return wanted
        return Changes((), (), wanted.replaces, wanted.delete_before_replace)

    def listed(self, client: Client, ids: Mapping[str, Any], name: str) -> list[Doc]:
        """The resources named ``name`` (exactly), under the same parent."""
        api_ = self.api
        query = {k: v.replace("{name}", name) for k, v in (api_.listing.get("byName") or {}).items()}
        found = pages(client, api_.operation("list"), api_.path("list", ids), api_.listing, query)
        return [d for d in found if d.get(api_.name or "") == name]

    # -- lookup (a Pulumi function of the plugin) ---------------------------------------------------

    def lookup(self, args: Mapping[str, Any]) -> Found:
        """The one resource of this kind with the name ``args`` gives (under the parents it gives),
        read as an import reads it."""
        api_, spec = self.api, fields(self.type_name)
        for key in api_.lookup:
            if not isinstance(args.get(key), str) or not args[key]:
                raise PulumiAgentsError(f"{spec.wire_to_python.get(key, key)} is required: the {key} to look up")
        name = args[api_.name or ""]
        parents = {p: args[p] for p in api_.parents}
        with self._client() as client:
            found = self.listed(client, parents, name)
        under = f" in {', '.join(parents.values())}" if parents else ""
        if not found:
            raise PulumiAgentsError(f"no {api_.noun} is named {name!r}{under}")
        if len(found) > 1:
            ids = ", ".join(api_.resource_id({**parents, **d}) for d in found)
            raise PulumiAgentsError(
                f"{len(found)} {api_.noun}s are named {name!r}{under} ({ids}): import one by its id"
            )
        result = self.read(api_.resource_id({**parents, **found[0]}), {})
        if not result.id:
            raise PulumiAgentsError(f"the {api_.noun} named {name!r}{under} is being deleted")
        return result

    # -- create ----------------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> Created:
        api_, body = self.api, self.create_body(props)
        parents = {p: props[p] for p in api_.parents}
        timeout = self._timeout(props)
        what = self.what(props)
        with self._client() as client:
            created, adopted = self.create_once(client, parents, body, props, timeout)
            ids = {**parents, **created}
            resource_id = api_.resource_id(ids)
            what = self.what(props, ids)
            try:
                current = self.settle(self._fetch(client, ids), timeout, what)
                if adopted:  # made from the inputs of its time: bring it to today's
                    current = self.converge(client, ids, props, current, timeout, what)
                current = self.finish(client, ids, None, props, current)
            except ResourceFailed as failed:
                raise ResourceFailed(f"{failed}; {self.remove_failed(client, ids, timeout, what)}") from None
            except WaitTimeout as slow:
                raise self.still_settling(slow, resource_id, props, created) from None
            except (ApiError, TransportError) as lost:
                # It exists: record it, so that the next `pulumi up` reads it instead of making another.
                raise PartialFailure(
                    f"{lost}; {what} exists as {resource_id}: run `pulumi up` again to finish",
                    resource_id,
                    self.outputs(props, {**parents, **created}),
                ) from None
        return Created(resource_id, self.outputs(props, {**parents, **current}))

    def create_once(
        self,
        client: Client,
        parents: Mapping[str, Any],
        body: Mapping[str, Any],
        props: Mapping[str, Any],
        timeout: float,
    ) -> tuple[Doc, bool]:
        """Create exactly one, and say whether it was adopted. After a lost answer (timeout, 5xx),
        or when the name is taken, ``claim`` decides: the one this resource made earlier (adopted),
        None when the name is free (after a delete in progress has finished), or an error when
        someone else holds it."""
        from pulumi_agents._http import RetryPolicy  # httpx: loaded for writes, never for check or diff

        op, policy = self.api.operation("create"), RetryPolicy()
        # A version has no name to find it by: what is new since this create began is what it made.
        before = self.published(client, parents) if self.api.adopt == "published-since" else None

        def send() -> Doc:
            return client.request(op, self.api.path("create", parents), body=body, idempotent=False)

        # A create that failed or whose answer was lost is looked up before it is sent again, as
        # often as the retry policy allows: one resend only would leave half of the creates of a
        # storm with half the writes failing to the next run.
        for attempt in range(policy.attempts):
            try:
                return send(), False
            except (TransportError, ApiError) as exc:
                if isinstance(exc, ApiError) and exc.status < 500 and not isinstance(exc, ConflictError):
                    raise
                log.warning("create of %s: %s; looking for what it made", self.what(props), exc)
                if before is not None:
                    claimed = self.published_since(client, parents, before, body)
                else:
                    claimed = self.claim(client, parents, props, timeout, taken=isinstance(exc, ConflictError))
                if claimed is not None:
                    return claimed, True
                if attempt == policy.attempts - 1:
                    raise
            time.sleep(policy.delay(attempt, None))
        raise AssertionError("unreachable")

    def _versions(self, client: Client, parents: Mapping[str, Any]) -> tuple[str, list[Doc]]:
        """The versions published under ``parents`` (``adopt: published-since``), and the field
        that numbers them: the last id field (a runtime's ``agentRuntimeVersion``, a flow's
        ``flowVersion``)."""
        field = self.api.field_of(self.api.id_params[-1])
        return field, pages(client, self.api.operation("list"), self.api.path("list", parents), self.api.listing, {})

    def published(self, client: Client, parents: Mapping[str, Any]) -> set[str]:
        """The numbers of the versions published under ``parents`` so far."""
        field, listed = self._versions(client, parents)
        return {str(v.get(field)) for v in listed}

    def published_since(
        self, client: Client, parents: Mapping[str, Any], before: set[str], body: Mapping[str, Any]
    ) -> Doc | None:
        """The newest version published since ``before`` that matches what was sent, on the
        fields a listed version has: the API never returns some of what it takes (a runtime
        version's ``publisher``)."""
        field, listed = self._versions(client, parents)
        new = [v for v in listed if str(v.get(field)) not in before and all(v[k] == body[k] for k in body if k in v)]
        return max(new, key=lambda v: int(v[field])) if new else None

    def claim(
        self, client: Client, parents: Mapping[str, Any], props: Mapping[str, Any], timeout: float, *, taken: bool
    ) -> Doc | None:
        """The resource of this name that this resource made (adopted), None if there is none (a
        delete in progress is waited out); any other of that name is refused when the name is
        taken (``taken``: the service said so; names that need not be unique are never refused)."""
        api_ = self.api
        name = str(props.get(api_.name or "", ""))
        if not name:
            return None
        candidates: list[Doc]
        if api_.name and api_.name in [api_.field_of(p) for p in api_.id_params]:  # addressed by name: read it
            candidates = [{**parents, api_.name: name}]
        elif "list" in api_.operations:
            candidates = self.listed(client, parents, name)
        else:
            return None
        for listed in candidates:
            ids = {**parents, **{api_.field_of(p): listed.get(api_.field_of(p)) for p in api_.id_params}}
            ids = {k: v for k, v in ids.items() if v is not None}
            try:
                remote = self._get(client, ids)
            except NotFoundError:
                continue
            if self.deleting(remote):
                self.gone(self._fetch(client, ids), timeout, self.what(props, ids))
                continue
            if self.owns(client, ids, remote, props):
                log.warning("adopting %s: this resource created it earlier", self.what(props, ids))
                return {**listed, **remote}
            if taken:
                raise self.not_ours(props, ids)
        return None

    def not_ours(self, props: Mapping[str, Any], ids: Mapping[str, Any]) -> ConflictError:
        api_ = self.api
        resource_id = api_.resource_id(ids)
        resource = self.seed(props).rpartition("/")[2] or "<resource name>"
        package = fields(self.type_name).root.schema.get("x-package")
        return ConflictError(
            self.service_name or api_.type_name,
            api_.operation("create").action,
            409,
            "AlreadyExists",
            f"{api_.a_noun} named {props.get(api_.name or '')!r} ({resource_id}) exists and this stack did not "
            f"create it: pick another {api_.name}, or adopt it with the provider plugin (pulumi_agents.plugin): "
            f"`{import_command(f'{package}:index:{self.type_name}', resource, resource_id)}`",
        )

    def converge(
        self, client: Client, ids: Mapping[str, Any], props: Mapping[str, Any], current: Doc, timeout: float, what: str
    ) -> Doc:
        """Bring an adopted resource, made from the inputs of its time, to today's."""
        if self.api.update == "none":
            return current
        changes = self.changes(self.outputs(props, current), props)
        body = self.update_body({}, props, changes)
        if not body:
            return current
        query = self.update_query(ids, {}, props, body) or None
        client.request(
            self.api.operation("update"), self.api.path("update", ids), body=body, query=query, idempotent=False
        )
        return self.settle(self._fetch(client, ids), timeout, what)

    # -- read ------------------------------------------------------------------------------------

    def read(self, id_: str, props: dict[str, Any]) -> Found:
        ids = self._ids(id_)
        with self._client() as client:
            try:
                remote = self._get(client, ids)
            except NotFoundError:
                return GONE
        if self.deleting(remote):
            return GONE
        return self.found(id_, props, {**ids, **remote})

    # -- update ----------------------------------------------------------------------------------

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        spec = fields(self.type_name)
        if self.api.update == "none":  # only provider options reach here: anything else replaces
            digests = {d: news[d] for _, d in spec.local.values() if d in news}  # a file adopted after an import
            return {**olds, **spec.managed(news), **digests}
        ids = self._ids(id_)
        olds = spec.coerced(olds)  # the engine sends every number as a float: version 1, not 1.0
        timeout = self._timeout(news)
        what = self.what(news, ids)
        with self._client() as client:
            fetch = self._fetch(client, ids)
            if self.update_body(olds, news, self.changes(olds, news)):
                # After any operation in flight has settled: does the service hold the change already?
                current = self.settle(fetch, timeout, what, fail=False)
                self.apply_once(client, ids, olds, news, current, timeout, what)
            try:
                current = self.settle(fetch, timeout, what)
            except WaitTimeout as slow:
                raise self.still_settling(slow, id_, news, {}) from None
            current = self.finish(client, ids, olds, news, current)
        return self.outputs(news, current)

    def apply_once(
        self,
        client: Client,
        ids: Mapping[str, Any],
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        current: Doc,
        timeout: float,
        what: str,
    ) -> None:
        """Send the part of the update the service does not hold yet, in effect once: when the
        answer is lost (timeout, 5xx) or meets an operation in flight (409), wait for the resource
        to settle and send again only if it still does not hold the change (as often as the retry
        policy allows)."""
        status = self.api.status
        failed = status is not None and current.get(status.field) in status.failed
        # A failed update may show the new values without having applied them: send it again.
        pending = self.changes(olds, news) if failed else self.pending(news, current, olds)
        if not pending:
            log.info("%s already holds the change: nothing sent", what)
            return
        from pulumi_agents._http import RetryPolicy  # httpx: loaded for writes, never for check or diff

        policy = RetryPolicy()
        body = self.update_body(olds, news, pending)
        query = self.update_query(ids, olds, news, body) or None  # the same on every resend
        for attempt in range(policy.attempts):
            try:
                self.send_update(client, ids, olds, news, body, query)
                return
            except (TransportError, ApiError) as exc:
                if isinstance(exc, ApiError) and exc.status < 500 and not isinstance(exc, BusyError):
                    raise
                log.warning("update of %s: %s; checking whether it applied", what, exc)
                current = self.settle(self._fetch(client, ids), timeout, what, fail=False)
                if not self.pending(news, current, olds):
                    return
                if attempt == policy.attempts - 1:
                    raise
            time.sleep(policy.delay(attempt, None))

    def send_update(
        self,
        client: Client,
        ids: Mapping[str, Any],
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        body: Mapping[str, Any],
        query: Mapping[str, str] | None,
    ) -> None:
        """One update request (a kind may add what its API takes: an idempotency key)."""
        op, path = self.api.operation("update"), self.api.path("update", ids)
        client.request(op, path, body=body, query=query, idempotent=False)

    # -- delete ----------------------------------------------------------------------------------

    def destroy_operation(self, props: Mapping[str, Any]) -> str | None:
        """The operation destroy sends: delete, the one x-api names where the API has no delete
        (archive), another the resource's option names, or None (forget)."""
        destroy = self.api.destroy
        if destroy == "forget":
            return None
        if isinstance(destroy, Mapping):
            return str(fields(self.type_name).value(props, destroy["option"]))
        return destroy

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        operation = self.destroy_operation(props)
        if operation is None:
            log.info("forgetting %s %s: the API has no delete for it", self.api.noun, id_)
            return
        ids = self._ids(id_)
        timeout = self._timeout(props)
        what = self.what(props, ids)
        op, path = self.api.operation(operation), self.api.path(operation, ids)
        with self._client() as client:
            fetch = self._fetch(client, ids)
            try:
                client.request(op, path)
            except NotFoundError:
                return
            except BusyError:
                # Still creating or updating (or already deleting): wait, then delete if it is still there.
                try:
                    current = self.settle(fetch, timeout, what, fail=False)
                except NotFoundError:
                    return
                if not self.deleting(current):
                    try:
                        client.request(op, path)
                    except NotFoundError:
                        return
            except ApiError as exc:
                raise self.refused(client, ids, exc) from None
            if operation == "delete":
                self.gone(fetch, timeout, what)
