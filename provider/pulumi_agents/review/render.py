"""The review as a pull-request comment (Markdown) or as JSON for scripts.

The comment starts with :data:`MARKER`, so a pipeline can find its earlier comment and update it,
then the stack, the summary and the counts: those always stay. Under ``max_chars`` the detail is
trimmed in this order until it fits, and the comment says what it left out: warnings, the
per-property lines of resources (from the last), whole resources (from the last; the table lists
replacements and deletions first), then the text of errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from pulumi_agents.review.model import (
    OPERATIONS,
    DiagnosticReview,
    PolicyReview,
    PropertyChange,
    ResourceReview,
    Review,
)
from pulumi_agents.review.paths import show

MARKER = "<!-- pulumi-agents review -->"
DEFAULT_MAX_CHARS = 60000  # GitHub refuses comments over 65536 characters
_NAMES_IN_SUMMARY = 10
_SHORT_ERROR = 400

_WORDS = {"create": "to create", "update": "to update", "replace": "to replace", "delete": "to delete"}


# -- Markdown pieces -----------------------------------------------------------------------------


def code(text: str, *, table: bool = True) -> str:
    """``text`` as an inline code span (a pipe escaped for a table cell, newlines flattened)."""
    text = text.replace("\r", " ").replace("\n", " ")
    if table:
        text = text.replace("|", "\\|")
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    pad = " " if run else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def plain(text: str, *, table: bool = True) -> str:
    """Text outside code: no HTML, no line breaks, no table-breaking pipes."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")
    return text.replace("|", "\\|") if table else text


def _fenced(text: str) -> str:
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, run + 1)
    return f"{fence}text\n{text}\n{fence}"


def _value(value: object) -> str:
    return code(show(value))


def property_line(change: PropertyChange) -> str:
    path = code(change.path)
    suffix = " (replaces)" if change.replaces else ""
    if change.kind == "unmanaged":
        if change.secret:
            return f"{path}: {plain(change.note)}"
        shown = show(change.old)
        return f"{path}: {plain(change.note.removesuffix(shown))}{_value(change.old)}"
    if change.kind == "maybe":
        return f"{path}: secret, may have changed (this preview hides it on both sides)"
    if change.secret:
        verb = {"add": "added", "delete": "removed"}.get(change.kind, "changed")
        return f"{path}: {verb} (secret){suffix}"
    if change.kind == "add":
        return f"{path}: added {_value(change.new)}{suffix}"
    if change.kind == "delete":
        note = plain(change.note) if change.note else "removed"
        was = f" (was {_value(change.old)})" if change.old is not None else ""
        return f"{path}: {note}{was}{suffix}"
    if change.kind == "drift":
        return f"{path}: {_value(change.old)} (live) → {_value(change.new)}: changed outside Pulumi{suffix}"
    return f"{path}: {_value(change.old)} → {_value(change.new)}{suffix}"


def _reason_lines(resource: ResourceReview) -> list[str]:
    lines = []
    for reason in resource.replace_reasons:
        why = f" ({plain(reason.reason)})" if reason.reason else ""
        if reason.unknown:
            lines.append(f"replaces if {code(reason.property)} changes{why}; its new value is known only after apply")
        else:
            because = f": its {plain(reason.by_noun)} {code(reason.by)} is replaced" if reason.by else ""
            lines.append(f"**replaces**: {code(reason.property)} changes{why}{because}")
    return lines


def maybe_replaced(resource: ResourceReview) -> bool:
    """A replacement that happens only if values known after apply turn out to differ."""
    return resource.maybe_replaced


def _operation(resource: ResourceReview) -> str:
    if resource.known_after_apply:
        return "known after apply"
    if resource.operation == "replace":
        word = "**replace?**" if maybe_replaced(resource) else "**replace**"
        return f"{word} (delete first)" if resource.delete_first else word
    if resource.operation == "delete":
        return "**delete**"
    if resource.operation == "same":
        return "no change"
    return resource.operation


