"""The provider-plugin adapter: the engine's gRPC calls in, a ``Service`` does the work.

One plugin per package (``pulumi-resource-agentrun``, ``-qoder``, ``-aiae``), served with
``pulumi.provider.experimental``. What a plugin gives beyond the dynamic provider: ``GetSchema``
(generated from schema.json), import by id, a detailed diff with property paths, outputs an
update cannot change kept known in preview, partial failures that record the id, config read
fresh on every run, and concurrency bounded by the engine's ``--parallel`` (every call runs in
a thread, so none blocks another). Secrets are marked at the exact path schema.json names (and
wherever the program marked one), so the rest of a value stays readable in a review.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import os
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import grpc
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    InvokeRequest,
    InvokeResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2, status_pb2

from pulumi_agents import __version__, _config, _credentials
from pulumi_agents._api import catalogues, lookups
from pulumi_agents._diff import detailed_diff
from pulumi_agents._fields import fields
from pulumi_agents._front import CONFIGURED
from pulumi_agents._schema import UNKNOWN, resource_types
from pulumi_agents._service import Found, Service, service_class
from pulumi_agents._tree import SCALARS, Node, tree
from pulumi_agents._wire import plain_struct, struct_of, walk
from pulumi_agents.errors import NotFoundError, PartialFailure, PulumiAgentsError

T = TypeVar("T")

# Threads are made only as calls arrive; the bound is far above any --parallel worth using.
_CALLS = ThreadPoolExecutor(max_workers=256, thread_name_prefix="pulumi-agents-call")
Path = tuple[str | int, ...]

_KINDS = {
    ("add", False): PropertyDiffKind.ADD,
    ("add", True): PropertyDiffKind.ADD_REPLACE,
    ("delete", False): PropertyDiffKind.DELETE,
    ("delete", True): PropertyDiffKind.DELETE_REPLACE,
    ("update", False): PropertyDiffKind.UPDATE,
    ("update", True): PropertyDiffKind.UPDATE_REPLACE,
}


# -- property values <-> plain data ------------------------------------------------------------


def to_plain(value: PropertyValue, path: Path = (), secrets: set[Path] | None = None) -> Any:
    """Plain data (unknowns as the UNKNOWN string the services already skip); the paths of the
    values the program marked secret are added to ``secrets``."""
    if value.is_secret and secrets is not None:
        secrets.add(path)
    inner = value.value
    if inner.__class__ in SCALARS:  # most values: no ABC isinstance checks for them
        return inner
    if isinstance(inner, tuple | list):
        return [to_plain(v, (*path, i), secrets) for i, v in enumerate(inner)]
    if isinstance(inner, Mapping):
        return {k: to_plain(v, (*path, k), secrets) for k, v in inner.items()}
    return inner  # numbers stay floats: the services restore integers from the schema


def plain_map(values: Mapping[str, PropertyValue], secrets: set[Path] | None = None) -> dict[str, Any]:
    return {k: to_plain(v, (k,), secrets) for k, v in values.items()}


def to_value(value: Any, node: Node, path: Path, secrets: set[Path]) -> PropertyValue:
    """A PropertyValue of plain data, secret where schema.json or the program says so."""
    return walk(value, node, path, secrets, _property_value)


def _property_value(value: Any, secret: bool) -> PropertyValue:
    return PropertyValue(value, is_secret=secret)


def value_map(type_name: str, values: Mapping[str, Any], secrets: set[Path]) -> dict[str, PropertyValue]:
    root = tree(type_name)
    return {k: to_value(v, root.child(k), (k,), secrets) for k, v in values.items()}


# -- configuration: the default provider and explicit ones ----------------------------------------

def layered(package: str, given: Mapping[str, Any], stack: Mapping[str, Any], stated: bool) -> dict[str, Any]:
    """The settings a provider works with (wire name -> value; None: none, not even the
    environment's), from what the engine ``given`` it and the ``stack`` config of now
    (PULUMI_CONFIG, which the engine sets for every plugin it starts).

    The default provider: the stack config of now wins. For refresh and destroy the engine sends
    the settings stored by the last deployment, so rotated credentials apply at once, without
    --run-program. An explicit provider (``stated``): its own arguments win, and what it leaves
    out comes from the stack config, except the settings of an ``x-group`` it sets one of (a
    provider given its own keys takes no token, one given its own region no endpoint, from the
    stack or the environment)."""
    if not stated:
        return {**given, **stack}
    settings = _config.settings(package)
    taken = {settings[name].schema.get("x-group") for name in given} - {None}
    kept = {name: None for name, node in settings.items() if node.schema.get("x-group") in taken}
    kept.update({name: value for name, value in stack.items() if settings[name].schema.get("x-group") not in taken})
    return {**kept, **given}


# -- the provider --------------------------------------------------------------------------------


class PluginProvider(Provider):
    """Every resource of one package, served to the engine."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.types = {f"{package}:index:{name}": name for name, pkg in resource_types().items() if pkg == package}
        self.functions = lookups(package)
        self.catalogues = catalogues(package)
        self.config: dict[str, Any] = {}
        self.urn = ""  # this provider's own URN, from the engine's Configure

    # -- plumbing ---------------------------------------------------------------------------------

    def _type(self, urn: str) -> str:
        token = urn.split("::")[2] if urn.count("::") >= 3 else urn
        if token not in self.types:
            raise PulumiAgentsError(f"the {self.package} provider has no resource {token!r}")
        return self.types[token]

    def _service(self, urn: str) -> Service:
        return service_class(self._type(urn))(self.config, urn=urn)

    @staticmethod
    async def _run(call: Callable[[], T]) -> T:
        # The services are synchronous (httpx, waits): a thread each, so calls run side by side
        # and the engine's --parallel is the only bound. Not asyncio.to_thread: its default
        # executor has cpu_count + 4 threads (6 on 2 cores), which queued the 7th create behind
        # another's READY wait.
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(_CALLS, context.run, call)

    # -- configuration ------------------------------------------------------------------------------

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        from pulumi_agents._package import package_schema

        return GetSchemaResponse(schema=json.dumps(package_schema(self.package, __version__)))

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        # "agentrun:config:region" -> "region": the engine sends each input twice, as a string
        # variable and as a typed argument; the variable wins, as it always has.
        prefix = f"{self.package}:config:"
        settings = _config.settings(self.package)
        given = {k.removeprefix(prefix): v for k, v in request.variables.items() if k.startswith(prefix)}
        for name, value in request.args.items():
            if value.value is not None and name not in given:
                given[name] = to_plain(value)
        try:
            now = json.loads(os.environ.get("PULUMI_CONFIG") or "{}")
        except ValueError:
            now = {}
        stack = {k: v for k, v in now.items() if k in settings} if isinstance(now, dict) else {}
        given = {k: v for k, v in given.items() if k in settings}
        layers = layered(self.package, given, stack, _config.explicit(self.urn))
        self.config = {f"{self.package}:{name}": value for name, value in layers.items()}
        return ConfigureResponse(**CONFIGURED)

    # -- check and diff ---------------------------------------------------------------------------

    async def check(self, request: CheckRequest) -> CheckResponse:
        type_name = self._type(request.urn)
        secrets: set[Path] = set()
        news, olds = plain_map(request.new_inputs, secrets), plain_map(request.old_inputs)
        inputs, failures = await self._run(lambda: self._service(request.urn).check(news, olds))
        refused = await self._run(lambda: _credentials.failure(self.package, self.config))
        return CheckResponse(
            inputs=value_map(type_name, inputs, secrets),
            failures=[CheckFailure("", f.message()) for f in failures]
            + ([CheckFailure("", refused)] if refused else []),
        )

    async def diff(self, request: DiffRequest) -> DiffResponse:
        return self.diff_plain(
            request.urn, request.resource_id, plain_map(request.old_state), plain_map(request.new_inputs)
        )

    def diff_plain(self, urn: str, resource_id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResponse:
        type_name = self._type(urn)
        found = self._service(urn).diff(resource_id, olds, news)
        paths = detailed_diff(type_name, olds, news, found)
        return DiffResponse(
            changes=bool(found),
            replaces=list(found.replaces),
            stables=[],
            delete_before_replace=found.delete_before_replace,
            diffs=sorted({path.split(".")[0].split("[")[0] for path in paths}),
            detailed_diff={
                path: PropertyDiff(_KINDS[(kind, replaces)], input_diff=True)
                for path, (kind, replaces) in paths.items()
            },
        )

    # -- functions: a resource of the kind, looked up by name ------------------------------------------

    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        catalogue = self.catalogues.get(request.tok)
        if catalogue is not None:  # a list with no arguments (Qoder's models), read by the package's service
            import importlib

            module = importlib.import_module(f"pulumi_agents.{self.package}.service")
            items = await self._run(lambda: module.catalogue(self.config, catalogue))
            root = tree(catalogue.type_name)
            listed = [to_value(item, root, (catalogue.returns, i), set()) for i, item in enumerate(items)]
            return InvokeResponse(return_value={catalogue.returns: PropertyValue(listed)})
        type_name = self.functions.get(request.tok)
        if type_name is None:
            raise PulumiAgentsError(f"the {self.package} provider has no function {request.tok!r}")
        from pulumi_agents._lifecycle import ApiService

        args = plain_map(request.args)
        service = service_class(type_name)(self.config)
        assert isinstance(service, ApiService)  # lookups() names only kinds with an API
        found = await self._run(lambda: service.lookup(args))
        return InvokeResponse(return_value=value_map(type_name, {"id": found.id, **found.outs}, set()))

    # -- create, read, update, delete -----------------------------------------------------------------

    async def create(self, request: CreateRequest) -> CreateResponse:
        type_name = self._type(request.urn)
        secrets: set[Path] = set()
        props = plain_map(request.properties, secrets)
        if request.preview:
            outs = {**props, **dict.fromkeys(fields(type_name).outputs, UNKNOWN)}
            return CreateResponse(resource_id="", properties=value_map(type_name, outs, secrets))
        created = await self._run(lambda: self._service(request.urn).create(props))
        return CreateResponse(resource_id=created.id, properties=value_map(type_name, created.outs, secrets))

    async def read(self, request: ReadRequest) -> ReadResponse:
        type_name = self._type(request.urn)
        secrets: set[Path] = set()
        olds = plain_map(request.properties, secrets)
        importing = not request.properties and not request.inputs
        found = await self.read_plain(request.urn, request.resource_id, olds, importing)
        return ReadResponse(
            resource_id=found.id,
            properties=value_map(type_name, found.outs, secrets),
            inputs=value_map(type_name, found.inputs, secrets),
        )

    async def read_plain(self, urn: str, resource_id: str, olds: dict[str, Any], importing: bool) -> Found:
        found = await self._run(lambda: self._service(urn).read(resource_id, olds))
        if not found.id and importing:
            # Pulumi would record an empty resource under this id: say it does not exist instead.
            raise NotFoundError(
                self.package, "import", 404, "NotFound", f"no {self._type(urn)} has the id {resource_id!r}"
            )
        return found

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        type_name = self._type(request.urn)
        secrets: set[Path] = set()
        olds, news = plain_map(request.olds), plain_map(request.news, secrets)
        if request.preview:
            # What an update cannot change stays known, so dependents do not show [unknown].
            spec = fields(type_name)
            kept = {k: olds[k] for k in spec.outputs if k in olds and spec.node(k).stable}
            outs = {**spec.managed(news), **dict.fromkeys(spec.outputs, UNKNOWN), **kept}
            return UpdateResponse(properties=value_map(type_name, outs, secrets))
        outs = await self._run(lambda: self._service(request.urn).update(request.resource_id, olds, news))
        return UpdateResponse(properties=value_map(type_name, outs, secrets))

    async def delete(self, request: DeleteRequest) -> None:
        props = plain_map(request.properties)
        await self._run(lambda: self._service(request.urn).delete(request.resource_id, props))


# -- the gRPC servicer: clean errors and partial failures -------------------------------------------


def _init_failed(failure: PartialFailure, type_name: str) -> grpc.Status:
    """A status the engine reads as "created (or updated), but not ready": it records the id."""
    outputs = value_map(type_name, failure.outputs, set())
    detail = provider_pb2.ErrorResourceInitFailed(
        id=failure.resource_id, properties=PropertyValue.marshal_map(outputs), reasons=[str(failure)]
    )
    status = status_pb2.Status(code=grpc.StatusCode.UNKNOWN.value[0], message=str(failure))
    status.details.add().Pack(detail)
    answer = grpc.Status()
    answer.code = grpc.StatusCode.UNKNOWN
    answer.details = str(failure)
    answer.trailing_metadata = (("grpc-status-details-bin", status.SerializeToString()),)
    return answer


def _diff_answer(found: DiffResponse) -> Any:
    """The engine's DiffResponse, as the SDK's servicer marshals one."""
    some = (
        provider_pb2.DiffResponse.DIFF_UNKNOWN
        if found.changes is None
        else provider_pb2.DiffResponse.DIFF_SOME
        if found.changes
        else provider_pb2.DiffResponse.DIFF_NONE
    )
    return provider_pb2.DiffResponse(
        replaces=found.replaces,
        stables=found.stables,
        deleteBeforeReplace=found.delete_before_replace,
        changes=some,
        diffs=found.diffs,
        detailedDiff={
            path: provider_pb2.PropertyDiff(
                kind=provider_pb2.PropertyDiff.Kind.Value(diff.kind.name), inputDiff=diff.input_diff
            )
            for path, diff in found.detailed_diff.items()
        },
        hasDetailedDiff=True,
    )


class _Servicer(ProviderServicer):
    """The SDK's servicer, with our errors turned into one clear line (not "Unexpected <class>")
    and partial failures into the engine's ErrorResourceInitFailed."""

    def __init__(self, provider: PluginProvider, engine_address: str) -> None:
        super().__init__(sys.argv, __version__, provider, engine_address)
        self.plugin = provider

    async def _guard(self, call: Callable[[], Any], context: Any, urn: str = "") -> Any:
        try:
            return await call()
        except PartialFailure as failure:
            await context.abort_with_status(_init_failed(failure, self.plugin._type(urn)))
        except PulumiAgentsError as exc:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))

    async def Configure(self, request: Any, context: Any) -> Any:
        # The SDK's ConfigureRequest leaves out the URN, which tells an explicit provider from
        # the default one.
        self.plugin.urn = request.urn
        return await super().Configure(request, context)

    # Read and Diff, every resource's in a refresh, skip the SDK's PropertyValue (``_wire``): the
    # same answers as the SDK's servicer gives for our provider's, at a fraction of the CPU.

    async def Diff(self, request: Any, context: Any) -> Any:
        olds, news = plain_struct(request.olds), plain_struct(request.news)
        return _diff_answer(self.plugin.diff_plain(request.urn, request.id, olds, news))

    async def Read(self, request: Any, context: Any) -> Any:
        async def read() -> Any:
            type_name = self.plugin._type(request.urn)
            secrets: set[Path] = set()
            olds = plain_struct(request.properties, secrets)
            importing = not request.properties.fields and not request.inputs.fields
            found = await self.plugin.read_plain(request.urn, request.id, olds, importing)
            return provider_pb2.ReadResponse(
                id=found.id,
                properties=struct_of(type_name, found.outs, secrets),
                inputs=struct_of(type_name, found.inputs, secrets),
            )

        return await self._guard(read, context)

    async def Invoke(self, request: Any, context: Any) -> Any:
        base: Any = super()
        return await self._guard(lambda: base.Invoke(request, context), context)

    async def Check(self, request: Any, context: Any) -> Any:
        base: Any = super()
        return await self._guard(lambda: base.Check(request, context), context)

    async def Create(self, request: Any, context: Any) -> Any:
        base: Any = super()
        return await self._guard(lambda: base.Create(request, context), context, request.urn)

    async def Update(self, request: Any, context: Any) -> Any:
        base: Any = super()
        return await self._guard(lambda: base.Update(request, context), context, request.urn)

    async def Delete(self, request: Any, context: Any) -> Any:
        base: Any = super()
        return await self._guard(lambda: base.Delete(request, context), context)


def loaded(package: str, engine_address: str) -> _Servicer:
    """The package's provider, served by ``_front`` once this has run (in its loading thread):
    what the first calls need is imported here too, while the engine starts other plugins."""
    servicer = _Servicer(PluginProvider(package), engine_address)
    import httpcore._sync.connection_pool  # noqa: F401  (httpx imports it at its first client)
    import httpx  # noqa: F401

    for type_name in servicer.plugin.types.values():
        service_class(type_name)
    return servicer
