"""The Pulumi package schema of each provider plugin, generated from schema.json's field tree.

``pulumi package get-schema``, ``GetSchema`` and SDK generators read it: resources with their
input and output properties, named object types, descriptions, secrets, defaults (with their
environment variables for config), and per-property ``replaceOnChanges``. Property names are the
vendors' wire names, as in the state. Nothing here is hand-kept: edit schema.json instead.
"""

from __future__ import annotations

from typing import Any

from pulumi_agents import _config
from pulumi_agents._api import Catalogue, api, catalogues, lookups
from pulumi_agents._schema import resource_types
from pulumi_agents._tree import Node, tree

ANY = {"$ref": "pulumi.json#/Any"}
RESERVED = ("id", "urn")  # what every Pulumi resource has: no property may take the name
_PRIMITIVES = ("string", "integer", "number", "boolean")
_TITLES = {
    "agentrun": "Alibaba Cloud AgentRun: agent runtimes, their endpoints and published versions.",
    "qoder": "Qoder cloud agents.",
    "aiae": "Smoke tests of agents published as APIs on Huawei Cloud's AI-native application engine.",
}


class _Builder:
    def __init__(self, package: str) -> None:
        self.package = package
        self.types: dict[str, Any] = {}

    def token(self, name: str) -> str:
        return f"{self.package}:index:{name}"

    def type_of(self, node: Node) -> dict[str, Any]:
        """The type spec of a value of ``node``."""
        if node.kind == "union":
            options = [self.type_of(b) for b in node.branches]
            return {"oneOf": options} if len(options) > 1 else options[0]
        if node.kind == "object":
            if not node.ref:
                return ANY
            self.object_type(node)
            return {"$ref": f"#/types/{self.token(node.ref)}"}
        if node.kind == "map":
            return {"type": "object", "additionalProperties": self.type_of(node.values) if node.values else ANY}
        if node.kind == "list":
            return {"type": "array", "items": self.type_of(node.items) if node.items else ANY}
        types = [t for t in _PRIMITIVES if t in node.types]
        if not types:
            return ANY
        if len(types) > 1:
            return {"oneOf": [{"type": t} for t in types]}
        return {"type": types[0]}

    def property(self, node: Node) -> dict[str, Any]:
        spec: dict[str, Any] = {**self.type_of(node)}
        if node.description:
            spec["description"] = node.description
        if "enum" in node.schema:
            allowed = ", ".join(str(v) for v in node.schema["enum"])
            spec["description"] = f"{spec.get('description', '')} One of: {allowed}.".strip()
        if node.secret:
            spec["secret"] = True
        if node.replace_reason:
            spec["replaceOnChanges"] = True
            spec["willReplaceOnChanges"] = True
        if node.has_default and isinstance(node.default, bool | int | float | str):
            spec["default"] = node.default
        return spec

    def object_type(self, node: Node) -> None:
        token = self.token(node.ref)
        if token in self.types:
            return
        self.types[token] = {}  # reserve first: a type may refer to itself
        props = {k: n for k, n in node.props.items() if not n.deprecated}
        spec: dict[str, Any] = {
            "type": "object",
            "properties": {k: self.property(n) for k, n in props.items()},
        }
        if node.description:
            spec["description"] = node.description
        required = [k for k, n in props.items() if n.required]
        if required:
            spec["required"] = required
        self.types[token] = spec

    def resource(self, name: str) -> dict[str, Any]:
        root = tree(name)
        # A wire field named as a property every resource has (a vault credential's own ``id``)
        # would clash with it in each generated SDK: the Pulumi id stands for it there.
        props = {
            k: n
            for k, n in root.props.items()
            if not n.internal and not n.deprecated and not n.resource_id and k not in RESERVED
        }
        inputs = {k: n for k, n in props.items() if not n.read_only}
        spec: dict[str, Any] = {
            "description": root.description,
            "inputProperties": {k: self.property(n) for k, n in inputs.items()},
            "requiredInputs": [k for k, n in inputs.items() if n.required],
            "properties": {k: self.property(n) for k, n in props.items()},
            "required": [k for k, n in inputs.items() if n.required],
        }
        return spec

    def function(self, name: str) -> dict[str, Any]:
        """``get<Kind>``: one resource of the kind, looked up by its name, with every output."""
        spec, root = api(name), tree(name)
        assert spec is not None

        def plain(node: Node) -> dict[str, Any]:
            return {
                k: v for k, v in self.property(node).items() if k not in ("replaceOnChanges", "willReplaceOnChanges")
            }

        props = {k: n for k, n in root.props.items() if not n.internal and not n.deprecated and not n.resource_id}
        return {
            "description": f"Looks up an existing {spec.noun} by its name, as an import reads it.",
            "inputs": {"properties": {k: plain(root.child(k)) for k in spec.lookup}, "required": list(spec.lookup)},
            "outputs": {
                "properties": {"id": {"type": "string", "description": "The Pulumi id that imports it."}}
                | {k: plain(n) for k, n in props.items()},
                "required": ["id"],
            },
        }

    def catalogue(self, found: Catalogue) -> dict[str, Any]:
        """A catalogue function (``getModels``): no arguments, every item of the list."""
        root = tree(found.type_name)
        return {
            "description": root.description,
            "outputs": {
                "properties": {found.returns: {"type": "array", "items": self.type_of(root)}},
                "required": [found.returns],
            },
        }

    def config(self) -> dict[str, Any]:
        variables: dict[str, Any] = {}
        for name, node in _config.settings(self.package).items():
            spec = self.property(node)
            env = node.schema.get("x-env")
            if env:
                spec["defaultInfo"] = {"environment": list(env)}
            variables[name] = spec
        return variables


    def provider(self) -> dict[str, Any]:
        """An explicit provider resource: its settings, none required and with no default, so that
        a generated SDK sends only what the program sets; the plugin reads what is left out as
        the default provider does (``_plugin.layered``), the same in every language."""
        inputs = {}
        for name, node in _config.settings(self.package).items():
            spec = self.property(node)
            spec.pop("default", None)
            inputs[name] = spec
        return {
            "description": (
                f"An explicit {self.package} provider: another region or account in the stack. Its arguments win;"
                " one it leaves out is read as the default provider reads it (stack config, then the environment,"
                " then the default), but not from a group it sets another of."
            ),
            "inputProperties": inputs,
        }


