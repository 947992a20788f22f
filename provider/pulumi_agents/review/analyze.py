"""From a preview's steps to the review model, with schema.json's semantics.

A replacement's steps (``create-replacement``, ``replace``, ``delete-replaced``) fold into one
resource, ``delete_first`` when the old one goes first. What changes in it is read by
:mod:`.changes` (property paths: :mod:`.paths`; what must not be shown: :mod:`.secrets`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_agents._schema import resource_types
from pulumi_agents._tree import contains_unknown, tree
from pulumi_agents.review.changes import Diff
from pulumi_agents.review.model import OPERATIONS, DiagnosticReview, PropertyChange, ResourceReview, Review
from pulumi_agents.review.preview import Diagnostic, Preview, Step, is_secret, is_unknown, parse_urn

DYNAMIC_PREFIX = "pulumi-python:dynamic/"
_REPLACE_OPS = ("create-replacement", "replace", "delete-replaced")

# What each of our resources is called in a sentence.
NOUNS = {
    "AgentRuntime": "the runtime",
    "AgentRuntimeEndpoint": "the endpoint",
    "RuntimeVersion": "the version",
    "Agent": "the agent",
    "AgentSmokeTest": "the smoke test",
}


# -- types ---------------------------------------------------------------------------------------


def our_type(token: str) -> str | None:
    """The schema.json definition behind ``token``, for our dynamic and plugin type tokens."""
    if token.startswith(DYNAMIC_PREFIX):
        module, _, name = token[len(DYNAMIC_PREFIX) :].partition(":")
    else:
        parts = token.split(":")
        if len(parts) != 3 or parts[1] != "index":
            return None
        module, name = parts[0], parts[2]
    return name if resource_types().get(name) == module else None


def display_type(token: str) -> str:
    """``agentrun.AgentRuntime`` for both of our tokens; ``stack``; other tokens as they are."""
    name = our_type(token)
    if name:
        return f"{resource_types()[name]}.{name}"
    if token == "pulumi:pulumi:Stack":
        return "stack"
    if token.startswith("pulumi:providers:"):
        return f"provider {token.rsplit(':', 1)[-1]}"
    return token


# -- one resource --------------------------------------------------------------------------------


class _Resource:
    """The folded steps of one URN, and what the review needs from them."""

    def __init__(self, urn: str, steps: list[Step]) -> None:
        self.urn, self.steps = urn, steps
        ops = [s.op for s in steps]
        self.delete_first = False
        if any(op in _REPLACE_OPS for op in ops):
            self.operation = "replace"
            if "delete-replaced" in ops and "create-replacement" in ops:
                self.delete_first = ops.index("delete-replaced") < ops.index("create-replacement")
        else:
            self.operation = ops[-1]
        main = next((s for s in steps if s.op in ("replace", "create-replacement")), steps[-1])
        olds = [s.old for s in steps if s.old]
        news = [s.new for s in (main, *steps) if s.new]
        old: dict[str, Any] = olds[0] if olds else {}
        new: dict[str, Any] = news[0] if news else {}
        parsed = parse_urn(urn)
        self.name = parsed.name if parsed else urn
        self.token = str(new.get("type") or old.get("type") or (parsed.type if parsed else ""))
        self.type_name = our_type(self.token)
        self.diff = Diff(
            self.type_name,
            self.operation,
            old,
            new,
            detailed_diff=next((s.detailed_diff for s in steps if s.detailed_diff is not None), None),
            replace_reasons=list(dict.fromkeys(r for s in steps for r in s.replace_reasons)),
            owner=NOUNS.get(self.type_name or "", "the service"),
        )
        self.spec = self.diff.spec
        self.old_inputs, self.new_inputs = self.diff.old_inputs, self.diff.new_inputs
        self.old_outputs = self.diff.old_outputs

    # -- what it means

    def meaning(self, changes: list[PropertyChange]) -> list[str]:
        op, kind = self.operation, self.type_name
        changed = [c for c in changes if c.kind not in ("unmanaged", "maybe")]
        only_options = bool(changed) and all(self.diff.option(c.path) for c in changed)
        if op == "update" and only_options:
            return ["changes only how Pulumi handles it (not sent to the service)"]
        if kind == "AgentRuntime":
            return self._runtime(op)
        if kind == "AgentRuntimeEndpoint":
            return self._endpoint(op)
        if kind == "RuntimeVersion":
            return self._version(op)
        if kind == "Agent":
            return self._agent(op)
        if kind == "AgentSmokeTest":
            return self._smoke_test(op)
        if self.token == "pulumi:pulumi:Stack" and op == "create":
            return ["a new stack"]
        return []

    @property
    def version_key(self) -> str:
        """The output that holds the version number (``version`` in Python, whatever its wire name)."""
        return self.spec.python.get("version", "version") if self.spec else "version"

    def _runtime(self, op: str) -> list[str]:
        if op == "create":
            return ["creates the runtime"]
        if op == "update":
            return ["**restarts the runtime** (every update does)"]
        if op == "replace":
            if self.delete_first:
                return ["deletes the runtime, then creates it again: unavailable in between, and its id changes"]
            return ["creates a new runtime, then deletes the old one: the runtime id changes"]
        if op == "delete":
            return ["deletes the runtime"]
        return []

    def _endpoint(self, op: str) -> list[str]:
        old, new = traffic(self.old_inputs), traffic(self.new_inputs)
        if op == "create":
            return [f"serves traffic: {new}"]
        if op == "delete":
            return [f"deletes the endpoint: its traffic stops ({old})"]
        lines = []
        if op == "replace":
            lines.append("creates the endpoint again: its id and public URL change")
        if old != new:
            lines.append(f"traffic: {old} → {new}")
        return lines

    def _version(self, op: str) -> list[str]:
        number = self.old_outputs.get(self.version_key)
        old = f"version {number}" if isinstance(number, str | int) and not is_secret(number) else "the old version"
        if op == "create":
            return ["publishes a new version of the runtime"]
        if op == "replace":
            return [f"publishes a new version of the runtime; {old} stays in its history (versions cannot be deleted)"]
        if op == "delete":
            return [f"forgets {old}: it stays in the runtime's history (the API has no delete for versions)"]
        return []

    def _agent(self, op: str) -> list[str]:
        on_delete = self.old_inputs.get("onDelete") or "archive"
        fate = "deleted permanently" if on_delete == "delete" else "archived (not deleted)"
        if op == "create":
            return ["creates the agent (version 1)"]
        if op == "update":
            number = self.old_outputs.get(self.version_key)
            if isinstance(number, int | float) and not isinstance(number, bool):
                return [f"publishes a new version of the agent (version {int(number)} → {int(number) + 1})"]
            return ["publishes a new version of the agent"]
        if op == "replace":
            return [f"creates a new agent; the old one is {fate}"]
        if op == "delete":
            return [f"the agent is {fate}"]
        return []

    def _smoke_test(self, op: str) -> list[str]:
        url = self.new_inputs.get("url") or self.old_inputs.get("url")
        where = f" against {url}" if isinstance(url, str) and not is_secret(url) and not is_unknown(url) else ""
        if op == "create":
            return [f"runs the smoke test{where}"]
        if op in ("update", "replace"):
            return [f"runs the smoke test again{where}"]
        if op == "delete":
            return ["nothing to remove: the smoke test only checked the agent"]
        return []

    def revealed(self) -> set[str]:
        return self.diff.secrets.revealed(self.old_inputs, self.new_inputs, self.old_outputs)

    def review(self) -> ResourceReview:
        changes, source = self.diff.property_changes()
        return ResourceReview(
            urn=self.urn,
            name=self.name,
            type=display_type(self.token),
            token=self.token,
            operation=self.operation,
            delete_first=self.delete_first,
            replace_reasons=self.diff.reasons(changes),
            changes=changes,
            meaning=self.meaning(changes),
            diff_source="engine" if source == "engine" else "inputs" if source == "inputs" else "none",
        )


# -- traffic of an endpoint ----------------------------------------------------------------------


def _percent(share: float) -> str:
    return f"{round(share * 100, 2):g}%"


def _version_name(version: Any) -> str:
    return "LATEST" if version == "LATEST" else f"version {version}"


def traffic(inputs: Mapping[str, Any]) -> str:
    """Who serves an endpoint's traffic: ``version 1 90% / version 2 10%``; the target version
    gets what the weights leave. ``(known after apply)`` while a version or weight is unknown."""
    if not inputs:
        return "none"
    target = inputs.get("targetVersion")
    if target is None:
        target = tree("AgentRuntimeEndpoint").child("targetVersion").default or "LATEST"
    routing = inputs.get("routingConfiguration") or {}
    weights = routing.get("versionWeights") if isinstance(routing, Mapping) else routing
    if contains_unknown(target) or contains_unknown(weights) or contains_unknown(routing):
        return "(known after apply)"
    shares: dict[str, float] = {}
    for item in weights or []:
        if isinstance(item, Mapping) and isinstance(item.get("weight"), int | float):
            version = str(item.get("version"))
            shares[version] = shares.get(version, 0.0) + float(item["weight"])
    target = str(target)
    shares[target] = shares.get(target, 0.0) + max(0.0, 1.0 - sum(shares.values()))

    def order(version: str) -> tuple[int, int]:
        return (1, 0) if not version.isdigit() else (0, int(version))

    shown = [v for v in sorted(shares, key=order) if round(shares[v], 6) > 0] or [target]
    return " / ".join(f"{_version_name(v)} {_percent(shares[v])}" for v in shown)


# -- the whole preview ---------------------------------------------------------------------------

_IMPORTANCE = {"replace": 0, "delete": 1, "update": 2, "create": 3}


def _diagnostics(found: list[Diagnostic]) -> list[DiagnosticReview]:
    out: dict[tuple[str, str, str], DiagnosticReview] = {}
    for diagnostic in found:
        severity = diagnostic.severity.split("#", 1)[0]
        if severity not in ("error", "warning"):
            continue  # info and debug lines: the program's own output, not the preview's verdict
        message = diagnostic.message.strip()
        for prefix in ("error: ", "warning: "):
            message = message.removeprefix(prefix)
        key = (severity, message, diagnostic.urn)
        if key in out:
            out[key].count += 1
            continue
        urn = parse_urn(diagnostic.urn)
        out[key] = DiagnosticReview(
            severity, message, urn.name if urn else "", display_type(urn.type) if urn else "", diagnostic.urn
        )
    return sorted(out.values(), key=lambda d: d.severity != "error")


def build(preview: Preview, stack: str | None = None) -> Review:
    """The review of ``preview``; ``stack`` overrides the stack name the URNs carry."""
    grouped: dict[str, list[Step]] = {}
    for step in preview.steps:
        grouped.setdefault(step.urn, []).append(step)
    resources = [_Resource(urn, steps) for urn, steps in grouped.items()]
    reviews = []
    revealed = set(preview.revealed)
    for resource in resources:
        revealed |= resource.revealed()
        reviewed = resource.review()
        if reviewed.operation in ("same", "read", "refresh") and not reviewed.changes:
            continue  # nothing changes: counted, not listed
        reviews.append(reviewed)
    reviews.sort(key=lambda r: _IMPORTANCE.get(r.operation, 4 if r.operation != "same" else 5))

    urns = [parse_urn(s.urn) for s in preview.steps] + [parse_urn(d.urn) for d in preview.diagnostics]
    first = next((u for u in urns if u), None)
    counts = dict.fromkeys(OPERATIONS, 0)
    if preview.summary is not None:
        counts.update(preview.summary)
    else:
        for resource in resources:
            counts[resource.operation] = counts.get(resource.operation, 0) + 1
    diagnostics = _diagnostics(preview.diagnostics)
    seen_sames = sum(1 for r in resources if r.operation == "same")
    return Review(
        stack=stack or (first.stack if first else ""),
        project=first.project if first else "",
        failed=any(d.severity == "error" for d in diagnostics),
        counts=counts,
        resources=reviews,
        diagnostics=diagnostics,
        unseen_sames=max(0, counts.get("same", 0) - seen_sames),
        revealed=frozenset(s for s in revealed if len(s) >= 6),
    )
