"""One resource's property changes: the engine's ``detailedDiff`` folded into PropertyChanges when a
provider plugin gave one, else the step's old and new inputs compared the way the provider does
(:mod:`pulumi_agents._diff`: sets, aliases, unset object keys not managed, what removing an
argument means).

An argument removed from the program that the service keeps (``x-on-remove: keep``) previews as
no change; it is named here: the service keeps its value, which the stack no longer manages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_agents._diff import changes as diff_changes
from pulumi_agents._diff import detailed_diff, property_paths
from pulumi_agents._fields import Fields, fields
from pulumi_agents._tree import Node, contains_unknown, tree
from pulumi_agents.review.model import PropertyChange, ReplaceReason
from pulumi_agents.review.paths import MISSING, lookup, parse_path, show, top_path
from pulumi_agents.review.preview import contains_secret, is_secret
from pulumi_agents.review.secrets import Secrets

_DRIFT = "the service reports another value than the program's (changed outside Pulumi)"


class Diff:
    """The two sides of one resource's change (``old`` and ``new`` are the engine's states) and
    the property changes read from them; ``type_name`` is None for another provider's resource,
    ``owner`` how a sentence names the resource (``the runtime``)."""

    def __init__(
        self,
        type_name: str | None,
        operation: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        *,
        detailed_diff: Mapping[str, Any] | None = None,
        replace_reasons: Sequence[str] = (),
        owner: str = "the service",
    ) -> None:
        self.type_name, self.operation, self.owner = type_name, operation, owner
        self.has_states = bool(old or new)
        self.detailed_diff, self.replace_reasons = detailed_diff, list(replace_reasons)
        self.spec: Fields | None = fields(type_name) if type_name else None
        self.old_inputs: dict[str, Any] = dict(old.get("inputs") or {})
        self.new_inputs: dict[str, Any] = dict(new.get("inputs") or {})
        self.old_outputs: dict[str, Any] = dict(old.get("outputs") or {})
        tops = (str(k) for state in (old, new) for k in state.get("additionalSecretOutputs") or [])
        self.secrets = Secrets(tree(type_name) if type_name else None, tops)

    # -- facts of a field

    def node(self, key: str) -> Node | None:
        if self.spec is None or key not in self.spec.root.props:
            return None
        return self.spec.node(key)

    def hidden(self, key: str) -> bool:
        """The dynamic provider's pickled self, and our internal provider options (as
        ``__ownerSeed`` from the dynamic resources, or by their wire names in an older state)."""
        node = self.node(key)
        return key.startswith("__") or (node is not None and node.internal)

    def option(self, path: str) -> bool:
        """Whether ``path`` is in one of our provider options (not sent to the service)."""
        parts = parse_path(path)
        node = self.node(str(parts[0])) if parts else None
        return node is not None and node.option

    def change(self, path: str, kind: Any, *, replaces: bool = False, source: str = "inputs") -> PropertyChange:
        parts = parse_path(path)
        olds = self.old_outputs if source == "outputs" else self.old_inputs
        old, new = lookup(olds, parts), lookup(self.new_inputs, parts)
        secret = self.secrets.secret(parts, old, new)
        return PropertyChange(
            path=path,
            kind=kind,
            secret=secret,
            old=None if secret or old is MISSING else old,
            new=None if secret or new is MISSING else new,
            replaces=replaces,
        )

    # -- what changes

    def property_changes(self) -> tuple[list[PropertyChange], str]:
        """The changes, and where they came from: ``engine``, ``inputs`` or ``none``."""
        found: list[PropertyChange] = []
        source = "none"
        if self.operation in ("update", "replace"):
            if self.detailed_diff is not None:
                source = "engine"
                found = self._from_engine()
            elif self.has_states:
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
            return out + [_maybe(k) for k in hidden]
        drift = self._drift()
        if drift:
            return drift + [_maybe(k) for k in hidden]
        if len(hidden) == 1:
            # The provider found a change, and nothing else it compares differs: this is it.
            return [PropertyChange(path=hidden[0], kind="update", secret=True)]
        return [_maybe(k) for k in hidden]

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
            change.note = _DRIFT
            changes.append(change)
        return changes

    def _from_foreign_inputs(self) -> list[PropertyChange]:
        """Another provider's resource without a detailed diff: the top-level inputs that differ."""
        out = []
        for key in dict.fromkeys([*self.old_inputs, *self.new_inputs]):
            if key == "__provider":
                continue
            old, new = self.old_inputs.get(key, MISSING), self.new_inputs.get(key, MISSING)
            if old == new:
                continue
            kind = "add" if old is MISSING else "delete" if new is MISSING else "update"
            out.append(self.change(top_path(key), kind))
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
        for key, old in self.old_inputs.items():
            node = self.node(key)
            if node is None or node.on_remove != "keep" or self.new_inputs.get(key) is not None or old is None:
                continue
            if self.operation == "replace":
                continue  # a new resource: nothing is kept
            secret = self.secrets.secret([key], old)
            kept = "its value" if secret else show(old)
            out.append(
                PropertyChange(
                    path=key,
                    kind="unmanaged",
                    secret=secret,
                    old=None if secret else old,
                    note=f"no longer managed: {self.owner} keeps {kept}",
                )
            )
        return out

    def reasons(self, changes: list[PropertyChange]) -> list[ReplaceReason]:
        """Why a replacement replaces: the engine's reasons, else the changes that replace."""
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
                    unknown=new is not MISSING and contains_unknown(new),
                )
            )
        return out


def _maybe(key: str) -> PropertyChange:
    return PropertyChange(path=key, kind="maybe", secret=True)