def package_schema(package: str, version: str) -> dict[str, Any]:
    """The Pulumi package schema of ``package`` (agentrun, qoder or aiae)."""
    builder = _Builder(package)
    resources = {
        builder.token(name): builder.resource(name) for name, pkg in resource_types().items() if pkg == package
    }
    functions = {token: builder.function(name) for token, name in lookups(package).items()}
    functions |= {token: builder.catalogue(found) for token, found in catalogues(package).items()}
    config = builder.config()
    required = [name for name, node in _config.settings(package).items() if node.required]
    return {
        "name": package,
        "version": version,
        "displayName": package,
        "description": _TITLES.get(package, package),
        "keywords": ["pulumi", package, "ai-agents"],
        "license": "Apache-2.0",
        "config": {"variables": config, **({"defaults": required} if required else {})},
        "provider": builder.provider(),
        "resources": resources,
        "functions": functions,
        "types": builder.types,
        "language": languages(package),
    }


# Where the generated SDKs are published: scripts/gen-sdks.sh makes them from these names.
NPM_SCOPE = "@pulumi-agents"
GO_MODULE_BASE = "github.com/pulumi-agents/pulumi-agents/sdk"


def go_module(package: str) -> str:
    """The Go module of ``package``'s SDK (its folder sdk/<package>/go); the package is below it."""
    return f"{GO_MODULE_BASE}/{package}/go"


def languages(package: str) -> dict[str, Any]:
    """The schema's ``language`` section: the SDKs' names (the npm package, the Go module's import
    path, the Python distribution), each taking the schema's version (the plugin's)."""
    return {
        "nodejs": {"packageName": f"{NPM_SCOPE}/{package}", "respectSchemaVersion": True},
        "go": {
            "importBasePath": f"{go_module(package)}/{package}",
            "generateResourceContainerTypes": False,
            "respectSchemaVersion": True,
        },
        "python": {"packageName": f"pulumi_{package}", "respectSchemaVersion": True},
    }