def _row(resource: ResourceReview, *, full: bool) -> str:
    prefix = "if replaced: " if maybe_replaced(resource) else ""
    lines = _reason_lines(resource) + [prefix + _meaning(m) for m in resource.meaning]
    if full:
        lines += [property_line(c) for c in resource.changes]
    elif resource.changes:
        count = len(resource.changes)
        lines.append(f"_{count} property change{'s' if count != 1 else ''} not shown_")
    cells = [code(resource.name), plain(resource.type), _operation(resource), "<br>".join(lines) or " "]
    return "| " + " | ".join(cells) + " |"


def _meaning(text: str) -> str:
    # Our own sentences may carry **bold**; everything else in them is escaped.
    return "**".join(plain(part) for part in text.split("**"))


def _title(review: Review) -> str:
    if review.stack and review.project:
        return f"### Pulumi preview: stack {code(review.stack, table=False)} of {code(review.project, table=False)}"
    if review.stack:
        return f"### Pulumi preview: stack {code(review.stack, table=False)}"
    return "### Pulumi preview"


def _names(resources: list[ResourceReview]) -> str:
    shown = [f"{code(r.name, table=False)} ({plain(r.type, table=False)})" for r in resources[:_NAMES_IN_SUMMARY]]
    more = len(resources) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def _summary(review: Review) -> list[str]:
    counts = review.counts
    # The engine counts its guesses with what is known; only what is known goes in bold.
    guessed = [r for r in review.resources if not r.certain and r.operation in _WORDS]
    certain = {op: max(0, counts.get(op, 0) - sum(1 for r in guessed if r.operation == op)) for op in _WORDS}
    parts = [f"**{certain[op]} {_WORDS[op]}**" for op in _WORDS if certain[op]]
    parts += [f"**{n} to {op}**" for op, n in counts.items() if n and op not in OPERATIONS]
    unknowable = sum(1 for r in guessed if r.known_after_apply)
    if unknowable:
        parts.append(f"{unknowable} known after apply")
    if len(guessed) > unknowable:
        parts.append(f"{len(guessed) - unknowable} may be replaced")
    if counts.get("same"):
        parts.append(f"{counts['same']} unchanged")
    lines = [(", ".join(parts) if parts else "No changes") + "."]
    errors = sum(d.count for d in review.diagnostics if d.severity == "error")
    blocking = sum(1 for v in review.violations if v.level == "mandatory")
    if review.failed:
        why = f"{errors} error{'s' if errors != 1 else ''}"
        if blocking:
            why += f" and {blocking} mandatory policy violation{'s' if blocking != 1 else ''}"
        lines += [
            "",
            "> [!CAUTION]",
            f"> **The preview failed** with {why} (below): `pulumi up` would "
            "stop there. The counts cover what was previewed before the failure.",
        ]
    # (A resource whose every change is known only after apply has its own note: no warning.)
    replaced = [
        r for r in review.resources if r.operation == "replace" and not maybe_replaced(r) and not r.known_after_apply
    ]
    maybe = [r for r in review.resources if maybe_replaced(r)]
    deleted = [r for r in review.resources if r.operation == "delete"]
    if replaced or maybe or deleted:
        lines += ["", "> [!WARNING]"]
        if replaced:
            lines.append(f"> **Replaces** {_names(replaced)}.")
        if maybe:
            lines.append(f"> **May replace** {_names(maybe)}: it depends on values known only after apply.")
        if deleted:
            lines.append(f"> **Deletes** {_names(deleted)}.")
    lines += _dynamic_note(review)
    unmanaged = [r for r in review.resources if any(c.kind == "unmanaged" for c in r.changes)]
    if unmanaged:
        lines += [
            "",
            "> [!NOTE]",
            f"> Arguments removed from the program, kept by the service: {_names(unmanaged)}. `pulumi preview` "
            "shows no change for them: the service keeps their last values, which this stack no longer manages.",
        ]
    return lines


