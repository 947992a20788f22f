"""What a change of an AIAE smoke test means in ``pulumi-agents review``: it runs, and leaves nothing
behind. The kind has no x-api (no API manages it), so it names its noun here."""

from __future__ import annotations

from pulumi_agents.review.meaning import Change, Meaning, plain


class AgentSmokeTest(Meaning):
    NOUN = "smoke test"

    def describe(self, change: Change) -> list[str]:
        url = change.new_inputs.get("url") or change.old_inputs.get("url")
        where = f" against {url}" if isinstance(url, str) and plain(url) else ""
        if change.operation == "create":
            return [f"runs the smoke test{where}"]
        if change.operation in ("update", "replace"):
            return [f"runs the smoke test again{where}"]
        if change.operation == "delete":
            return ["nothing to remove: the smoke test only checked the agent"]
        return []
