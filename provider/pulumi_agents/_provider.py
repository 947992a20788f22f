"""What every dynamic provider here shares: schema checks, stack config, clean errors."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import pulumi.dynamic

from pulumi_agents import _schema
from pulumi_agents._diff import managed_view
from pulumi_agents._fields import fields
from pulumi_agents.errors import PulumiAgentsError

F = TypeVar("F", bound=Callable[..., Any])

# Stack config captured by `configure` in the provider host process. It lives here, not on
# the provider object, which is pickled into the state.
_config: dict[str, Any] = {}
_config_lock = threading.Lock()


def remember_config(config: pulumi.dynamic.Config, keys: list[str]) -> None:
    with _config_lock:
        for key in keys:
            value = config.get(key)
            if value is not None:
                _config[key] = value


def stack_config() -> Mapping[str, Any]:
    with _config_lock:
        return dict(_config)


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


def check(type_name: str, news: Mapping[str, Any]) -> pulumi.dynamic.CheckResult:
    """Validate inputs against schema.json; unknown (preview) values are skipped."""
    spec = fields(type_name)
    inputs = spec.coerced({k: v for k, v in news.items() if v is not None})
    document = {k: v for k, v in inputs.items() if k != "__provider"}
    failures = [
        pulumi.dynamic.CheckFailure(f.path, f.reason)
        for f in _schema.validate(type_name, {k: v for k, v in document.items() if k not in spec.outputs})
    ]
    failures += [
        pulumi.dynamic.CheckFailure(k, "is an output and cannot be set") for k in document if k in spec.outputs
    ]
    return pulumi.dynamic.CheckResult(inputs, failures)


def outputs(type_name: str, inputs: Mapping[str, Any], remote: Mapping[str, Any]) -> dict[str, Any]:
    """A resource's outputs: the user's fields as the API reports them (``remote``), the API's
    own output fields, and the provider options as given."""
    spec = fields(type_name)
    outs = managed_view(type_name, remote, spec.wire_inputs(inputs))
    outs.update({k: remote[k] for k in spec.outputs if k in remote})
    outs.update({k: inputs[k] for k in spec.options if inputs.get(k) is not None})
    return outs


def read_result(
    type_name: str, id_: str, inputs: Mapping[str, Any], remote: Mapping[str, Any]
) -> pulumi.dynamic.ReadResult:
    """What refresh records: the outputs, and as inputs the same minus the API's output fields,
    so the next diff compares against what the service holds."""
    outs = outputs(type_name, inputs, remote)
    return pulumi.dynamic.ReadResult(id_, outs, {k: v for k, v in outs.items() if k not in fields(type_name).outputs})
