"""The Pulumi-facing side shared by every resource: snake_case arguments in, wire names out.

Top-level properties are registered under their Python names (so outputs are attributes such
as ``rt.agent_runtime_id``) and translated to wire names for the engine; nested values are
converted to wire names at any depth, Outputs included. Secret fields are wrapped as secrets
whether or not the user marked them.

Two bases, one behaviour: ``SchemaResource`` registers a dynamic resource (its provider is
pickled into the state); ``PluginResource`` a custom resource of the package's provider plugin
(``agentrun:index:AgentRuntime``, served by ``pulumi-resource-agentrun``). Both mark exactly the
secret leaf (a registry password), in the inputs here and in the outputs by their providers, so
the rest of the value (the image) stays readable in a review.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic

from pulumi_agents._fields import Fields, fields
from pulumi_agents._schema import resource_types
from pulumi_agents._tree import Node, format_path

MAX_DEPTH = 64  # levels of nesting an argument may have: no field of any kind nests near it


def _to_wire(value: Any, node: Node, where: tuple[str | int, ...] = ()) -> Any:
    """``value`` with wire names at every depth, whatever part of it is an Output or awaitable:
    those are converted once they resolve (a whole ``vpc.id.apply(lambda v: {...})`` included).
    Every value schema.json marks secret is wrapped as one where it stands.

    Both front doors call it, so both refuse the same values with the same words: ``None`` where
    the schema wants a value (a map's value, a list's item), and nesting deeper than any field
    goes (which would otherwise end in a RecursionError)."""
    if isinstance(value, pulumi.Output) or inspect.isawaitable(value):
        return pulumi.Output.from_input(value).apply(lambda v: _to_wire(v, node, where))
    if len(where) > MAX_DEPTH:
        raise ArgumentError(f"{format_path(where[:3])}...: nests deeper than {MAX_DEPTH} levels")
    if node.schema.get("x-local-files") and isinstance(value, pulumi.asset.Asset | pulumi.asset.Archive):
        return _local_path(value, where)
    node = node.at(value)
    out: Any = value
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            wire = node.wire_key(key)
            child = node.child(wire)
            if item is None and not (node.kind == "object" and wire in node.props):
                _refuse_none((*where, key), child)
            out[wire] = _to_wire(item, child, (*where, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if item is None:
                _refuse_none((*where, index), node.item)
        out = [_to_wire(item, node.item, (*where, index)) for index, item in enumerate(value)]
    return pulumi.Output.secret(out) if node.secret else out


def _local_path(value: pulumi.asset.Asset | pulumi.asset.Archive, where: tuple[str | int, ...]) -> Any:
    """A ``pulumi.FileAsset`` or ``pulumi.FileArchive`` as its path, and a ``pulumi.AssetArchive``
    of them as a map of its names to their paths: what the state keeps (with a digest of the
    files, never their content: a raw archive in a dynamic resource's state breaks the next ``up``
    on the 3.259 CLI); other assets and archives hold no local path."""
    path = getattr(value, "path", None)
    if isinstance(value, pulumi.FileAsset | pulumi.FileArchive) and isinstance(path, str):
        return path
    if isinstance(value, pulumi.AssetArchive):  # a map of names to local paths, where the field takes one
        return {name: _local_path(member, (*where, name)) for name, member in value.assets.items()}
    raise ArgumentError(
        f"{_shown_path(where)}: a {type(value).__name__} is not a local file or folder: give a path, "
        "a pulumi.FileAsset or a pulumi.FileArchive (the state keeps its path and a digest, never the content)"
    )


def _refuse_none(where: tuple[str | int, ...], node: Node) -> None:
    """A map's value or a list's item of ``None``: refused unless the schema allows null (left
    out of an object, ``None`` means "not set"; in a map or a list it would be silently dropped
    by one front door and refused by the other)."""
    if "null" in node.types:
        return
    wanted = " or ".join(sorted(node.types - {"null"})) or "value"
    raise ArgumentError(f"{_shown_path(where)} is None, where a {wanted} is needed (leave the key out to not set it)")


def _shown_path(where: tuple[str | int, ...]) -> str:
    """A path as a program writes it: ``environment_variables['LOG_LEVEL']``, ``tools[0]``."""
    out = ""
    for part in where:
        out += f"[{part!r}]" if out else str(part)
    return out


class ArgumentError(pulumi.RunError, TypeError):
    """An argument the resource does not take. A RunError, so that the engine shows its one
    line, not a Python traceback; a TypeError, as a wrong keyword is in Python."""


def _unknown(cls: type, names: list[str], allowed: Mapping[str, str]) -> ArgumentError:
    from pulumi_agents._validate import spelled_like

    said = []
    for name in sorted(names):
        close = spelled_like(name, allowed)
        said.append(f"{name}" + (f" (did you mean {close}?)" if close else ""))
    return ArgumentError(f"{cls.__name__} got unknown arguments: {', '.join(said)}")


def _props(cls: type, spec: Fields, args: Mapping[str, Any], *, plugin: bool) -> tuple[dict[str, Any], list[str]]:
    """The properties to register (Python names; outputs as None) and the secret outputs."""
    allowed = {*spec.inputs, *spec.options} - ({w for w in spec.options if spec.node(w).internal} if plugin else set())
    props: dict[str, Any] = {}
    unknown = []
    for key, value in args.items():
        if value is None:
            continue
        wire = spec.python.get(key, key)
        if wire not in allowed:
            unknown.append(key)
            continue
        props[key] = _to_wire(value, spec.node(wire), (key,))
    if unknown:
        raise _unknown(cls, unknown, {w: p for w, p in spec.wire_to_python.items() if w in allowed})
    props.update({python: None for python, wire in spec.python.items() if wire in spec.outputs})
    # Only fields secret as a whole: one with a secret leaf inside stays readable around it.
    secret = [spec.wire_to_python[w] for w in spec.secret if spec.node(w).secret]
    return props, [python for python in secret if python in props]


class _Names:
    _type_name: ClassVar[str]

    def translate_input_property(self, prop: str) -> str:
        # Only top-level names: nested keys are already wire names, and free-form map keys
        # (environment variable names) must stay as written.
        return fields(self._type_name).python.get(prop, prop)

    def translate_output_property(self, prop: str) -> str:
        return fields(self._type_name).wire_to_python.get(prop, prop)


class SchemaResource(_Names, pulumi.dynamic.Resource):
    """A dynamic resource of schema.json's definition ``_type_name``."""

    def __init__(
        self,
        provider: pulumi.dynamic.ResourceProvider,
        resource_name: str,
        args: Mapping[str, Any],
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        if opts is not None and opts.import_:
            package = resource_types()[self._type_name]
            raise ArgumentError(
                f"{type(self).__name__}({resource_name!r}): import_= needs the plugin class: "
                f"from pulumi_agents.plugin import {package} (a dynamic resource cannot adopt by id)"
            )
        if opts is not None and isinstance(opts.provider, PluginProviderResource):
            package = resource_types()[self._type_name]
            raise ArgumentError(
                f"{type(self).__name__}({resource_name!r}): provider= needs the plugin class: "
                f"from pulumi_agents.plugin import {package} (a dynamic resource takes the stack's one configuration)"
            )
        spec = fields(self._type_name)
        # The resource's identity in its stack, for the options schema.json marks x-seed (a
        # provider plugin takes the same from the URN instead).
        seed = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}/{resource_name}"
        seeds = {spec.wire_to_python[w]: seed for w in spec.options if spec.node(w).schema.get("x-seed")}
        props, secret = _props(type(self), spec, {**args, **seeds}, plugin=False)
        # Internal options go to the engine as "__<wire name>", a key it never shows in a diff
        # (the provider gives the service their wire names back: _dynamic.py).
        for python, wire in spec.python.items():
            if python in props and wire in spec.options and spec.node(wire).internal:
                props[f"__{wire}"] = props.pop(python)
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=secret))
        super().__init__(provider, resource_name, props, opts)


