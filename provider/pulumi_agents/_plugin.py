"""The provider-plugin adapter: the engine's gRPC calls in, a ``Service`` does the work.

One plugin per package (``pulumi-resource-agentrun``, ``-qoder``, ``-aiae``). What a plugin gives
beyond the dynamic provider: ``GetSchema`` (generated from schema.json), import by id, a detailed
diff with property paths, outputs an update cannot change kept known in preview, partial failures
that record the id, config read fresh on every run, and concurrency bounded by the engine's
``--parallel`` (every call runs in a thread, so none blocks another). Secrets are marked at the
exact path schema.json names (and wherever the program marked one), so the rest of a value stays
readable in a review.

The calls every resource makes, once or twice in each operation (Configure, Check, Diff, Read),
are served here on the engine's protobufs, their structs read and written by ``_wire``, without
the Pulumi SDK: a no-change preview or a refresh never loads it. The rest (Create, Update,
Delete, Invoke) go through the SDK's servicer and ``_plugin_sdk``, loaded at the first of them.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc, status_pb2

from pulumi_agents import __version__, _config, _credentials
from pulumi_agents._api import catalogues, lookups
from pulumi_agents._diff import detailed_diff
from pulumi_agents._fields import fields
from pulumi_agents._front import configure_answer
from pulumi_agents._schema import resource_types
from pulumi_agents._service import Found, Service, service_class, unchanged
from pulumi_agents._wire import Diffed, diff_answer, plain_struct, struct_of
from pulumi_agents.errors import NotFoundError, PartialFailure, PulumiAgentsError

T = TypeVar("T")

# Threads are made only as calls arrive; the bound is far above any --parallel worth using.
_CALLS = ThreadPoolExecutor(max_workers=256, thread_name_prefix="pulumi-agents-call")
Path = tuple[str | int, ...]


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


class PluginCore:
    """Every resource of one package, on plain data: what the servicers call."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.types = {f"{package}:index:{name}": name for name, pkg in resource_types().items() if pkg == package}
        self.functions = lookups(package)
        self.catalogues = catalogues(package)
        self.config: dict[str, Any] = {}
        self.urn = ""  # this provider's own URN, from the engine's Configure
        # The settings the credentials check last ran on, and what it said (``None``: passed): the
        # same settings give the same answer, so later Checks need not ask again.
        self._refused: tuple[dict[str, Any], str | None] | None = None

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

    # -- the calls ----------------------------------------------------------------------------------

    def configure_plain(self, variables: Mapping[str, str], args: Mapping[str, Any]) -> None:
        # "agentrun:config:region" -> "region": the engine sends each input twice, as a string
        # variable and as a typed argument; the variable wins, as it always has.
        prefix = f"{self.package}:config:"
        settings = _config.settings(self.package)
        given: dict[str, Any] = {k.removeprefix(prefix): v for k, v in variables.items() if k.startswith(prefix)}
        for name, value in args.items():
            if value is not None and name not in given:
                given[name] = value
        try:
            now = json.loads(os.environ.get("PULUMI_CONFIG") or "{}")
        except ValueError:
            now = {}
        stack = {k: v for k, v in now.items() if k in settings} if isinstance(now, dict) else {}
        given = {k: v for k, v in given.items() if k in settings}
        layers = layered(self.package, given, stack, _config.explicit(self.urn))
        self.config = {f"{self.package}:{name}": value for name, value in layers.items()}

    async def check_plain(
        self, urn: str, news: dict[str, Any], olds: dict[str, Any]
    ) -> tuple[dict[str, Any], list[str]]:
        """The inputs as the service checked them, and what is wrong with them.

        The engine asks for one Check at a time and waits for each (a preview's critical path): a
        kind that reads no local files is checked here, without a hop to a thread and back; the
        credentials check, whose first run reads the service, runs in one."""
        service = self._service(urn)
        if fields(service.type_name).local:
            inputs, failures = await self._run(lambda: service.check(news, olds))
        else:
            inputs, failures = service.check(news, olds)
        config, checked = self.config, self._refused
        if checked is not None and checked[0] is config:
            refused = checked[1]
        else:
            refused = await self._run(lambda: _credentials.failure(self.package, config))
            self._refused = (config, refused)
        return inputs, [f.message() for f in failures] + ([refused] if refused else [])

    def diff_plain(self, urn: str, resource_id: str, olds: dict[str, Any], news: dict[str, Any]) -> Diffed:
        type_name = self._type(urn)
        found = self._service(urn).diff(resource_id, olds, news)
        paths = detailed_diff(type_name, olds, news, found)
        return Diffed(bool(found), list(found.replaces), found.delete_before_replace, paths)

    async def read_plain(self, urn: str, resource_id: str, olds: dict[str, Any], importing: bool) -> Found:
        found = await self._run(lambda: self._service(urn).read(resource_id, olds))
        if not found.id and importing:
            # Pulumi would record an empty resource under this id: say it does not exist instead.
            raise NotFoundError(
                self.package, "import", 404, "NotFound", f"no {self._type(urn)} has the id {resource_id!r}"
            )
        return found


