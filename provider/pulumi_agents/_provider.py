"""What every dynamic provider here shares: stack config, schema checks, outputs, clean errors."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar, cast

import pulumi.dynamic

from pulumi_agents import _config
from pulumi_agents._diff import Changes, changes, managed_view
from pulumi_agents._fields import fields
from pulumi_agents._schema import resource_types
from pulumi_agents._validate import validate
from pulumi_agents.errors import PulumiAgentsError

F = TypeVar("F", bound=Callable[..., Any])

# Stack config captured by `configure` in the provider host process. It lives here, not on
# the provider object, which is pickled into the state.
_config_values: dict[str, Any] = {}
_config_lock = threading.Lock()


def stack_config() -> Mapping[str, Any]:
    with _config_lock:
        return dict(_config_values)


class ProviderError(Exception):
    """What the engine shows when an operation fails: the message, without our call stack."""


def clean_errors(method: F) -> F:
    """Turn our own errors into one-line ProviderErrors (raised from here, so the traceback
    the dynamic provider host prints stays short and ends with the clear message)."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except PulumiAgentsError as exc:
            message = str(exc)
        raise ProviderError(message)

    return cast(F, wrapper)


class SchemaProvider(pulumi.dynamic.ResourceProvider):
    """A dynamic provider for the schema.json resource definition ``type_name``.

    It keeps nothing on itself (it is pickled into the state): configure stores the stack config
    of its package in this process, and each call builds what it needs from that.
    """

    type_name: ClassVar[str]

    def configure(self, req: pulumi.dynamic.ConfigureRequest) -> None:
        package = resource_types()[self.type_name]
        with _config_lock:
            for key in _config.keys(package):
                value = req.config.get(key)
                if value is not None:
                    _config_values[key] = value

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        """Validate inputs against schema.json; unknown (preview) values are skipped."""
        spec = fields(self.type_name)
        inputs = spec.coerced({k: v for k, v in news.items() if v is not None})
        document = {k: v for k, v in inputs.items() if k != "__provider" and k not in spec.outputs}
        failures = [pulumi.dynamic.CheckFailure(f.property, f.reason) for f in validate(self.type_name, document)]
        failures += [
            pulumi.dynamic.CheckFailure(spec.wire_to_python.get(k, k), "is an output and cannot be set")
            for k in inputs
            if k in spec.outputs
        ]
        return pulumi.dynamic.CheckResult(inputs, failures)

    def changes(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Changes:
        return changes(self.type_name, olds, news)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        found = self.changes(olds, news)
        return pulumi.dynamic.DiffResult(
            changes=bool(found), replaces=list(found.replaces), delete_before_replace=found.delete_before_replace
        )

    def outputs(self, inputs: Mapping[str, Any], remote: Mapping[str, Any]) -> dict[str, Any]:
        """A resource's outputs: the user's fields as the API reports them (``remote``), the API's
        own output fields, and the provider options as given."""
        spec = fields(self.type_name)
        outs = managed_view(self.type_name, remote, spec.wire_inputs(inputs))
        outs.update({k: remote[k] for k in spec.outputs if k in remote})
        outs.update({k: v for k, v in spec.managed(inputs).items() if k in spec.options})
        return outs

    def read_result(self, id_: str, inputs: Mapping[str, Any], remote: Mapping[str, Any]) -> pulumi.dynamic.ReadResult:
        """What refresh records: the outputs, and as inputs the same minus the API's output fields,
        so the next diff compares against what the service holds."""
        outs = self.outputs(inputs, remote)
        return pulumi.dynamic.ReadResult(
            id_, outs, {k: v for k, v in outs.items() if k not in fields(self.type_name).outputs}
        )