class PluginResource(_Names, pulumi.CustomResource):
    """A custom resource of the provider plugin of ``_type_name``'s package."""

    def __init__(self, resource_name: str, args: Mapping[str, Any], opts: pulumi.ResourceOptions | None) -> None:
        props, secret = _props(type(self), fields(self._type_name), args, plugin=True)
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=secret))
        token = f"{resource_types()[self._type_name]}:index:{self._type_name}"
        super().__init__(token, resource_name, props, opts)


class PluginProviderResource(pulumi.ProviderResource):
    """An explicit provider of the plugin of ``_package``: one more region or account in a stack,
    passed to a resource as ``opts=pulumi.ResourceOptions(provider=...)``. Its arguments are the
    settings of schema.json's ``x-config`` definition by Python name; secret ones are kept as
    secrets in the state, as the engine stores a provider's inputs there."""

    _package: ClassVar[str]

    def __init__(self, resource_name: str, args: Mapping[str, Any], opts: pulumi.ResourceOptions | None) -> None:
        from pulumi_agents import _config

        settings = _config.settings(self._package)
        wire = {node.python: name for name, node in settings.items()}
        unknown = [key for key in args if key not in wire]
        if unknown:
            raise _unknown(type(self), unknown, {name: node.python for name, node in settings.items()})
        props = {wire[k]: _to_wire(v, settings[wire[k]], (k,)) for k, v in args.items() if v is not None}
        super().__init__(self._package, resource_name, props, opts)


def lookup(type_name: str, args: Mapping[str, Any], opts: pulumi.InvokeOptions | None) -> dict[str, pulumi.Output[Any]]:
    """The provider plugin's ``get<Kind>`` function: the resource that ``args`` (Python names)
    name, as its ``id`` and each output by Python name (nested values keep the API's names).

    The engine marks a function's whole result secret when any part is; here only the fields
    that hold a secret are, so an id stays readable beside a runtime's secret variables."""
    spec = fields(type_name)
    token = f"{resource_types()[type_name]}:index:get{type_name}"
    found = pulumi.runtime.invoke_output(token, {spec.python.get(k, k): v for k, v in args.items()}, opts)
    whole = pulumi.Output.unsecret(found)
    result: dict[str, pulumi.Output[Any]] = {}

    def field(wire: str) -> pulumi.Output[Any]:
        value: pulumi.Output[Any] = whole.apply(lambda outs: outs.get(wire))
        return pulumi.Output.secret(value) if wire in spec.secret else value

    for wire in ("id", *spec.inputs, *spec.outputs):
        result[spec.wire_to_python.get(wire, wire)] = field(wire)
    return result


def catalogue(token: str, returns: str, opts: pulumi.InvokeOptions | None) -> pulumi.Output[list[dict[str, Any]]]:
    """A catalogue function of the provider plugin (``qoder:index:getModels``): its items, each
    with the API's field names."""
    found = pulumi.runtime.invoke_output(token, {}, opts)
    return found.apply(lambda result: list(result.get(returns) or []))
