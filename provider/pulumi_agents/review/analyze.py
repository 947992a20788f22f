"""From a preview's steps to the review model, with schema.json's semantics.

A replacement's steps (``create-replacement``, ``replace``, ``delete-replaced``) fold into one
resource, ``delete_first`` when the old one goes first. What changes in it is read by
:mod:`.changes` (property paths: :mod:`.paths`; what must not be shown: :mod:`.secrets`); what the
change means, the kind says (:mod:`.meaning`): nothing here names a kind.
"""

from __future__ import annotations

import re

from pulumi_agents._schema import resource_types
from pulumi_agents._tree import contains_unknown
from pulumi_agents.review.changes import Diff
from pulumi_agents.review.meaning import Change, meaning_of
from pulumi_agents.review.model import (
    OPERATIONS,
    DiagnosticReview,
    PolicyReview,
    PropertyChange,
    ResourceReview,
    Review,
)
from pulumi_agents.review.preview import Diagnostic, Preview, Step, Violation, parse_urn

DYNAMIC_PREFIX = "pulumi-python:dynamic/"
KNOWN_AFTER_APPLY = (
    "depends on values known only after apply: whether it changes at all is known then "
    "(dynamic resources cannot tell in a preview)"
)
_REPLACE_OPS = ("create-replacement", "replace", "delete-replaced")


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
    """``<package>.<Type>`` for both of our tokens; ``stack``; other tokens as they are."""
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
        parsed = parse_urn(urn)
        self.name = parsed.name if parsed else urn
        old, new = (olds[0] if olds else {}), (news[0] if news else {})
        self.token = str(new.get("type") or old.get("type") or (parsed.type if parsed else ""))
        self.type_name = our_type(self.token)
        self.diff = Diff(
            self.type_name,
            self.operation,
            old,
            new,
            detailed_diff=next((s.detailed_diff for s in steps if s.detailed_diff is not None), None),
            replace_reasons=list(dict.fromkeys(r for s in steps for r in s.replace_reasons)),
            owner=f"the {meaning_of(self.type_name).noun}" if self.type_name else "the service",
        )

    def meaning(self, changes: list[PropertyChange]) -> list[str]:
        changed = [c for c in changes if c.kind not in ("unmanaged", "maybe")]
        if self.operation == "update" and changed and all(self.diff.option(c.path) for c in changed):
            return ["changes only how Pulumi handles it (not sent to the service)"]
        if self.type_name:
            diff = self.diff
            change = Change(
                self.type_name, self.operation, diff.old_inputs, diff.new_inputs, diff.old_outputs, self.delete_first
            )
            return meaning_of(self.type_name).describe(change)
        if self.token == "pulumi:pulumi:Stack" and self.operation == "create":
            return ["a new stack"]
        return []

    def revealed(self) -> set[str]:
        return self.diff.secrets.revealed(self.diff.old_inputs, self.diff.new_inputs, self.diff.old_outputs)

    def unknowable(self, changes: list[PropertyChange]) -> bool:
        """A dynamic resource whose every change shown is a value known only after apply. Its
        host sends the engine no stable outputs, so during an update's preview everything that
        reads another resource's outputs is unknown, whether or not it will change: the engine
        then guesses a replacement, and a kind's meaning a version bump, neither known."""
        if not self.token.startswith(DYNAMIC_PREFIX) or self.operation not in ("update", "replace"):
            return False
        seen = [c for c in changes if c.kind not in ("unmanaged", "maybe")]
        return bool(seen) and all(not c.secret and contains_unknown(c.new) for c in seen)

    def review(self) -> ResourceReview:
        changes, source = self.diff.property_changes()
        unknowable = self.unknowable(changes)
        if unknowable:
            for change in changes:
                change.replaces = False
            # What holds whatever the values turn out to be (a kind says so in those words) stays.
            meaning = [KNOWN_AFTER_APPLY, *(m for m in self.meaning(changes) if "known only after apply" in m)]
        else:
            meaning = self.meaning(changes)
        return ResourceReview(
            urn=self.urn,
            name=self.name,
            type=display_type(self.token),
            token=self.token,
            operation=self.operation,
            delete_first=self.delete_first,
            replace_reasons=[] if unknowable else self.diff.reasons(changes),
            changes=changes,
            meaning=meaning,
            diff_source="engine" if source == "engine" else "inputs" if source == "inputs" else "none",
            known_after_apply=unknowable,
        )


# -- the whole preview ---------------------------------------------------------------------------

_IMPORTANCE = {"replace": 0, "delete": 1, "update": 2, "create": 3}

# Engine warnings about the machine the preview ran on, not about the change: a plugin found on
# PATH ("using pulumi-resource-<package> from $PATH"). A reviewer can do nothing with them.
_NOT_ABOUT_THE_CHANGE = re.compile(r"^using pulumi-resource-[\w-]+ from \$PATH")


def _diagnostics(found: list[Diagnostic]) -> list[DiagnosticReview]:
    out: dict[tuple[str, str, str], DiagnosticReview] = {}
    for diagnostic in found:
        severity = diagnostic.severity.split("#", 1)[0]
        if severity not in ("error", "warning"):
            continue  # info and debug lines: the program's own output, not the preview's verdict
        message = diagnostic.message.strip()
        for prefix in ("error: ", "warning: "):
            message = message.removeprefix(prefix)
        if severity == "warning" and _NOT_ABOUT_THE_CHANGE.match(message):
            continue
        key = (severity, message, diagnostic.urn)
        if key in out:
            out[key].count += 1
            continue
        urn = parse_urn(diagnostic.urn)
        out[key] = DiagnosticReview(
            severity, message, urn.name if urn else "", display_type(urn.type) if urn else "", diagnostic.urn
        )
    return sorted(out.values(), key=lambda d: d.severity != "error")


def _violations(found: list[Violation]) -> list[PolicyReview]:
    out = []
    for v in found:
        urn = parse_urn(v.urn)
        # The engine's message is the policy's description, then the violation's own words.
        description, _, detail = v.message.partition("\n")
        message = detail.strip() or description
        name, kind = (urn.name, display_type(urn.type)) if urn and urn.type != "pulumi:pulumi:Stack" else ("", "")
        out.append(PolicyReview(v.policy, v.pack, v.level, message, name, kind, v.urn))
    return sorted(out, key=lambda r: r.level != "mandatory")


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
    violations = _violations(preview.violations)
    seen_sames = sum(1 for r in resources if r.operation == "same")
    return Review(
        stack=stack or (first.stack if first else ""),
        project=first.project if first else "",
        failed=any(d.severity == "error" for d in diagnostics) or any(v.level == "mandatory" for v in violations),
        counts=counts,
        resources=reviews,
        diagnostics=diagnostics,
        unseen_sames=max(0, counts.get("same", 0) - seen_sames),
        violations=violations,
        revealed=frozenset(s for s in revealed if len(s) >= 6),
    )
