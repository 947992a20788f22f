"""From a preview's steps to the review model, with schema.json's semantics.

- A replacement's steps (``create-replacement``, ``replace``, ``delete-replaced``) fold into one
  resource, ``delete_first`` when the old one goes first.
- Property changes come from the engine's ``detailedDiff`` when a provider plugin gave one, else
  from comparing the step's old and new inputs the way the provider does (:mod:`pulumi_agents._diff`:
  sets, aliases, unset object keys not managed, what removing an argument means).
- An argument removed from the program that the service keeps (``x-on-remove: keep``) previews as
  no change; it is named here: the service keeps its value, which the stack no longer manages.
- A secret is named, never shown: the preview's ``[secret]`` values, Pulumi's signature objects,
  every path schema.json marks ``x-secret`` and every top-level ``additionalSecretOutputs``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi_agents._diff import changes as diff_changes
from pulumi_agents._diff import detailed_diff, property_paths
from pulumi_agents._fields import Fields, fields
from pulumi_agents._schema import resource_types
from pulumi_agents._tree import Node, contains_unknown, tree
from pulumi_agents.review.model import (
    OPERATIONS,
    DiagnosticReview,
    PropertyChange,
    ReplaceReason,
    ResourceReview,
    Review,
)
from pulumi_agents.review.preview import (
    Diagnostic,
    Preview,
    Step,
    contains_secret,
    is_secret,
    is_unknown,
    parse_urn,
)

DYNAMIC_PREFIX = "pulumi-python:dynamic/"
_REPLACE_OPS = ("create-replacement", "replace", "delete-replaced")
_MISSING: Any = object()

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


# -- values and paths ----------------------------------------------------------------------------


def show(value: Any, limit: int = 120) -> str:
    """A value as compact JSON for a reader; values not known yet say so."""
    if is_unknown(value):
        return "(known after apply)"
    text = json.dumps(_known(value), ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _known(value: Any) -> Any:
    if is_unknown(value):
        return "(known after apply)"
    if isinstance(value, Mapping):
        return {k: _known(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_known(v) for v in value]
    return value


_PATH_PART = re.compile(r'\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')


def parse_path(path: str) -> list[str | int]:
    """``a.b[0]["odd key"]`` as ``["a", "b", 0, "odd key"]`` (a Pulumi property path)."""
    parts: list[str | int] = []
    pos = 0
    while pos < len(path):
        match = _PATH_PART.match(path, pos)
        if not match or match.end() == pos:
            return [path]  # not a path we know how to read: the whole of it is one key
        name, index, quoted = match.groups()
        if index is not None:
            parts.append(int(index))
        elif quoted is not None:
            parts.append(json.loads(f'"{quoted}"'))
        else:
            parts.append(name)
        pos = match.end()
    return parts


def lookup(value: Any, parts: Sequence[str | int]) -> Any:
    """The value at ``parts``; a secret met on the way is returned as it stands (the path is inside it)."""
    for part in parts:
        if is_secret(value) or is_unknown(value):
            return value
        found = isinstance(value, list) and isinstance(part, int) and part < len(value)
        if not (found or (isinstance(value, Mapping) and isinstance(part, str) and part in value)):
            return _MISSING
        value = value[part]
    return value


def _schema_secret(root: Node | None, parts: Sequence[str | int]) -> bool:
    """Whether schema.json marks the field at ``parts``, one above it, or one inside it, secret."""
    if root is None:
        return False
    node = root
    for part in parts:
        if node.secret:
            return True
        node = node.item if isinstance(part, int) else node.at({}).child(part)
    return node.has_secret


def _plain_secrets(node: Node, value: Any, out: set[str]) -> None:
    """Collect the clear-text strings found where schema.json says a secret is."""
    node = node.at(value)
    if node.secret:
        out.update(s for s in _strings(value) if not is_secret(s) and not is_unknown(s))
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            _plain_secrets(node.child(k), v, out)
    elif isinstance(value, list):
        for v in value:
            _plain_secrets(node.item, v, out)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


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
        self.old: dict[str, Any] = olds[0] if olds else {}
        self.new: dict[str, Any] = news[0] if news else {}
        self.detailed_diff = next((s.detailed_diff for s in steps if s.detailed_diff is not None), None)
        self.replace_reasons = list(dict.fromkeys(r for s in steps for r in s.replace_reasons))
        parsed = parse_urn(urn)
        self.name = parsed.name if parsed else urn
        self.token = str(self.new.get("type") or self.old.get("type") or (parsed.type if parsed else ""))
        self.type_name = our_type(self.token)
        self.spec: Fields | None = fields(self.type_name) if self.type_name else None
        self.root = tree(self.type_name) if self.type_name else None
        self.old_inputs: dict[str, Any] = dict(self.old.get("inputs") or {})
        self.new_inputs: dict[str, Any] = dict(self.new.get("inputs") or {})
        self.old_outputs: dict[str, Any] = dict(self.old.get("outputs") or {})
        self.secret_tops = {
            str(k) for state in (self.old, self.new) for k in state.get("additionalSecretOutputs") or []
        }

    # -- facts of a field

    def node(self, key: str) -> Node | None:
        if self.spec is None or key not in self.spec.root.props:
            return None
        return self.spec.node(key)

    def hidden(self, key: str) -> bool:
        """The dynamic provider's pickled self, and our internal provider options."""
        node = self.node(key)
        return key == "__provider" or (node is not None and node.internal)

    def secret(self, parts: Sequence[str | int], *values: Any) -> bool:
        top = parts[0] if parts else ""
        return (
            (isinstance(top, str) and top in self.secret_tops)
            or any(contains_secret(v) for v in values)
            or _schema_secret(self.root, parts)
        )

    def change(self, path: str, kind: Any, *, replaces: bool = False, source: str = "inputs") -> PropertyChange:
        parts = parse_path(path)
        olds = self.old_outputs if source == "outputs" else self.old_inputs
        old, new = lookup(olds, parts), lookup(self.new_inputs, parts)
        secret = self.secret(parts, old, new)
        return PropertyChange(
            path=path,
            kind=kind,
            secret=secret,
            old=None if secret or old is _MISSING else old,
            new=None if secret or new is _MISSING else new,
            replaces=replaces,
        )

    # -- what changes

    def property_changes(self) -> tuple[list[PropertyChange], str]:
        found: list[PropertyChange] = []
        source = "none"
        if self.operation in ("update", "replace"):
            if self.detailed_diff is not None:
                source = "engine"
                found = self._from_engine()
            elif self.old or self.new:
                source = "inputs"
                found = self._from_inputs() if self.type_name else self._from_foreign_inputs()
        if self.operation not in ("create", "delete", "read", "import") and self.type_name:
            found += self._unmanaged()
        return found, source

    def _from_engine(self) -> list[PropertyChange]:
        out = []
        for path, diff in (self.detailed_diff or {}).items():
            parts = parse_path(path)
            if parts and isinstance(parts[0], str) and self.hidden(parts[0]):
                continue
            kind = str(diff.get("kind", "update")) if isinstance(diff, Mapping) else "update"
            base = kind.removesuffix("-replace")
            source = "inputs" if not isinstance(diff, Mapping) or diff.get("inputDiff", True) else "outputs"
            change = self.change(
                path, base if base in ("add", "delete") else "update", replaces=kind.endswith("-replace"), source=source
            )
            if change.kind == "delete" and len(parts) == 1:
                change.note = self._removal_note(str(parts[0]))
            out.append(change)
        return out

    def _from_inputs(self) -> list[PropertyChange]:
        assert self.type_name is not None and self.spec is not None
        found = diff_changes(self.type_name, self.old_inputs, self.new_inputs)
        paths = self._finer(detailed_diff(self.type_name, self.old_inputs, self.new_inputs, found))
        out = []
        for path, (kind, replaces) in paths.items():
            parts = parse_path(path)
            if parts and isinstance(parts[0], str) and self.hidden(parts[0]):
                continue
            change = self.change(path, kind, replaces=replaces)
            if kind == "delete" and len(parts) == 1:
                change.note = self._removal_note(str(parts[0]))
            out.append(change)
        # The dynamic provider shows a secret whole as "[secret]" on both sides: equal to the
        # eye, whatever it holds. Name each one the comparison could not see into.
        hidden = [
            k
            for k, v in self.new_inputs.items()
            if is_secret(v) and self.old_inputs.get(k) == v and not self.hidden(k) and self.operation == "update"
        ]
        if out or not hidden:
            return out + [self._maybe(k) for k in hidden]
        drift = self._drift()
        if drift:
            return drift + [self._maybe(k) for k in hidden]
        if len(hidden) == 1:
            # The provider found a change, and nothing else it compares differs: this is it.
            return [PropertyChange(path=hidden[0], kind="update", secret=True)]
        return [self._maybe(k) for k in hidden]

    def _finer(self, paths: dict[str, tuple[str, bool]]) -> dict[str, tuple[str, bool]]:
        """The provider's diff names a whole field when a value inside it is not known yet; a
        reviewer wants the keys that change (``metadata.team``), the unknown ones included."""
        out: dict[str, tuple[str, bool]] = {}
        for path, (kind, replaces) in paths.items():
            key = str(parse_path(path)[0])
            old, new = self.old_inputs.get(key), self.new_inputs.get(key)
            node = self.node(key)
            if path == key and kind == "update" and node is not None and isinstance(old, Mapping):
                finer = dict(property_paths(node, old, new, key))
                if finer:
                    out.update({p: (k, replaces) for p, k in finer.items()})
                    continue
            out[path] = (kind, replaces)
        return out

    def _maybe(self, key: str) -> PropertyChange:
        return PropertyChange(path=key, kind="maybe", secret=True)

    def _drift(self) -> list[PropertyChange]:
        """Fields whose program value did not change but which the service reports otherwise."""
        assert self.type_name is not None
        olds = {k: v for k, v in self.old_outputs.items() if not contains_secret(v)}
        news = {k: v for k, v in self.new_inputs.items() if not contains_secret(v)}
        found = diff_changes(self.type_name, olds, news)
        paths = detailed_diff(self.type_name, olds, news, found)
        changes = []
        for path, (kind, replaces) in paths.items():
            if kind == "delete":
                continue
            change = self.change(path, "drift", replaces=replaces, source="outputs")
            change.note = "the service reports another value than the program's (changed outside Pulumi)"
            changes.append(change)
        return changes

    def _from_foreign_inputs(self) -> list[PropertyChange]:
        """Another provider's resource without a detailed diff: the top-level inputs that differ."""
        out = []
        for key in dict.fromkeys([*self.old_inputs, *self.new_inputs]):
            if key == "__provider":
                continue
            old, new = self.old_inputs.get(key, _MISSING), self.new_inputs.get(key, _MISSING)
            if old == new:
                continue
            kind = "add" if old is _MISSING else "delete" if new is _MISSING else "update"
            out.append(self.change(key if re.match(r"^[A-Za-z_]\w*$", key) else f"[{json.dumps(key)}]", kind))
        return out

    def _removal_note(self, key: str) -> str:
        node = self.node(key)
        if node is None:
            return ""
        if node.on_remove == "clear":
            return "removed: the service clears it"
        if node.on_remove == "reset" and node.has_default:
            return f"removed: back to the default {show(node.default)}"
        return ""

    def _unmanaged(self) -> list[PropertyChange]:
        """Arguments set before and removed now that the service keeps (x-on-remove keep)."""
        out = []
        noun = NOUNS.get(self.type_name or "", "the service")
        for key, old in self.old_inputs.items():
            node = self.node(key)
            if node is None or node.on_remove != "keep" or self.new_inputs.get(key) is not None or old is None:
                continue
            if self.operation == "replace":
                continue  # a new resource: nothing is kept
            secret = self.secret([key], old)
            kept = "its value" if secret else show(old)
            out.append(
                PropertyChange(
                    path=key,
                    kind="unmanaged",
                    secret=secret,
                    old=None if secret else old,
                    note=f"no longer managed: {noun} keeps {kept}",
                )
            )
        return out

    def reasons(self, changes: list[PropertyChange]) -> list[ReplaceReason]:
        if self.operation != "replace":
            return []
        keys = self.replace_reasons or list(dict.fromkeys(c.path for c in changes if c.replaces))
        out = []
        for key in keys:
            parts = parse_path(key)
            node = self.node(str(parts[0])) if parts else None
            new = lookup(self.new_inputs, parts)
            out.append(
                ReplaceReason(
                    property=key,
                    reason=(node.replace_reason or "") if node is not None else "",
                    unknown=new is not _MISSING and contains_unknown(new),
                )
            )
        return out

    # -- what it means

    def meaning(self, changes: list[PropertyChange]) -> list[str]:
        op, kind = self.operation, self.type_name
        changed = [c for c in changes if c.kind not in ("unmanaged", "maybe")]
        only_options = bool(changed) and all(self._option(c.path) for c in changed)
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

    def _option(self, path: str) -> bool:
        parts = parse_path(path)
        node = self.node(str(parts[0])) if parts else None
        return node is not None and node.option

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
        found: set[str] = set()
        if self.root is not None:
            for inputs in (self.old_inputs, self.new_inputs, self.old_outputs):
                _plain_secrets(self.root, inputs, found)
        return found

    def review(self) -> ResourceReview:
        changes, source = self.property_changes()
        return ResourceReview(
            urn=self.urn,
            name=self.name,
            type=display_type(self.token),
            token=self.token,
            operation=self.operation,
            delete_first=self.delete_first,
            replace_reasons=self.reasons(changes),
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
