"""What a change of an AgentRun resource means in ``pulumi-agents review``: what the defaults of
:mod:`pulumi_agents.review.meaning` (read from x-api) cannot say. A workspace needs nothing more."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_agents._tree import contains_unknown, tree
from pulumi_agents.review.meaning import Change, Meaning, plain


class AgentRuntime(Meaning):
    def update(self, change: Change) -> list[str]:
        return ["**restarts the runtime** (every update does)"]


class AgentRuntimeEndpoint(Meaning):
    """Who serves its traffic, before and after."""

    whole = 1.0  # what a weight of all the traffic is: a runtime endpoint's weights are ratios

    def describe(self, change: Change) -> list[str]:
        op = change.operation
        old, new = traffic(change.old_inputs, self.whole), traffic(change.new_inputs, self.whole)
        unpublished = _unpublished_weight(change.new_inputs, self.whole) if op != "delete" else []
        follows = [f"serves {LATEST}: it follows every update of the runtime"] if new == f"{LATEST} 100%" else []
        if op == "create":
            return [f"serves traffic: {new}", *follows, *unpublished]
        if op == "delete":
            return [f"deletes the endpoint: its traffic stops ({old})"]
        lines = []
        if op == "replace":
            lines.append("creates the endpoint again: its id and public URL change")
        if old != new:
            lines += [f"**traffic: {old} → {new}**", *follows]
        return lines + unpublished


class FlowEndpoint(AgentRuntimeEndpoint):
    """As a runtime's endpoint, with the vendor's percentages (0-100) for weights."""

    whole = 100.0


class FlowVersion(Meaning):
    """Published, and deleted when the resource goes."""

    def create(self, change: Change) -> list[str]:
        return ["publishes a new version of the flow"]

    def replace(self, change: Change) -> list[str]:
        return [f"publishes a new version of the flow, then deletes {_old_version(change)}"]

    def delete(self, change: Change) -> list[str]:
        return [f"deletes {_old_version(change)} of the flow"]


def _old_version(change: Change) -> str:
    number = change.old_output("version")
    return f"version {number}" if isinstance(number, str | int) and plain(number) else "the old version"


class RuntimeVersion(Meaning):
    """Published, never deleted: a version stays in its runtime's history."""

    def create(self, change: Change) -> list[str]:
        return ["publishes a new version of the runtime"]

    def replace(self, change: Change) -> list[str]:
        return [
            f"publishes a new version of the runtime; {_old_version(change)} stays in its history "
            "(versions cannot be deleted)"
        ]

    def delete(self, change: Change) -> list[str]:
        return [
            f"forgets {_old_version(change)}: it stays in the runtime's history (the API has no delete for versions)"
        ]


# -- traffic of an endpoint ----------------------------------------------------------------------


def _unpublished_weight(inputs: Mapping[str, Any], whole: float) -> list[str]:
    """A weight on a version known only after apply: one this same update publishes, which then
    gets its share of the traffic before anyone has checked it."""
    routing = inputs.get("routingConfiguration") or {}
    weights = routing.get("versionWeights") if isinstance(routing, Mapping) else routing
    if contains_unknown(routing) and not isinstance(weights, list):
        return [
            "**may send weighted traffic to a version published in this same update, before anyone has checked "
            "it: the routing is known only after apply**"
        ]
    unknown = [i for i in weights or [] if isinstance(i, Mapping) and contains_unknown(i.get("version"))]
    if not unknown:
        return []
    shares = [w for w in (i.get("weight") for i in unknown) if isinstance(w, int | float) and not isinstance(w, bool)]
    share = f"{_percent(sum(shares) / whole)} of the " if shares else ""
    return [
        f"**sends {share}traffic to a version known only after apply: a version published in this same update "
        "gets it before anyone has checked it**"
    ]


def _percent(share: float) -> str:
    return f"{round(share * 100, 2):g}%"


# The version an endpoint serves by default (the runtime's current configuration), named as is.
LATEST = tree("AgentRuntimeEndpoint").child("targetVersion").default


def _version_name(version: Any) -> str:
    return str(version) if version == LATEST else f"version {version}"


def traffic(inputs: Mapping[str, Any], whole: float = 1.0) -> str:
    """Who serves an endpoint's traffic: ``version 1 90% / version 2 10%``; the target version
    gets what the weights leave, ``whole`` being all of it (1.0 for ratios, 100 for percentages).
    ``(known after apply)`` while a version or weight is unknown."""
    if not inputs:
        return "none"
    target = inputs.get("targetVersion")
    if target is None:
        target = LATEST
    routing = inputs.get("routingConfiguration") or {}
    weights = routing.get("versionWeights") if isinstance(routing, Mapping) else routing
    if contains_unknown(target) or contains_unknown(weights) or contains_unknown(routing):
        return "(known after apply)"
    shares: dict[str, float] = {}
    for item in weights or []:
        if isinstance(item, Mapping) and isinstance(item.get("weight"), int | float):
            version = str(item.get("version"))
            shares[version] = shares.get(version, 0.0) + float(item["weight"]) / whole
    target = str(target)
    shares[target] = shares.get(target, 0.0) + max(0.0, 1.0 - sum(shares.values()))

    def order(version: str) -> tuple[int, int]:
        return (1, 0) if not version.isdigit() else (0, int(version))

    shown = [v for v in sorted(shares, key=order) if round(shares[v], 6) > 0] or [target]
    return " / ".join(f"{_version_name(v)} {_percent(shares[v])}" for v in shown)
