"""What a change of a Qoder agent means in ``pulumi-agents review``: an update publishes a version,
and what destroying it does is the agent's own ``onDelete``; a deployment's update that pauses or
unpauses it says so; a skill's update publishes a new version of its files, or nothing when only
where they are read from moved."""

from __future__ import annotations

from collections.abc import Mapping

from pulumi_agents.review.meaning import Change, Meaning, plain


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


class Deployment(Meaning):
    """An update that pauses or unpauses says so; unpausing a deployment the service paused itself
    (its budget, an error: ``paused_reason``) says it in bold, with the reason."""

    def update(self, change: Change) -> list[str]:
        lines = super().update(change)
        paused, wanted = change.old_output("status") == "paused", bool(change.new_inputs.get("paused"))
        if paused and not wanted:
            reason = change.old_output("paused_reason")
            why = reason.get("type") if isinstance(reason, Mapping) else None
            if why and why != "manual":
                return [*lines, f"**unpauses the deployment, which the service paused itself ({why})**"]
            return [*lines, "unpauses the deployment"]
        if wanted and not paused:
            return [*lines, "pauses the deployment"]
        return lines


class Skill(Meaning):
    """Changed files publish a new version (the API has no other update); the same files read from
    elsewhere publish nothing."""

    def update(self, change: Change) -> list[str]:
        old, new = change.old_inputs.get("files_sha256"), change.new_inputs.get("files_sha256")
        if old and old == new:
            return ["records where the skill's files are read from: the same files, nothing is published"]
        latest = change.old_output("latest_version")
        since = f" (latest_version {latest} moves to it)" if plain(latest) else ""
        return [f"publishes a new version of the skill's files{since}; agents that name its latest_version follow"]