def _dynamic_note(review: Review) -> list[str]:
    """Once per review of dynamic resources: what their preview cannot know, and where it can."""
    if not any(r.token.startswith("pulumi-python:dynamic/") for r in review.resources):
        return []
    unknowable = [r for r in review.resources if r.known_after_apply]
    said = (
        f"> {_names(unknowable)}: every change shown is a value known only after apply, so whether "
        "they change at all is known then (the counts are the engine's guesses). "
        if unknowable
        else "> "
    )
    return [
        "",
        "> [!NOTE]",
        said + "This preview ran with dynamic resources, which cannot keep another resource's outputs "
        "known through an update; the plugin front door (`pulumi_agents.plugin`) previews exact changes.",
    ]


def _counts(review: Review) -> list[str]:
    ops = [*OPERATIONS, *(op for op, n in review.counts.items() if n and op not in OPERATIONS)]
    return [
        "| " + " | ".join(ops) + " |",
        "|" + "---:|" * len(ops),
        "| " + " | ".join(str(review.counts.get(op, 0)) for op in ops) + " |",
    ]


def _diagnostic(diagnostic: DiagnosticReview, limit: int | None) -> str:
    where = f" · {code(diagnostic.resource, table=False)}" if diagnostic.resource else ""
    kind = f" ({plain(diagnostic.type, table=False)})" if diagnostic.type else ""
    times = f" ({diagnostic.count} times)" if diagnostic.count > 1 else ""
    message = diagnostic.message
    if limit is not None and len(message) > limit:
        message = message[: limit - 1] + "…"
    return f"**{diagnostic.severity}**{where}{kind}{times}\n\n{_fenced(message)}"


def _violation(violation: PolicyReview) -> str:
    level = f"**{violation.level}**" if violation.level == "mandatory" else plain(violation.level)
    where = f"{code(violation.resource)} ({plain(violation.type)})" if violation.resource else "the stack"
    policy = f"{code(violation.policy)} ({plain(violation.pack)})"
    return f"| {level} | {policy} | {where} | {plain(violation.message)} |"


# -- the whole comment, and its trimming ---------------------------------------------------------


@dataclass
class _Plan:
    full: set[int]  # resources shown with their property lines
    rows: int  # resources shown at all (the first ones)
    warnings: bool
    error_limit: int | None
    errors: int  # errors shown (the first ones)


def _compose(review: Review, plan: _Plan, max_chars: int) -> str:
    out = [MARKER, _title(review), "", *_summary(review), "", *_counts(review)]
    if review.resources and plan.rows:
        out += ["", "| resource | type | operation | what changes |", "|---|---|---|---|"]
        out += [_row(r, full=i in plan.full) for i, r in enumerate(review.resources[: plan.rows])]
    elif not review.resources:
        out += ["", "No resource changes."]
    if review.unseen_sames:
        out += [
            "",
            f"_{review.unseen_sames} unchanged resource{'s' if review.unseen_sames != 1 else ''} not in the preview: "
            "run `pulumi preview --json --show-sames` to also check them for arguments removed from the program "
            "that the service keeps (the engine shows those as no change)._",
        ]
    if review.violations:
        out += ["", "#### Policy violations", "", "| level | policy | resource | violation |", "|---|---|---|---|"]
        out += [_violation(v) for v in review.violations]
    errors = [d for d in review.diagnostics if d.severity == "error"]
    warnings = [d for d in review.diagnostics if d.severity != "error"]
    if errors:
        out += ["", "#### Errors", ""]
        out += ["\n\n".join(_diagnostic(d, plan.error_limit) for d in errors[: plan.errors])]
    if warnings and plan.warnings:
        count = sum(d.count for d in warnings)
        out += ["", f"<details><summary>{count} warning{'s' if count != 1 else ''}</summary>", ""]
        out += ["\n\n".join(_diagnostic(d, None) for d in warnings), "", "</details>"]
    left = _left_out(review, plan)
    if left:
        out += [
            "",
            f"_Trimmed to fit {max_chars} characters: {left} not shown. `pulumi preview --diff` shows every "
            "change, and `pulumi-agents review --format json` gives this review whole._",
        ]
    return "\n".join(out) + "\n"


