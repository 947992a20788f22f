"""Agent guardrails: rules on a resource's new properties, for both front doors of pulumi-agents.

The dynamic resources are typed ``pulumi-python:dynamic/<package>:<Type>`` in the state, the
provider plugins' resources ``<package>:index:<Type>``; both carry the API's wire names
(``networkConfiguration.networkMode``, ``mcp_servers[].url``), which is all a rule reads.

Each rule is a plain function ``(Subject) -> list[str]`` (the violations' messages), wrapped in a
CrossGuard policy by :func:`policy`. Every policy is configurable through
``pulumi preview --policy-pack-config FILE``:

    {"runtime-not-public-in-production": {"enforcementLevel": "advisory",
                                          "productionStacks": ["prod", "prod-*"]},
     "canary-max-share": {"maxShare": 0.25}}

Rules that need the old state as well (how far traffic moved in one change) belong to
``pulumi-agents review``, which sees both.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

DYNAMIC_PREFIX = "pulumi-python:dynamic/"
PRODUCTION_STACKS = ["prod", "production", "prod-*", "production-*"]
SHELL_TOOLS = {"bash"}
WEB_TOOLS = {"webfetch", "websearch", "web_fetch", "web_search"}
# An agent toolset whose enabled_tools is omitted or empty enables every built-in tool.
ALL_TOOLS = ["Bash", "Read", "Write", "Edit", "Glob", "Grep", "WebFetch", "WebSearch", "DeliverArtifacts"]


def kind(token: str) -> str | None:
    """``<package>:<Type>`` for both front doors' type tokens, None for any other token."""
    if token.startswith(DYNAMIC_PREFIX):
        return token[len(DYNAMIC_PREFIX) :]
    parts = token.split(":")
    if len(parts) == 3 and parts[1] == "index":
        return f"{parts[0]}:{parts[2]}"
    return None


def stack_of(urn: str) -> str:
    """The stack in ``urn:pulumi:<stack>::<project>::<type>::<name>``."""
    return urn.split("::", 1)[0].split(":", 2)[-1]


@dataclass
class Subject:
    """What a rule sees: the resource's new properties, its names, its stack, the policy's config."""

    props: Mapping[str, Any]
    name: str = ""
    stack: str = ""
    config: Mapping[str, Any] = field(default_factory=dict)

    def setting(self, key: str, default: Any) -> Any:
        value = self.config.get(key)
        return default if value is None else value

    def matches(self, key: str, default: list[str], value: str) -> bool:
        """Whether ``value`` matches one of the patterns of config ``key`` (fnmatch, ``*`` any)."""
        return any(fnmatch.fnmatchcase(value, str(p)) for p in self.setting(key, default))

    @property
    def production(self) -> bool:
        return self.matches("productionStacks", PRODUCTION_STACKS, self.stack)


