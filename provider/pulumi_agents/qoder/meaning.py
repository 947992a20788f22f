"""What a change of a Qoder agent means in ``pulumi-agents review``: an update publishes a version,
and what destroying it does is the agent's own ``onDelete``."""

from __future__ import annotations

from pulumi_agents.review.meaning import Change, Meaning


class Agent(Meaning):
    def create(self, change: Change) -> list[str]:
        return ["creates the agent (version 1)"]

    def update(self, change: Change) -> list[str]:
        number = change.old_output("version")
        if isinstance(number, int | float) and not isinstance(number, bool):
            return [f"publishes a new version of the agent (version {int(number)} → {int(number) + 1})"]
        return ["publishes a new version of the agent"]

    def replace(self, change: Change) -> list[str]:
        return [f"creates a new agent; the old one is {self._fate(change)}"]

    def delete(self, change: Change) -> list[str]:
        return [f"the agent is {self._fate(change)}"]

    def _fate(self, change: Change) -> str:
        return "deleted permanently" if self.destroy(change) == "delete" else "archived (not deleted)"
