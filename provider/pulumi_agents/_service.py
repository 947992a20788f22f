"""The service logic of a resource, written once and served by both Pulumi adapters.

A ``Service`` does check, diff, create, read, update and delete over plain dicts in wire names,
with the provider configuration it was built with. The dynamic adapter (``_dynamic``) and the
provider plugin (``_plugin``) only translate the engine's requests into these calls and the
results back; neither holds any service logic.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar

from pulumi_agents._diff import Changes, changes, managed_view
from pulumi_agents._fields import fields
from pulumi_agents._schema import resource_types
from pulumi_agents._tree import alike, contains_unknown, secret_paths, tree
from pulumi_agents._validate import validate


@cache
def service_class(type_name: str) -> type[Service]:
    """The Service of a schema.json resource, ``pulumi_agents.<package>.service.<Type>Service``,
    imported on first use (it brings the service's HTTP client)."""
    module = importlib.import_module(f"pulumi_agents.{resource_types()[type_name]}.service")
    cls: type[Service] = getattr(module, f"{type_name}Service")
    return cls


@dataclass(frozen=True)
class Created:
    id: str
    outs: dict[str, Any]


@dataclass(frozen=True)
class Found:
    """What a read found: ``id`` is "" when the resource is gone."""

    id: str
    outs: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)


GONE = Found("")


def unchanged(
    type_name: str, found: Found, olds: Mapping[str, Any], marked: Collection[tuple[str | int, ...]] | None
) -> bool:
    """A read found what the state holds: ``olds``, its outputs as plain data, with a secret mark
    at each path of ``marked`` (None: the marks are not known, and the values alone count). Then
    the front door answers no inputs, and the engine keeps those it has, as Pulumi's Read allows:
    a drift check of an unchanged stack (the common case) does not marshal, send and store every
    resource's inputs a second time. Anything changed, and the inputs are what the service holds;
    so too when a secret the schema marks is unmarked in the state (written before the field was
    one), so that the refresh marks it in the inputs too. A null is no value, as the engine has it
    (a dynamic resource's state keeps empty outputs as null)."""
    if not found.id or not alike(_set(found.outs), _set(olds)):
        return False
    if marked is None:
        return True
    root = tree(type_name)
    return all(
        any(path[:depth] in marked for depth in range(1, len(path) + 1))
        for key, value in found.outs.items()
        for path in secret_paths(value, root.child(key), (key,))
    )