def _get(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else []


# -- AgentRun runtimes -----------------------------------------------------------------------------


def runtime_not_public(s: Subject) -> list[str]:
    if not s.production:
        return []
    mode = _get(s.props, "networkConfiguration", "networkMode")
    allowed = s.setting("allowedNetworkModes", ["PRIVATE"])
    if mode not in allowed:
        return [
            f"runtime {s.name!r} in production stack {s.stack!r} has networkConfiguration.networkMode "
            f"{mode!r}; allowed: {', '.join(allowed)}"
        ]
    return []


def runtime_health_check(s: Subject) -> list[str]:
    if not s.production:
        return []
    if not _get(s.props, "healthCheckConfiguration", "httpGetUrl"):
        return [
            f"runtime {s.name!r} in production stack {s.stack!r} has no health check "
            "(healthCheckConfiguration.httpGetUrl)"
        ]
    return []


def image_tag(image: str) -> str | None:
    """The tag of a container image reference; '@digest' for a pinned digest; None when it has neither.
    A registry's port (``registry:5000/app``) is not a tag."""
    if "@" in image:
        return "@digest"
    last = image.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else None


def runtime_pinned_image(s: Subject) -> list[str]:
    if not s.production:
        return []
    image = _get(s.props, "containerConfiguration", "image")
    if not isinstance(image, str):
        return []  # a code runtime, or a container whose image is not known yet
    tag = image_tag(image)
    forbidden = [str(t) for t in s.setting("forbiddenTags", ["latest"])]
    if tag is None:
        return [f"runtime {s.name!r} in production stack {s.stack!r} runs image {image!r} without a tag or digest"]
    if tag in forbidden:
        return [f"runtime {s.name!r} in production stack {s.stack!r} runs image {image!r}: tag {tag!r} is not pinned"]
    return []


# -- AgentRun endpoints ----------------------------------------------------------------------------


def canary_max_share(s: Subject) -> list[str]:
    """The versions weighted beside targetVersion are the canaries: together at most maxShare."""
    weights = _items(_get(s.props, "routingConfiguration", "versionWeights"))
    share = sum(float(w.get("weight") or 0) for w in weights if isinstance(w, Mapping))
    limit = float(s.setting("maxShare", 0.2))
    if share > limit + 1e-9:
        return [
            f"endpoint {s.name!r} sends {share:.0%} of its traffic to canary versions "
            f"(routingConfiguration.versionWeights); at most {limit:.0%} is allowed"
        ]
    return []


# -- Qoder -----------------------------------------------------------------------------------------


def agent_tools(s: Subject) -> list[str]:
    enabled: list[str] = []
    for toolset in _items(s.props.get("tools")):
        if isinstance(toolset, Mapping) and toolset.get("type") == "agent_toolset_20260401":
            enabled += [str(t) for t in _items(toolset.get("enabled_tools"))] or ALL_TOOLS
    names = {str(s.props.get("name") or ""), s.name} - {""}
    found = []
    for label, tools, key in (("shell", SHELL_TOOLS, "shellAllowed"), ("web", WEB_TOOLS, "webAllowed")):
        used = sorted({t for t in enabled if t.lower() in tools})
        if used and not any(s.matches(key, [], n) for n in names):
            found.append(
                f"agent {s.name!r} enables {label} tools ({', '.join(used)}) but is not in {key} "
                f"of this policy's config"
            )
    return found


def agent_mcp_https(s: Subject) -> list[str]:
    found = []
    exempt = s.setting("httpAllowedHosts", [])
    for server in _items(s.props.get("mcp_servers")):
        url = server.get("url") if isinstance(server, Mapping) else None
        if not isinstance(url, str) or url.startswith("https://"):
            continue
        host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
        if host not in exempt:
            found.append(f"agent {s.name!r}: MCP server {server.get('name')!r} is reached over {url!r}, not https")
    return found


def environment_networking(s: Subject) -> list[str]:
    """A Qoder environment (vendor SDK: config.networking is unrestricted or limited{...})."""
    networking = _get(s.props, "config", "networking")
    mode = networking.get("type") if isinstance(networking, Mapping) else networking
    if mode == "unrestricted":
        return [
            f"environment {s.name!r} has unrestricted networking (config.networking); use limited with allowed_hosts"
        ]
    return []


# -- the policies ----------------------------------------------------------------------------------

_STACKS = {
    "productionStacks": {
        "type": "array",
        "items": {"type": "string"},
        "default": PRODUCTION_STACKS,
        "description": "Stack names (fnmatch patterns) that count as production.",
    }
}
_NAMES = {"type": "array", "items": {"type": "string"}, "default": []}


def policy(
    name: str,
    description: str,
    kinds: set[str],
    rule: Callable[[Subject], list[str]],
    level: EnforcementLevel = EnforcementLevel.MANDATORY,
    config: dict[str, dict[str, Any]] | None = None,
) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if kind(args.resource_type) not in kinds:
            return
        subject = Subject(args.props, args.name, stack_of(args.urn), args.get_config() or {})
        for message in rule(subject):
            report_violation(message, None)

    return ResourceValidationPolicy(
        name=name,
        description=description,
        enforcement_level=level,
        validate=validate,
        config_schema=PolicyConfigSchema(properties=config) if config else None,
    )


RUNTIME = {"agentrun:AgentRuntime"}
POLICIES = [
    policy(
        "runtime-not-public-in-production",
        "An AgentRun runtime in a production stack is not reachable from the internet.",
        RUNTIME,
        runtime_not_public,
        config={
            **_STACKS,
            "allowedNetworkModes": {"type": "array", "items": {"type": "string"}, "default": ["PRIVATE"]},
        },
    ),
    policy(
        "runtime-health-check-in-production",
        "An AgentRun runtime in a production stack has an HTTP health check.",
        RUNTIME,
        runtime_health_check,
        config=_STACKS,
    ),
    policy(
        "runtime-pinned-image-in-production",
        "A container runtime in a production stack runs a pinned image (a tag other than latest, or a digest).",
        RUNTIME,
        runtime_pinned_image,
        config={**_STACKS, "forbiddenTags": {"type": "array", "items": {"type": "string"}, "default": ["latest"]}},
    ),
    policy(
        "canary-max-share",
        "The versions weighted beside an endpoint's target version carry at most maxShare of its traffic.",
        {"agentrun:AgentRuntimeEndpoint"},
        canary_max_share,
        config={"maxShare": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.2}},
    ),
    policy(
        "qoder-agent-tools",
        "A Qoder agent enables shell or web tools only when its name is allowed to (shellAllowed, webAllowed).",
        {"qoder:Agent"},
        agent_tools,
        config={"shellAllowed": _NAMES, "webAllowed": _NAMES},
    ),
    policy(
        "qoder-mcp-https",
        "A Qoder agent reaches its MCP servers over https.",
        {"qoder:Agent"},
        agent_mcp_https,
        config={"httpAllowedHosts": _NAMES},
    ),
    policy(
        "qoder-environment-networking",
        "A Qoder environment does not have unrestricted networking.",
        {"qoder:Environment"},
        environment_networking,
        level=EnforcementLevel.ADVISORY,
    ),
]
