"""The plugin's calls in the Pulumi SDK's types: those it serves through the SDK's servicer
(Create, Update, Delete, Invoke), loaded at the first of them, and the whole provider as the
SDK's ``Provider`` for tests in process. ``_plugin`` serves the others without the SDK."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

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

from pulumi_agents import __version__
from pulumi_agents._fields import fields
from pulumi_agents._front import CONFIGURED
from pulumi_agents._plugin import Path, PluginCore
from pulumi_agents._schema import UNKNOWN
from pulumi_agents._service import service_class
from pulumi_agents._tree import SCALARS, Node, tree
from pulumi_agents._wire import walk
from pulumi_agents.errors import PulumiAgentsError

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


class PluginProvider(PluginCore, Provider):
    """Every resource of one package, as the SDK's servicer calls it."""

    @classmethod
    def sharing(cls, core: PluginCore) -> PluginProvider:
        """This provider over ``core``'s own state (its config and URN, as Configure set them)."""
        provider = cls.__new__(cls)
        provider.__dict__ = core.__dict__  # the same dict, not a copy: one provider, two views
        return provider

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        self.configure_plain(request.variables, {k: to_plain(v) for k, v in request.args.items()})
        return ConfigureResponse(**CONFIGURED)

    async def check(self, request: CheckRequest) -> CheckResponse:
        type_name = self._type(request.urn)
        secrets: set[Path] = set()
        news, olds = plain_map(request.new_inputs, secrets), plain_map(request.old_inputs)
        inputs, failures = await self.check_plain(request.urn, news, olds)
        return CheckResponse(
            inputs=value_map(type_name, inputs, secrets), failures=[CheckFailure("", f) for f in failures]
        )

    async def diff(self, request: DiffRequest) -> DiffResponse:
        olds, news = plain_map(request.old_state), plain_map(request.new_inputs)
        found = self.diff_plain(request.urn, request.resource_id, olds, news)
        return DiffResponse(
            changes=found.changes,
            replaces=found.replaces,
            stables=[],
            delete_before_replace=found.delete_before_replace,
            diffs=found.diffs,
            detailed_diff={
                path: PropertyDiff(_KINDS[(kind, replaces)], input_diff=True)
                for path, (kind, replaces) in found.paths.items()
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



def sdk_servicer(core: PluginCore, engine_address: str) -> ProviderServicer:
    return ProviderServicer(sys.argv, __version__, PluginProvider.sharing(core), engine_address)