def _left_out(review: Review, plan: _Plan) -> str:
    parts = []
    shown = review.resources[: plan.rows]
    lines = sum(len(r.changes) for i, r in enumerate(shown) if i not in plan.full)
    if lines:
        parts.append(f"{lines} property change{'s' if lines != 1 else ''}")
    hidden = len(review.resources) - plan.rows
    if hidden:
        parts.append(f"{hidden} more resource{'s' if hidden != 1 else ''} (listed in the counts)")
    warnings = sum(d.count for d in review.diagnostics if d.severity != "error")
    if warnings and not plan.warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    errors = [d for d in review.diagnostics if d.severity == "error"]
    if len(errors) > plan.errors:
        parts.append(f"{len(errors) - plan.errors} more error{'s' if len(errors) - plan.errors != 1 else ''}")
    elif plan.error_limit is not None and any(len(d.message) > plan.error_limit for d in errors):
        parts.append("the end of long error messages")
    return ", ".join(parts)


def markdown(review: Review, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The pull-request comment: within ``max_chars`` whenever the marker, summary and counts fit."""
    count = len(review.resources)
    errors = sum(1 for d in review.diagnostics if d.severity == "error")
    plan = _Plan(set(range(count)), count, True, None, errors)

    def render(p: _Plan) -> str:
        return scrub(_compose(review, p, max_chars), review)

    def fits(p: _Plan) -> bool:
        return len(render(p)) <= max_chars

    steps: list[Callable[[_Plan], bool]] = [
        lambda p: _set(p, warnings=False),
        lambda p: _drop_details(p, fits),
        lambda p: _drop_rows(p, fits),
        lambda p: _set(p, error_limit=_SHORT_ERROR),
        lambda p: _drop_errors(p, fits),
    ]
    for step in steps:
        if fits(plan):
            break
        step(plan)
    return render(plan)


def _set(plan: _Plan, **changes: object) -> bool:
    for key, value in changes.items():
        setattr(plan, key, value)
    return True


def _drop_details(plan: _Plan, fits: Callable[[_Plan], bool]) -> bool:
    """Drop property lines from the last resources first; keep them where they fit."""
    for index in sorted(plan.full, reverse=True):
        plan.full.discard(index)
        if fits(plan):
            break
    return True


def _drop_rows(plan: _Plan, fits: Callable[[_Plan], bool]) -> bool:
    low, high = 0, plan.rows  # the most rows that fit, by bisection
    while low < high:
        middle = (low + high + 1) // 2
        if fits(_Plan(plan.full, middle, plan.warnings, plan.error_limit, plan.errors)):
            low = middle
        else:
            high = middle - 1
    plan.rows = low
    return True


def _drop_errors(plan: _Plan, fits: Callable[[_Plan], bool]) -> bool:
    while plan.errors > 1 and not fits(plan):
        plan.errors -= 1
    return True


def scrub(text: str, review: Review) -> str:
    """``text`` with every secret value the input revealed replaced: the last line of defence."""
    for secret in sorted(review.revealed, key=len, reverse=True):
        for form in {secret, json.dumps(secret)[1:-1]}:
            text = text.replace(form, "[secret]")
    return text


def to_json(review: Review) -> str:
    """The same review for scripts: no marker, nothing trimmed, secrets as ``null`` with ``secret: true``."""
    return scrub(json.dumps(review.to_dict(), indent=2, ensure_ascii=False), review) + "\n"
