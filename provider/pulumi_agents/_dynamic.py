"""The dynamic-provider adapter: ``pulumi.dynamic`` calls in, a ``Service`` does the work.

Nothing that holds state or secrets lives on the provider object (dill pickles it into the
state): ``configure`` keeps the stack config of its package in this process, and every call
builds its service from that.

Secrets: a dynamic provider host declares that it does not accept secrets, so its calls get
plain values; but the engine keeps the secret marks of what it answers. Each value schema.json
marks ``x-secret`` is answered wrapped as a secret where it stands (a registry password inside
``containerConfiguration``), so the state and a preview hide that leaf and nothing around it.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

import grpc
import pulumi.dynamic
from pulumi.runtime.rpc import is_rpc_secret, wrap_rpc_secret

from pulumi_agents._lazy import skip_httpx_cli
from pulumi_agents._schema import resource_types
from pulumi_agents._tree import mark_secrets, tree
from pulumi_agents.errors import AuthenticationError, PulumiAgentsError

if TYPE_CHECKING:
    from pulumi_agents._service import Service

F = TypeVar("F", bound=Callable[..., Any])

_config_values: dict[str, Any] = {}
_config_lock = threading.Lock()
# Set by the first check: the program ran, so the engine configured this process with the stack
# config of now. Without it (a refresh, a destroy), the settings may be those the last update
# stored, and a refusal says how to use the ones of now.
_program_ran = threading.Event()
STORED_SETTINGS = (
    "with dynamic resources, `pulumi refresh` and `pulumi destroy` without --run-program use the provider settings "
    "stored by the last update: if the credentials changed in stack config since, add it (or run `pulumi up` first)"
)


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
            if isinstance(exc, AuthenticationError) and not _program_ran.is_set():
                exc.advice = STORED_SETTINGS
            message = str(exc)
        _fail_call(message)
        raise ProviderError(message)

    return cast(F, wrapper)


def _fail_call(message: str) -> None:
    """Fail the gRPC call being served with ``message`` as its whole text. Raised as an exception,
    it would reach the user as "Exception calling application: <message>" (the gRPC server's
    words). The dynamic provider host hands our methods no gRPC context, so it is looked up in the
    calling frames (the host's ``Create(self, request, context)``); without one (a direct call),
    nothing happens and the caller raises."""
    frame = sys._getframe(1)
    while frame is not None:
        context = frame.f_locals.get("context")
        if isinstance(context, grpc.ServicerContext):
            context.abort(grpc.StatusCode.UNKNOWN, message)  # raises
        frame = frame.f_back  # type: ignore[assignment]


def revealed(value: Any) -> Any:
    """A value of the host's properties without its secret marks (which it may have moved up a
    level: a map holding a secret comes as a secret map), to compare with what a read found."""
    if is_rpc_secret(value):
        return revealed(value["value"])
    if isinstance(value, dict):
        return {k: revealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [revealed(v) for v in value]
    return value


@functools.cache
def _internal(type_name: str) -> frozenset[str]:
    from pulumi_agents._fields import fields

    spec = fields(type_name)
    return frozenset(w for w in spec.options if spec.node(w).internal)


class DynamicProvider(pulumi.dynamic.ResourceProvider):
    """Serves the service of schema.json's definition ``type_name`` as a dynamic provider.

    The service (and with it the HTTP client, the diff and the validator) is imported only where
    a call needs it, in the provider host: the Pulumi program, which only registers resources with
    this provider (dill pickles it by reference), never loads it.
    """

    type_name: ClassVar[str]
    # The pickled provider holds only its module and class names (tests/test_agentrun_grpc.py
    # checks it): Pulumi's documented switch keeps it out of the secrets provider, which would
    # otherwise encrypt it in the inputs and again in the outputs of every resource.
    serialize_as_secret_always = False

    # -- internal options (a runtime's ownerSeed): "__"-prefixed on the engine's side ------------
    # The program registers them as ``__ownerSeed``: the engine shows no ``__`` key in a diff or
    # a preview, so the resource's identity in its stack stays out of what a reviewer reads. The
    # service knows them by their wire names. A state written before keeps the plain name, which
    # is answered back as it came (a refresh of such a stack finds nothing changed).

    def _internal(self) -> frozenset[str]:
        return _internal(self.type_name)

    def _inward(self, props: Mapping[str, Any]) -> dict[str, Any]:
        internal = self._internal()
        return {k[2:] if k.startswith("__") and k[2:] in internal else k: v for k, v in props.items()}

    def _outward(self, values: Mapping[str, Any], like: Mapping[str, Any]) -> dict[str, Any]:
        internal = self._internal()
        return {f"__{k}" if k in internal and f"__{k}" in like else k: v for k, v in values.items()}

    def _service(self) -> Service:
        from pulumi_agents._service import service_class

        return service_class(self.type_name)(stack_config())

    def _secret_leaves(self, values: Mapping[str, Any]) -> dict[str, Any]:
        root = tree(self.type_name)
        return {k: mark_secrets(v, root.child(k), wrap_rpc_secret) for k, v in values.items()}

    def configure(self, req: pulumi.dynamic.ConfigureRequest) -> None:
        # The provider host calls this before any operation, and only there: the program never does.
        skip_httpx_cli()
        from pulumi_agents import _config

        with _config_lock:
            for key in _config.keys(resource_types()[self.type_name]):
                value = req.config.get(key)
                if value is not None:
                    _config_values[key] = value

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        from pulumi_agents import _credentials

        _program_ran.set()
        inputs, failures = self._service().check(self._inward(news), self._inward(olds))
        said = [f.message() for f in failures]
        refused = _credentials.failure(resource_types()[self.type_name], stack_config())
        return pulumi.dynamic.CheckResult(
            self._outward(inputs, news), [pulumi.dynamic.CheckFailure("", s) for s in [*said, refused] if s]
        )

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        found = self._service().diff(id_, self._inward(olds), self._inward(news))
        return pulumi.dynamic.DiffResult(
            changes=bool(found), replaces=list(found.replaces), delete_before_replace=found.delete_before_replace
        )

    @clean_errors
    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        created = self._service().create(self._inward(props))
        return pulumi.dynamic.CreateResult(created.id, self._secret_leaves(self._outward(created.outs, props)))

    @clean_errors
    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        from pulumi_agents._service import unchanged

        olds = self._inward(props)
        found = self._service().read(id_, olds)
        if not found.id:
            return pulumi.dynamic.ReadResult("", {})
        outs = self._secret_leaves(self._outward(found.outs, props))
        held = {k: revealed(v) for k, v in olds.items() if k != "__provider"}
        # The host refuses secrets (its Configure says so), so the engine sends the state without
        # its marks: only the values can be compared here.
        if unchanged(self.type_name, found, held, None):  # the engine keeps its inputs
            return pulumi.dynamic.ReadResult(found.id, outs)
        return pulumi.dynamic.ReadResult(found.id, outs, self._secret_leaves(self._outward(found.inputs, props)))

    @clean_errors
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        outs = self._service().update(id_, self._inward(olds), self._inward(news))
        return pulumi.dynamic.UpdateResult(self._secret_leaves(self._outward(outs, news)))

    @clean_errors
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._service().delete(id_, self._inward(props))
