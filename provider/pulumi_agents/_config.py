"""Provider configuration, read as schema.json's ``x-config`` definitions say.

Each setting comes from stack config ``<package>:<name>`` first, then from the first of its
``x-env`` environment variables that is set, then from its ``default``. Nothing read here is
ever kept on a provider object (those are pickled into the state).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from pulumi_agents._schema import schema
from pulumi_agents._tree import Node, contains_unknown, tree
from pulumi_agents._validate import validate
from pulumi_agents.errors import ConfigurationError


@cache
def definition(package: str) -> str:
    for name, node in schema()["$defs"].items():
        if node.get("x-config") == package:
            return str(name)
    raise KeyError(f"schema.json has no x-config definition for {package!r}")


def default(package: str, name: str) -> Any:
    """The schema default of one setting."""
    return settings(package)[name].default


def settings(package: str) -> dict[str, Node]:
    """The settings of ``package`` (wire name -> node)."""
    return tree(definition(package)).props


def keys(package: str) -> list[str]:
    """The stack config keys of ``package``: ``agentrun:accessKeyId``, ..."""
    return [f"{package}:{name}" for name in settings(package)]


def where(package: str, name: str) -> str:
    """How to set one setting: the config command, and its environment variables."""
    node = settings(package)[name]
    env = " or ".join(node.schema.get("x-env", []))
    secret = "--secret " if node.secret else ""
    return f"`pulumi config set {secret}{package}:{name} ...`" + (f", or the environment variable {env}" if env else "")


def origin(package: str, name: str) -> str:
    """The setting named as a reader fixes it: ``the setting agentrun:endpoint (`pulumi config
    set agentrun:endpoint ...`, or the environment variable AGENTRUN_ENDPOINT)``."""
    return f"the setting {package}:{name} ({where(package, name)})"


_TRUE, _FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})


def _parse(node: Node, raw: Any, source: str) -> Any:
    if "boolean" in node.types:
        # Stack config and environment variables hold text: "true", as `pulumi config set` writes it.
        word = str(raw).strip().lower()
        if isinstance(raw, bool) or word in _TRUE | _FALSE:
            return raw if isinstance(raw, bool) else word in _TRUE
        raise ConfigurationError(f"{source} must be true or false, not {raw!r}")
    if "number" in node.types and not isinstance(raw, int | float):
        try:
            return float(raw)
        except ValueError:
            raise ConfigurationError(f"{source} must be a number, not {raw!r}") from None
    # A map or a list (structured config, a provider argument) stays one: its type is then refused.
    return raw if isinstance(raw, int | float | Mapping | list) else str(raw)


# The keywords of a setting that takes any non-empty string, and of a definition with no rule
# across its settings; any other keyword (a pattern, a custom x- rule) is left to the validator.
_ANY_STRING = frozenset({"type", "minLength", "description", "default", "x-env", "x-secret", "x-group"})
_NO_CROSS_RULE = frozenset({"type", "description", "x-config", "required", "additionalProperties", "properties"})


@cache
def _any_string(package: str) -> frozenset[str]:
    """The settings that take any non-empty string: no rule of theirs, nor of their definition,
    could reject one. (Loading jsonschema would cost each provider process ~40 ms for settings
    that are all strings but the timeout, which is rarely set.)"""
    if not set(schema()["$defs"][definition(package)]) <= _NO_CROSS_RULE:
        return frozenset()
    rules = {name: node.schema for name, node in settings(package).items()}
    return frozenset(
        name
        for name, rule in rules.items()
        if rule.get("type") == "string" and rule.get("minLength", 0) <= 1 and set(rule) <= _ANY_STRING
    )


def _beyond_plain(package: str, values: Mapping[str, Any]) -> bool:
    """Whether a rule of schema.json could refuse one of ``values`` (settings as parsed): one not
    a non-empty string of a setting that takes any, nor a boolean (parsing checked those). When
    none could, jsonschema is not loaded: a preview asks each plugin's CheckConfig before it
    starts the next one, and the import cost each ~50 ms there."""
    plain, nodes = _any_string(package), settings(package)
    return any(
        not ((name in plain and isinstance(value, str) and value) or nodes[name].types == {"boolean"})
        for name, value in values.items()
    )


# Settings read and validated, by what they were read from: every provider call builds its
# client from them, and validating them each time cost more than the call's own work.
_read: dict[str, dict[str, Any]] = {}


def read(package: str, stack_config: Mapping[str, Any]) -> dict[str, Any]:
    """Every setting of ``package`` that has a value; a clear error for a missing or bad one.

    A key of ``stack_config`` present with the value None is a setting an explicit provider
    leaves out while it sets another of its ``x-group``: it takes no environment variable, only
    its default (the endpoint of the environment must not send a provider given its own region
    elsewhere)."""
    names = settings(package)
    raw = [stack_config.get(f"{package}:{n}", ()) for n in names]
    raw += [os.environ.get(env) for node in names.values() for env in node.schema.get("x-env", [])]
    key = json.dumps([package, raw], default=repr)
    if key not in _read:
        _read[key] = _read_and_validate(package, stack_config)
    return dict(_read[key])


def source(package: str, name: str, stack_config: Mapping[str, Any]) -> tuple[str, Any]:
    """Where one setting is read from (the config key ``agentrun:accessKeyId`` or the environment
    variable ``ALIBABA_CLOUD_ACCESS_KEY_ID``) and its raw value; ("", None) when it is not set."""
    node = settings(package)[name]
    key = f"{package}:{name}"
    candidates = [(key, stack_config.get(key))]
    if not (key in stack_config and stack_config[key] is None):  # left out by an explicit provider (read())
        candidates += [(env, os.environ.get(env)) for env in node.schema.get("x-env", [])]
    return next(((s, v) for s, v in candidates if v not in (None, "")), ("", None))


def value(package: str, name: str, stack_config: Mapping[str, Any]) -> Any:
    """One setting, parsed (its default when it is not set), without reading the others."""
    node = settings(package)[name]
    origin, raw = source(package, name, stack_config)
    return _parse(node, raw, origin) if raw is not None else node.default


def _read_and_validate(package: str, stack_config: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, node in settings(package).items():
        origin, raw = source(package, name, stack_config)
        if raw is not None:
            values[name], sources[name] = _parse(node, raw, origin), origin
        elif node.has_default:
            values[name] = node.default
    missing = [
        f"{package}:{n} is not set: set it with {where(package, n)}"
        for n, node in settings(package).items()
        if node.required and n not in values
    ]
    if missing:
        raise ConfigurationError(f"{package} is not configured: " + "; ".join(missing))
    # Defaults are valid (tests/test_schema.py): only values given can break a rule.
    if _beyond_plain(package, {name: values[name] for name in sources}):
        for failure in validate(definition(package), values):
            name = failure.path.split(".")[0]
            raise ConfigurationError(f"{sources.get(name, f'{package}:{name}')} {failure.reason}")
    return values


def problems(package: str, given: Mapping[str, Any], named: Callable[[str], str]) -> list[str]:
    """What is wrong with the settings ``given`` (wire name -> value as written, e.g. an explicit
    provider's arguments), by the rules ``read`` applies, each named by ``named(wire name)``:
    names it does not know (with the closest one), and values that break a rule. A setting left
    out is not a problem here: the stack config, the environment or the default may give it."""
    from pulumi_agents._validate import spelled_like

    known = settings(package)
    found: list[str] = []
    values: dict[str, Any] = {}
    for name, raw in given.items():
        if name not in known:
            close = spelled_like(name, {w: n.python for w, n in known.items()})
            found.append(
                f"{named(name)} is not a setting of {package}" + (f" (did you mean {named(close)}?)" if close else "")
            )
        elif raw is not None and not contains_unknown(raw):  # unknown until another resource is made
            try:
                values[name] = _parse(known[name], raw, named(name))
            except ConfigurationError as exc:
                found.append(str(exc))
    for failure in validate(definition(package), values) if _beyond_plain(package, values) else []:
        name = failure.path.split(".")[0]
        if name in values:  # "is required": read() names those with where to set them
            found.append(f"{named(name)} {failure.reason}")
    return found


# Inputs the engine itself gives every provider resource: not settings.
_ENGINE_KEYS = frozenset({"version", "pluginDownloadURL", "pluginChecksums"})


def engine_key(name: str) -> bool:
    return name in _ENGINE_KEYS or name.startswith("__")


def explicit(urn: str) -> bool:
    """Whether ``urn`` is a provider resource of the program (``agentrun.Provider("hz", ...)``),
    not the default provider the engine makes from stack config (``default`` or
    ``default_<version>``; an engine that sends no URN configures only that one)."""
    name = urn.rsplit("::", 1)[-1] if urn else "default"
    return name != "default" and not name.startswith("default_")


def provider_problems(package: str, urn: str, inputs: Mapping[str, Any]) -> list[str]:
    """A provider's inputs (the plugin's CheckConfig), checked at preview by the rules of stack
    config: an explicit provider's arguments, or the stack config the engine gives the default
    one, each named as written there (an explicit one's as YAML, TypeScript and Go write them:
    the Python class refuses its own typos first)."""
    prefix = "" if explicit(urn) else f"{package}:"
    given = {k: v for k, v in inputs.items() if not engine_key(k)}
    return problems(package, given, lambda name: f"{prefix}{name}")

