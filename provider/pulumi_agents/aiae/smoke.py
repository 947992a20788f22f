"""What makes a smoke test pass: the expectations, checked against an assembled answer.

Kept apart from the provider so the rules can be read (and tested) on their own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_agents.aiae.chunks import InvokeResult


def failures(result: InvokeResult, expect: Mapping[str, Any]) -> list[str]:
    """Every way ``result`` misses the expectations in ``expect`` (wire names, schema defaults
    applied by the caller), in a stable order."""
    found: list[str] = []
    answer = result.text
    for text in expect.get("expect_contains") or []:
        if text not in answer:
            found.append(f"the answer does not contain {text!r}")
    pattern = expect.get("expect_regex")
    if pattern and not re.search(pattern, answer):
        found.append(f"the answer does not match /{pattern}/")
    wanted = list(expect.get("expect_tools") or [])
    for name in wanted:
        calls = [c for c in result.tool_calls if c.name == name]
        if not calls:
            found.append(f"{name} was not called")
        elif not all(c.ok for c in calls):
            found.append(f"{name} failed")
    if not expect.get("allow_tool_failures"):
        for call in result.failed_tools:
            if call.name not in wanted:
                found.append(f"{call.type} {call.name} failed")
    limit = expect.get("time_limit_seconds")
    if limit is not None and result.latency_seconds > limit:
        found.append(f"the answer took {result.latency_seconds:.1f}s, over the limit of {limit:g}s")
    return found
