"""docs/resources.md's skills and files example under the real CLI, against the emulator, in both
modes: a skill from a pulumi.FileArchive (which, kept raw in a dynamic resource's state, breaks the
second `up` on the 3.259 CLI), a file, and an agent naming the skill's latest version; a change of
the skill's files publishes a new version that the agent picks up; the state holds no content."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import QODER_TOKEN, Emulator
from tests.e2e.conftest import make_stack
from tests.readme import block

SKILL_MD = "---\nname: docs-style\ndescription: How the team writes docs.\n---\nWrite short sentences.\n"


def skills(emulator: Emulator) -> list[dict[str, object]]:
    answer = httpx.get(
        emulator.url + "/api/v1/cloud/skills", headers={"authorization": f"Bearer {QODER_TOKEN}"}, timeout=10
    )
    return list(answer.json()["data"])


def test_the_skills_and_files_example(tmp_path: Path, emulator: Emulator, mode: str) -> None:
    source = tmp_path / "src" / "uploads"
    (source / "skills" / "docs-style").mkdir(parents=True)
    (source / "Pulumi.yaml").write_text("name: uploads\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n")
    (source / "__main__.py").write_text(block("Skills and files (Qoder)").code)
    (source / "skills" / "docs-style" / "SKILL.md").write_text(SKILL_MD)
    (source / "guide.md").write_text("# The team's style guide\n")
    stack = make_stack("uploads", tmp_path, emulator, source=tmp_path / "src", mode=mode)

    stack.pulumi("up", "--yes", "--skip-preview")
    first = stack.outputs()
    [skill] = skills(emulator)
    assert skill["latest_version"] == first["skill_version"] and first["file_id"].startswith("file_")
    stack.pulumi("preview", "--expect-no-changes")  # the second run reads the archive's path again

    (stack.dir / "skills" / "docs-style" / "SKILL.md").write_text(SKILL_MD + "Prefer the active voice.\n")
    stack.pulumi("up", "--yes", "--skip-preview")
    second = stack.outputs()
    assert int(second["skill_version"]) > int(first["skill_version"]) and second["file_id"] == first["file_id"]
    [again] = skills(emulator)
    assert again["id"] == skill["id"] and again["latest_version"] == second["skill_version"]
    state = stack.export()
    assert "active voice" not in state and "style guide" not in state  # paths and digests only
    stack.pulumi("preview", "--expect-no-changes")

    stack.pulumi("destroy", "--yes", "--skip-preview")
    assert skills(emulator) == []