def _set(value: Any) -> Any:
    """``value`` without its null entries, at any depth."""
    if isinstance(value, Mapping):
        return {k: _set(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_set(v) for v in value]
    return value


@dataclass(frozen=True)
class CheckFailure:
    property: str  # as the program wrote it, the wire name in brackets where it differs
    reason: str
    value: str = ""  # the value that breaks the rule, cut to a readable length

    def message(self) -> str:
        """The failure in one line, as both front doors hand it to the engine: the engine's own
        form (``property X value {V}``) looks only at top-level keys, so a nested path showed
        ``{<nil>}`` and a top-level value was printed whole, however long."""
        said = f"{self.property}: {self.reason}" if self.property else self.reason
        return f"{said} (the value: {self.value})" if self.value else said


class Service:
    """One resource type of schema.json, against its service's API."""

    type_name: ClassVar[str]

    def __init__(self, config: Mapping[str, Any], *, urn: str | None = None) -> None:
        self.config = config  # stack config of the package: "agentrun:region" -> value
        self.urn = urn  # the resource's URN, when the engine gives it (provider plugins)

    def seed(self, props: Mapping[str, Any]) -> str:
        """This resource's identity in its stack: the x-seed option the dynamic resource sets
        ({organization}/{project}/{stack}/{name}), else {project}/{stack}/{name} from the URN."""
        spec = fields(self.type_name)
        for wire in spec.options:
            if spec.node(wire).schema.get("x-seed") and props.get(wire):
                return str(props[wire])
        if self.urn and self.urn.count("::") >= 3:
            stack_part, project, _type, name = self.urn.split("::", 3)
            return f"{project}/{stack_part.rsplit(':', 1)[-1]}/{name.rsplit('::', 1)[-1]}"
        return self.urn or ""

    # -- check and diff: no writes ---------------------------------------------------------------

    def check(
        self, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], list[CheckFailure]]:
        """Inputs with integers restored, and every rule they break (unknown values skipped).

        ``olds`` are the inputs in the state: those this check returned when they were set, or
        those a refresh or an import read from the service that holds them. Inputs the same as
        those are not checked again, so a preview of an unchanged stack (the common case) loads
        no validator at all; a change of any field checks them all.
        """
        spec = fields(self.type_name)
        digests = {d for _, d in spec.local.values()}
        inputs = spec.coerced({k: v for k, v in news.items() if v is not None and k not in digests})
        unreadable = self.digest_local_files(inputs)
        if olds and alike(inputs, olds):
            return inputs, []
        return inputs, [*self.failures({k: v for k, v in inputs.items() if k not in digests}), *unreadable]

    def digest_local_files(self, inputs: dict[str, Any]) -> list[CheckFailure]:
        """The digest of each field's local files (``x-local-files``), set in ``inputs`` under its
        ``x-digest`` output: the state keeps it, never the content, and a preview compares it. A
        path not known yet (an output) has none; one that cannot be read is a failure naming it."""
        from pulumi_agents._local import LocalFilesError, read

        spec, failures = fields(self.type_name), []
        for wire, (kind, digest) in spec.local.items():
            path = inputs.get(wire)
            if not path or not isinstance(path, str | Mapping) or contains_unknown(path):
                continue
            try:
                inputs[digest] = read(kind, path).sha256
            except LocalFilesError as exc:
                failures.append(CheckFailure(spec.wire_to_python.get(wire, wire), str(exc)))
        return failures

    def failures(self, inputs: Mapping[str, Any]) -> list[CheckFailure]:
        """Every rule that ``inputs`` (coerced) break; a service may add its own."""
        spec = fields(self.type_name)
        document = {k: v for k, v in inputs.items() if k != "__provider" and k not in spec.outputs}
        failures = [CheckFailure(f.property, f.reason, f.value) for f in validate(self.type_name, document)]
        failures += [
            CheckFailure(spec.wire_to_python.get(k, k), "is an output and cannot be set")
            for k in inputs
            if k in spec.outputs
        ]
        return failures

    def changes(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Changes:
        """What ``news`` changes against ``olds`` (the old outputs)."""
        return changes(self.type_name, olds, news)

    def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Changes:
        """What the engine is told: by default the changes; a service may add what it knows."""
        return self.changes(olds, news)

    # -- results -------------------------------------------------------------------------------

    def view(self, remote: Mapping[str, Any]) -> Mapping[str, Any]:
        """The resource as the API reports it, in the program's terms (a service may move or hide
        what its API reports differently from what it takes)."""
        return remote

    def outputs(self, inputs: Mapping[str, Any], remote: Mapping[str, Any]) -> dict[str, Any]:
        """A resource's outputs: the user's fields as the API reports them (``remote``), the API's
        own output fields, and the provider options as given."""
        spec = fields(self.type_name)
        remote = self.view(remote)
        outs = managed_view(self.type_name, remote, spec.wire_inputs(inputs))
        outs.update({k: remote[k] for k in spec.outputs if k in remote})
        outs.update({k: v for k, v in spec.managed(inputs).items() if k in spec.options})
        outs.update({d: inputs[d] for _, d in spec.local.values() if d in inputs})  # the provider's own record
        return outs

    def found(self, id_: str, inputs: Mapping[str, Any], remote: Mapping[str, Any]) -> Found:
        """What a read records: the outputs, and as inputs the same minus the API's output fields,
        so the next diff compares against what the service holds. With no inputs (an import),
        the inputs are the fields the service reports, less those at their empty or default value."""
        spec = fields(self.type_name)
        if not spec.managed(inputs):
            inputs = spec.imported(self.view(remote))
        outs = self.outputs(inputs, remote)
        return Found(id_, outs, {k: v for k, v in outs.items() if k not in spec.outputs})

    # -- the operations, one per service ---------------------------------------------------------

    def create(self, props: dict[str, Any]) -> Created:
        raise NotImplementedError

    def read(self, id_: str, props: dict[str, Any]) -> Found:
        raise NotImplementedError

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        raise NotImplementedError
