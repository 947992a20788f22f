"""What a change of an AgentRun resource means in ``pulumi-agents review``: what the defaults of
:mod:`pulumi_agents.review.meaning` (read from x-api) cannot say. A workspace needs nothing more."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_agents._tree import contains_unknown, tree
from pulumi_agents.review.meaning import Change, Meaning, plain


class AgentRuntime(Meaning):
    def update(self, change: Change) -> list[str]:
        return ["**restarts the runtime** (every update does)", *_served_at_once(change)]


def _served_at_once(change: Change) -> list[str]:
    """The runtime's endpoints on LATEST: they serve its update at once, with no version between."""
    lines = []
    for endpoint in change.of_type("AgentRuntimeEndpoint"):
        if endpoint.operation in ("create", "delete"):
            continue
        ours = endpoint.reads("agentRuntimeId", change.urn)
        if not ours and not (change.old_id is not None and endpoint.old_inputs.get("agentRuntimeId") == change.old_id):
            continue
        now, before = _shares(endpoint.new_inputs), _shares(endpoint.old_inputs)
        if now is not None and now.get(LATEST):
            share = f"{LATEST}: {_percent(now[LATEST])} of its traffic"
            lines.append(f"**endpoint `{endpoint.name}` serves this at once** ({share})")
        elif now is None and before and before.get(LATEST):
            lines.append(
                f"endpoint `{endpoint.name}` served {LATEST} before this update ({_percent(before[LATEST])} of its "
                "traffic): it may serve this at once (its new routing is known only after apply)"
            )
    if not lines and not change.complete:
        lines.append(
            f"an endpoint of this runtime on {LATEST} serves this at once (this preview does not list the "
            "unchanged resources: `--show-sames` names them)"
        )
    return lines


class AgentRuntimeEndpoint(Meaning):
    """Who serves its traffic, before and after."""

    whole = 1.0  # what a weight of all the traffic is: a runtime endpoint's weights are ratios
    versions = "RuntimeVersion"  # the kind whose versions it serves

    def regardless(self, change: Change) -> list[str]:
        return _unpublished_weight(change, self.whole, self.versions) if change.operation != "delete" else []

    def describe(self, change: Change) -> list[str]:
        op = change.operation
        old, new = traffic(change.old_inputs, self.whole), traffic(change.new_inputs, self.whole)
        unpublished = self.regardless(change)
        follows = [f"serves {LATEST}: it follows every update of the runtime"] if new == f"{LATEST} 100%" else []
        if op == "create":
            return [f"serves traffic: {new}", *follows, *unpublished]
        if op == "delete":
            return [f"deletes the endpoint: its traffic stops ({old})"]
        lines = []
        if op == "replace":
            lines.append("creates the endpoint again: its id and public URL change")
        if old != new:
            # A split known only after apply may not change at all: not in bold.
            moved = f"traffic: {old} → {new}"
            lines += [moved if new == UNKNOWN_TRAFFIC else f"**{moved}**", *follows]
        return lines + unpublished


class FlowEndpoint(AgentRuntimeEndpoint):
    """As a runtime's endpoint, with the vendor's percentages (0-100) for weights."""

    whole = 100.0
    versions = "FlowVersion"


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


def _unpublished_weight(change: Change, whole: float, kind: str) -> list[str]:
    """A weight on a version known only after apply. Said in bold when it is one that this same
    update certainly publishes (a version resource the routing reads is created or replaced), which
    then gets its share of the traffic before anyone has checked it; as what may happen otherwise."""
    routing = change.new_inputs.get("routingConfiguration") or {}
    weights = routing.get("versionWeights") if isinstance(routing, Mapping) else routing
    whole_unknown = contains_unknown(routing) and not isinstance(weights, list)
    unknown = [i for i in weights or [] if isinstance(i, Mapping) and contains_unknown(i.get("version"))]
    if not whole_unknown and not unknown:
        return []
    shares = [w for w in (i.get("weight") for i in unknown) if isinstance(w, int | float) and not isinstance(w, bool)]
    if not whole_unknown and len(shares) == len(unknown) and not sum(shares):
        return []  # a weight of 0: no traffic goes there
    share = f"{_percent(sum(shares) / whole)} of the " if shares and not whole_unknown else ""
    read = change.read_by("routingConfiguration", kind)
    published = [v for v in (change.of_type(kind) if read is None else read) if v.operation in ("create", "replace")]
    names = ", ".join(f"`{v.name}`" for v in published)
    if published and all(v.certain for v in published) and not whole_unknown:
        return [
            f"**sends {share}traffic to {names}, a version this same update publishes, before anyone has checked it**"
        ]
    if published:
        which = (
            f"{names}, a version this same update publishes"
            if all(v.certain for v in published)
            else (f"{names}, if this same update publishes it (known only after apply)")
        )
        known = "the routing is known only after apply" if whole_unknown else "its version is known only after apply"
        return [f"may send {share}traffic to {which}, before anyone has checked it: {known}"]
    return [
        f"may send {share}traffic to a version published in this same update, before anyone has checked it: "
        "its version is known only after apply"
    ]


def _percent(share: float) -> str:
    return f"{round(share * 100, 2):g}%"


# The version an endpoint serves by default (the runtime's current configuration), named as is.
LATEST = tree("AgentRuntimeEndpoint").child("targetVersion").default


def _version_name(version: Any) -> str:
    return str(version) if version == LATEST else f"version {version}"


UNKNOWN_TRAFFIC = "(known after apply)"


def _shares(inputs: Mapping[str, Any], whole: float = 1.0) -> dict[str, float] | None:
    """Each version's share of an endpoint's traffic (``LATEST`` by its name): the target version
    gets what the weights leave, ``whole`` being all of it. None while a version or weight is unknown."""
    target = inputs.get("targetVersion")
    if target is None:
        target = LATEST
    routing = inputs.get("routingConfiguration") or {}
    weights = routing.get("versionWeights") if isinstance(routing, Mapping) else routing
    if contains_unknown(target) or contains_unknown(weights) or contains_unknown(routing):
        return None
    shares: dict[str, float] = {}
    for item in weights or []:
        if isinstance(item, Mapping) and isinstance(item.get("weight"), int | float):
            version = str(item.get("version"))
            shares[version] = shares.get(version, 0.0) + float(item["weight"]) / whole
    target = str(target)
    shares[target] = shares.get(target, 0.0) + max(0.0, 1.0 - sum(shares.values()))
    return shares


def traffic(inputs: Mapping[str, Any], whole: float = 1.0) -> str:
    """Who serves an endpoint's traffic: ``version 1 90% / version 2 10%``; the target version
    gets what the weights leave, ``whole`` being all of it (1.0 for ratios, 100 for percentages).
    ``(known after apply)`` while a version or weight is unknown."""
    if not inputs:
        return "none"
    shares = _shares(inputs, whole)
    if shares is None:
        return UNKNOWN_TRAFFIC
    target = inputs.get("targetVersion")
    target = LATEST if target is None else str(target)

    def order(version: str) -> tuple[int, int]:
        return (1, 0) if not version.isdigit() else (0, int(version))

    shown = [v for v in sorted(shares, key=order) if round(shares[v], 6) > 0] or [target]
    return " / ".join(f"{_version_name(v)} {_percent(shares[v])}" for v in shown)
