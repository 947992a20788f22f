"""``pulumi-agents review``: a pull-request comment from ``pulumi preview --json``.

>>> from pulumi_agents.review import build, markdown, parse
>>> # markdown(build(parse(open("preview.json").read())))

:mod:`.preview` reads the engine's JSON, :mod:`.analyze` turns it into the model of
:mod:`.model` with schema.json's semantics, :mod:`.render` writes Markdown or JSON. What a change
means, each kind says (:mod:`.meaning`, and ``pulumi_agents.<package>.meaning``).
"""

from pulumi_agents.review.analyze import build, display_type
from pulumi_agents.review.model import DiagnosticReview, PropertyChange, ReplaceReason, ResourceReview, Review
from pulumi_agents.review.preview import PreviewError, parse
from pulumi_agents.review.render import DEFAULT_MAX_CHARS, MARKER, markdown, to_json


def review_text(
    text: str, *, stack: str | None = None, output: str = "markdown", max_chars: int = DEFAULT_MAX_CHARS
) -> str:
    """The review of the preview JSON in ``text``, as Markdown or JSON; PreviewError if unreadable."""
    reviewed = build(parse(text), stack)
    return to_json(reviewed) if output == "json" else markdown(reviewed, max_chars)


__all__ = [
    "DEFAULT_MAX_CHARS",
    "MARKER",
    "DiagnosticReview",
    "PreviewError",
    "PropertyChange",
    "ReplaceReason",
    "ResourceReview",
    "Review",
    "build",
    "display_type",
    "markdown",
    "parse",
    "review_text",
    "to_json",
]
