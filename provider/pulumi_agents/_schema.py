"""schema.json, the single source of every field's facts, as shipped with the package.

Its conventions (``x-secret``, ``x-replace-on-change``, ``x-on-remove``, ...) are listed in its own
top-level description. :mod:`pulumi_agents._tree` resolves it into field nodes;
:mod:`pulumi_agents._validate` checks documents against it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

# What pulumi.runtime.rpc.deserialize_properties(..., keep_unknowns=True) yields for a value not
# known yet during a preview. Duplicated (not imported) so this module does not load the SDK.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@cache
def schema() -> dict[str, Any]:
    """The parsed schema.json shipped with the package (a file beside this module: read as one,
    not through importlib.resources, which alone costs a plugin process ~14 ms to import)."""
    text = Path(__file__).with_name("schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def definition(name: str) -> dict[str, Any]:
    """The $defs entry called ``name``."""
    try:
        node: dict[str, Any] = schema()["$defs"][name]
    except KeyError:
        known = ", ".join(sorted(schema()["$defs"]))
        raise KeyError(f"schema.json has no definition {name!r} (known: {known})") from None
    return node


@cache
def resource_types() -> dict[str, str]:
    """Every resource definition (one with ``x-package``) -> its Pulumi package. Built once: every
    provider call looks its kind up here. (Read it, never change it.)"""
    return {name: str(node["x-package"]) for name, node in schema()["$defs"].items() if "x-package" in node}
