"""Example Qoder agent configurations shared by the tests."""

from __future__ import annotations

import copy
from typing import Any

DOC_HELPER: dict[str, Any] = {
    "name": "doc-test-agent",
    "model": "ultimate",
    "instructions": "You help with documentation.",
    "tools": [{"type": "agent_toolset_20260401", "enabled_tools": ["Bash", "Read", "Write", "Edit", "Glob", "Grep"]}],
    "mcp_servers": [{"type": "url", "name": "weather", "url": "https://mcp.example.com/sse"}],
    "skills": [{"type": "custom", "skill_id": "skill_123"}],
    "metadata": {"team": "docs"},
    "idempotencySeed": "org/proj/dev/doc-helper",
}


def doc_helper(**changes: Any) -> dict[str, Any]:
    agent = copy.deepcopy(DOC_HELPER)
    agent.update(changes)
    return {k: v for k, v in agent.items() if v is not None}