# -- the gRPC servicer: clean errors and partial failures -------------------------------------------


def _init_failed(failure: PartialFailure, type_name: str) -> grpc.Status:
    """A status the engine reads as "created (or updated), but not ready": it records the id."""
    detail = provider_pb2.ErrorResourceInitFailed(
        id=failure.resource_id, properties=struct_of(type_name, failure.outputs, set()), reasons=[str(failure)]
    )
    status = status_pb2.Status(code=grpc.StatusCode.UNKNOWN.value[0], message=str(failure))
    status.details.add().Pack(detail)
    answer = grpc.Status()
    answer.code = grpc.StatusCode.UNKNOWN
    answer.details = str(failure)
    answer.trailing_metadata = (("grpc-status-details-bin", status.SerializeToString()),)
    return answer


class Servicer(provider_pb2_grpc.ResourceProviderServicer):
    """The engine's calls: our errors as one clear line (not "Unexpected <class>"), partial
    failures as the engine's ErrorResourceInitFailed. The methods not here answer UNIMPLEMENTED."""

    def __init__(self, package: str, engine_address: str) -> None:
        self.plugin = PluginCore(package)
        self.engine_address = engine_address
        self._sdk: Any = None

    def sdk(self) -> Any:
        """The SDK's servicer over this plugin's provider, for the calls served through it."""
        if self._sdk is None:
            from pulumi_agents._plugin_sdk import sdk_servicer

            self._sdk = sdk_servicer(self.plugin, self.engine_address)
        return self._sdk

    async def _guard(self, call: Callable[[], Any], context: Any, urn: str = "") -> Any:
        try:
            return await call()
        except PartialFailure as failure:
            await context.abort_with_status(_init_failed(failure, self.plugin._type(urn)))
        except PulumiAgentsError as exc:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))

    async def GetSchema(self, request: Any, context: Any) -> Any:
        from pulumi_agents._package import package_schema

        return provider_pb2.GetSchemaResponse(schema=json.dumps(package_schema(self.plugin.package, __version__)))

    async def Configure(self, request: Any, context: Any) -> Any:
        # The URN tells an explicit provider from the default one.
        self.plugin.urn = request.urn
        self.plugin.configure_plain(dict(request.variables), plain_struct(request.args))
        return configure_answer()

    async def Cancel(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()  # every call stops by itself: nothing to cancel

    async def Check(self, request: Any, context: Any) -> Any:
        async def check() -> Any:
            type_name = self.plugin._type(request.urn)
            secrets: set[Path] = set()
            news, olds = plain_struct(request.news, secrets), plain_struct(request.olds)
            inputs, failures = await self.plugin.check_plain(request.urn, news, olds)
            return provider_pb2.CheckResponse(
                inputs=struct_of(type_name, inputs, secrets),
                failures=[provider_pb2.CheckFailure(property="", reason=failure) for failure in failures],
            )

        return await self._guard(check, context)

    async def Diff(self, request: Any, context: Any) -> Any:
        olds, news = plain_struct(request.olds), plain_struct(request.news)
        return diff_answer(self.plugin.diff_plain(request.urn, request.id, olds, news))

    async def Read(self, request: Any, context: Any) -> Any:
        async def read() -> Any:
            type_name = self.plugin._type(request.urn)
            secrets: set[Path] = set()
            olds = plain_struct(request.properties, secrets)
            importing = not request.properties.fields and not request.inputs.fields
            found = await self.plugin.read_plain(request.urn, request.id, olds, importing)
            same = unchanged(type_name, found, olds, secrets)  # then the engine keeps its inputs
            return provider_pb2.ReadResponse(
                id=found.id,
                properties=struct_of(type_name, found.outs, secrets),
                inputs=None if same else struct_of(type_name, found.inputs, secrets),
            )

        return await self._guard(read, context)

    async def Invoke(self, request: Any, context: Any) -> Any:
        return await self._guard(lambda: self.sdk().Invoke(request, context), context)

    async def Create(self, request: Any, context: Any) -> Any:
        return await self._guard(lambda: self.sdk().Create(request, context), context, request.urn)

    async def Update(self, request: Any, context: Any) -> Any:
        return await self._guard(lambda: self.sdk().Update(request, context), context, request.urn)

    async def Delete(self, request: Any, context: Any) -> Any:
        return await self._guard(lambda: self.sdk().Delete(request, context), context)


def loaded(package: str, engine_address: str) -> Servicer:
    """The package's provider, served by ``_front`` once this has run (in its loading thread):
    what the first calls need is imported here too, while the engine starts other plugins."""
    servicer = Servicer(package, engine_address)
    import httpcore._sync.connection_pool  # noqa: F401  (httpx imports it at its first client)
    import httpx  # noqa: F401

    for type_name in servicer.plugin.types.values():
        service_class(type_name)
    return servicer
