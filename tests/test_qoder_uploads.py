"""``qoder.File`` and ``qoder.Skill``, uploaded from local files, through both front doors in process
(the dynamic provider and the plugin) against the emulator over loopback: check digests the files,
create uploads them, an unchanged preview is no change, changed files replace a file and publish a
new version of the same skill (``latest_version`` moves), a moved but unchanged folder publishes
nothing, refresh, import (plugin), delete (a skill's versions first). The state holds the path and
the digest, never the files' content; a folder and its archives digest the same."""

from __future__ import annotations

import asyncio
import json
import shutil
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pulumi
import pytest
from pulumi.provider.experimental.provider import (
    CheckRequest,
    CreateRequest,
    DeleteRequest,
    DiffRequest,
    ReadRequest,
    UpdateRequest,
)

from pulumi_agents._local import read
from pulumi_agents._plugin_sdk import PluginProvider, plain_map, value_map
from pulumi_agents._resource import ArgumentError, _to_wire
from pulumi_agents._tree import tree
from pulumi_agents.qoder.provider import FileProvider, SkillProvider
from pulumi_agents.qoder.service import AgentService
from tests.conftest import QODER_TOKEN, Emulator

SKILL_MD = "---\nname: docs-style\ndescription: How the team writes docs.\n---\n# Docs style\n"
SECRET_LINE = "the-content-never-in-the-state"


def a_skill(root: Path, lint: str = "echo one") -> Path:
    folder = root / "docs-style"
    (folder / "scripts").mkdir(parents=True, exist_ok=True)
    (folder / "SKILL.md").write_text(SKILL_MD + SECRET_LINE + "\n")
    (folder / "scripts" / "lint.sh").write_text(lint + "\n")
    return folder


class Door:
    """One front door's calls, in plain dicts of wire names."""

    def check(self, type_name: str, news: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, Any]:
        raise NotImplementedError

    def diff(self, type_name: str, rid: str, olds: dict[str, Any], news: dict[str, Any]) -> tuple[bool, list[str]]:
        raise NotImplementedError

    def create(self, type_name: str, news: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def update(self, type_name: str, rid: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def read(self, type_name: str, rid: str, olds: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
        raise NotImplementedError

    def delete(self, type_name: str, rid: str, olds: dict[str, Any]) -> None:
        raise NotImplementedError


class Dynamic(Door):
    PROVIDERS: ClassVar[dict[str, Callable[[], Any]]] = {"File": FileProvider, "Skill": SkillProvider}

    def _p(self, type_name: str) -> Any:
        return self.PROVIDERS[type_name]()

    def check(self, type_name: str, news: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, Any]:
        result = self._p(type_name).check(olds or {}, news)
        assert not result.failures, [f.reason for f in result.failures]
        return dict(result.inputs)

    def diff(self, type_name: str, rid: str, olds: dict[str, Any], news: dict[str, Any]) -> tuple[bool, list[str]]:
        found = self._p(type_name).diff(rid, olds, news)
        return bool(found.changes), list(found.replaces or [])

    def create(self, type_name: str, news: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        made = self._p(type_name).create(news)
        return made.id, dict(made.outs)

    def update(self, type_name: str, rid: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        return dict(self._p(type_name).update(rid, olds, news).outs)

    def read(self, type_name: str, rid: str, olds: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
        found = self._p(type_name).read(rid, olds)
        return found.id, dict(found.outs or {}), dict(found.inputs or {})

    def delete(self, type_name: str, rid: str, olds: dict[str, Any]) -> None:
        self._p(type_name).delete(rid, olds)


class Plugin(Door):
    def __init__(self, emulator: Emulator) -> None:
        self.provider = PluginProvider("qoder")
        self.provider.config = {"qoder:token": QODER_TOKEN, "qoder:baseUrl": emulator.url + "/api/v1/cloud"}

    @staticmethod
    def urn(type_name: str) -> str:
        return f"urn:pulumi:dev::proj::qoder:index:{type_name}::sample"

    @staticmethod
    def run(call: Any) -> Any:
        return asyncio.run(call)

    def v(self, type_name: str, values: dict[str, Any]) -> Any:
        return value_map(type_name, values, set())

    def check(self, type_name: str, news: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, Any]:
        request = CheckRequest(self.urn(type_name), self.v(type_name, olds or {}), self.v(type_name, news), b"")
        result = self.run(self.provider.check(request))
        assert not result.failures, [f.reason for f in result.failures]
        return plain_map(result.inputs)

    def diff(self, type_name: str, rid: str, olds: dict[str, Any], news: dict[str, Any]) -> tuple[bool, list[str]]:
        request = DiffRequest(self.urn(type_name), rid, self.v(type_name, olds), self.v(type_name, news), [])
        found = self.run(self.provider.diff(request))
        return bool(found.changes), list(found.replaces or [])

    def create(self, type_name: str, news: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        made = self.run(self.provider.create(CreateRequest(self.urn(type_name), self.v(type_name, news), 60, False)))
        return made.resource_id, plain_map(made.properties)

    def update(self, type_name: str, rid: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        request = UpdateRequest(
            self.urn(type_name), rid, self.v(type_name, olds), self.v(type_name, news), 60, [], False
        )
        return plain_map(self.run(self.provider.update(request)).properties)

    def read(self, type_name: str, rid: str, olds: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
        found = self.run(self.provider.read(ReadRequest(self.urn(type_name), rid, self.v(type_name, olds), {})))
        return found.resource_id, plain_map(found.properties), plain_map(found.inputs)

    def delete(self, type_name: str, rid: str, olds: dict[str, Any]) -> None:
        self.run(self.provider.delete(DeleteRequest(self.urn(type_name), rid, self.v(type_name, olds), 60)))

    def import_(self, type_name: str, rid: str) -> tuple[dict[str, Any], dict[str, Any]]:
        found = self.run(self.provider.read(ReadRequest(self.urn(type_name), rid, {}, {})))
        return plain_map(found.properties), plain_map(found.inputs)


@pytest.fixture(params=["dynamic", "plugin"])
def door(request: pytest.FixtureRequest, qoder_env: Emulator) -> Door:
    return Dynamic() if request.param == "dynamic" else Plugin(qoder_env)


def no_content(state: dict[str, Any]) -> None:
    """The state holds paths and digests: no file's content."""
    assert SECRET_LINE not in json.dumps(state) and "echo" not in json.dumps(state)


def test_file_life_cycle(door: Door, tmp_path: Path) -> None:
    local = tmp_path / "guide.md"
    local.write_text(f"# Guide\n{SECRET_LINE}\n")
    given = door.check("File", {"file": str(local), "metadata": {"team": "docs"}})
    assert given["content_sha256"] == read("file", str(local)).sha256
    rid, outs = door.create("File", given)
    assert rid.startswith("file_") and outs["filename"] == "guide.md" and outs["mime_type"] == "text/markdown"
    assert outs["size_bytes"] == local.stat().st_size and outs["content_sha256"] == given["content_sha256"]
    assert outs["file"] == str(local)
    no_content(outs)
    assert door.diff("File", rid, outs, door.check("File", dict(given), given)) == (False, [])

    local.write_text("# Guide, edited\n")  # the content changed: the API has no update, so it replaces
    changed = door.check("File", {"file": str(local), "metadata": {"team": "docs"}}, given)
    assert changed["content_sha256"] != given["content_sha256"]
    assert door.diff("File", rid, outs, changed) == (True, ["file"])

    found, refreshed, inputs = door.read("File", rid, {**outs, "metadata": {"team": "earlier"}})  # changed since
    assert found == rid and refreshed["content_sha256"] == outs["content_sha256"] and inputs["file"] == str(local)
    door.delete("File", rid, refreshed)
    assert door.read("File", rid, refreshed)[0] == ""


def test_skill_life_cycle(door: Door, tmp_path: Path) -> None:
    folder = a_skill(tmp_path)
    given = door.check("Skill", {"files": str(folder), "display_title": "Docs style"})
    rid, outs = door.create("Skill", given)
    first = outs["latest_version"]
    assert rid.startswith("skill_") and first and outs["source"] == "custom"
    assert outs["files_sha256"] == given["files_sha256"] == read("folder", str(folder)).sha256
    no_content(outs)
    again = door.check("Skill", {"files": str(folder), "display_title": "Docs style"}, given)
    assert door.diff("Skill", rid, outs, again) == (False, [])

    # Changed files: a new version of the same skill, latest_version moved.
    (folder / "scripts" / "lint.sh").write_text("echo two\n")
    news = door.check("Skill", {"files": str(folder), "display_title": "Docs style"}, given)
    assert door.diff("Skill", rid, outs, news) == (True, [])
    updated = door.update("Skill", rid, outs, news)
    assert updated["latest_version"] != first and int(updated["latest_version"]) > int(first)
    assert updated["files_sha256"] == news["files_sha256"] and updated["created_at"] == outs["created_at"]
    no_content(updated)

    # The same files elsewhere (a moved folder): recorded, nothing published.
    moved = shutil.copytree(folder, tmp_path / "elsewhere" / "docs-style")
    there = door.check("Skill", {"files": str(moved), "display_title": "Docs style"}, news)
    assert there["files_sha256"] == news["files_sha256"]
    assert door.diff("Skill", rid, updated, there) == (True, [])
    kept = door.update("Skill", rid, updated, there)
    assert kept["latest_version"] == updated["latest_version"] and kept["files"] == str(moved)

    # A new title: the API has no update, so it replaces.
    retitled = door.check("Skill", {"files": str(moved), "display_title": "Docs"}, there)
    assert door.diff("Skill", rid, kept, retitled) == (True, ["display_title"])

    found, refreshed, _inputs = door.read("Skill", rid, kept)
    assert found == rid and refreshed["latest_version"] == kept["latest_version"]
    door.delete("Skill", rid, refreshed)  # its versions first, then the skill
    assert door.read("Skill", rid, refreshed)[0] == ""


def test_an_agent_names_a_skill_and_its_version(qoder_env: Emulator, tmp_path: Path) -> None:
    door = Dynamic()
    rid, outs = door.create("Skill", door.check("Skill", {"files": str(a_skill(tmp_path))}))
    agent = AgentService({}).create(
        {
            "name": "writer",
            "model": "ultimate",
            "skills": [{"type": "custom", "skill_id": rid, "version": outs["latest_version"]}],
        }
    )
    assert agent.outs["skills"] == [{"type": "custom", "skill_id": rid, "version": outs["latest_version"]}]


def test_import_adopts_without_publishing_or_replacing(qoder_env: Emulator, tmp_path: Path) -> None:
    plugin = Plugin(qoder_env)
    folder = a_skill(tmp_path)
    program = plugin.check("Skill", {"files": str(folder), "display_title": "Docs style"})
    rid, made = plugin.create("Skill", program)
    state, inputs = plugin.import_("Skill", rid)
    assert inputs == {"display_title": "Docs style"} and "files_sha256" not in state
    # The program's files are the latest version's: an update that records them, publishing nothing.
    assert plugin.diff("Skill", rid, state, program) == (True, [])
    after = plugin.update("Skill", rid, state, program)
    assert after["latest_version"] == made["latest_version"] and after["files_sha256"] == program["files_sha256"]

    local = tmp_path / "guide.md"
    local.write_text("# Guide\n")
    given = plugin.check("File", {"file": str(local), "name": "guide.md"})
    file_id, _ = plugin.create("File", given)
    state, inputs = plugin.import_("File", file_id)
    assert inputs == {"name": "guide.md"}
    assert plugin.diff("File", file_id, state, given) == (True, [])  # adopted as given, not replaced
    recorded = plugin.update("File", file_id, state, given)
    assert recorded["content_sha256"] == given["content_sha256"] and recorded["file"] == str(local)
    assert plugin.diff("File", file_id, recorded, given) == (False, [])


def test_a_folder_and_its_archives_digest_the_same(tmp_path: Path) -> None:
    folder = a_skill(tmp_path / "src")
    zipped, tarred = tmp_path / "docs-style.zip", tmp_path / "skill.tar.gz"
    with zipfile.ZipFile(zipped, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(folder.parent).as_posix())
    with tarfile.open(tarred, "w:gz") as archive:  # entries at the top: the archive's name is the folder
        archive.add(folder, arcname=".")
    assert read("folder", str(zipped)).sha256 == read("folder", str(folder)).sha256
    assert [n for n, _ in read("folder", str(tarred)).files] == ["skill/SKILL.md", "skill/scripts/lint.sh"]
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("../evil", b"x")
    with pytest.raises(Exception, match="outside its folder"):
        read("folder", str(bad))


def test_unreadable_files_fail_the_check_naming_the_argument(qoder_env: Emulator, tmp_path: Path) -> None:
    result = SkillProvider().check({}, {"files": str(tmp_path / "missing")})
    assert [f.reason for f in result.failures] == [
        f"files: {str(tmp_path / 'missing')!r} is neither a folder nor an archive (.tar.gz, .tgz, .tar, .zip)"
    ]
    result = FileProvider().check({}, {"file": str(tmp_path)})
    assert "is not a file" in result.failures[0].reason


def test_a_pulumi_archive_is_kept_as_its_path() -> None:
    node = tree("Skill").child("files")
    assert _to_wire(pulumi.FileArchive("skills/docs"), node) == "skills/docs"
    assert _to_wire(pulumi.FileAsset("docs/guide.md"), tree("File").child("file")) == "docs/guide.md"
    with pytest.raises(ArgumentError, match="not a local file or folder"):
        _to_wire(pulumi.StringAsset("inline"), tree("File").child("file"), ("file",))


def test_lookups_find_a_skill_by_title_and_a_file_by_name(qoder_env: Emulator, tmp_path: Path) -> None:
    from pulumi.provider.experimental.property_value import PropertyValue
    from pulumi.provider.experimental.provider import InvokeRequest

    plugin = Plugin(qoder_env)
    skill_id, _ = plugin.create("Skill", plugin.check("Skill", {"files": str(a_skill(tmp_path)), "display_title": "T"}))
    local = tmp_path / "guide.md"
    local.write_text("# Guide\n")
    file_id, _ = plugin.create("File", plugin.check("File", {"file": str(local)}))
    for token, args, rid in (
        ("qoder:index:getSkill", {"display_title": "T"}, skill_id),
        ("qoder:index:getFile", {"filename": "guide.md"}, file_id),
    ):
        found = plugin.run(plugin.provider.invoke(InvokeRequest(token, {k: PropertyValue(v) for k, v in args.items()})))
        assert not found.failures and plain_map(found.return_value)["id"] == rid


def test_uploads_retried_after_a_lost_answer_make_one(
    qoder_env: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upload whose answer is lost (after the service took it) or refused with a 503 is sent
    again with the same Idempotency-Key and the same bytes: one file, one skill, one new version."""
    monkeypatch.setenv("QODER_HTTP_TIMEOUT", "1")
    door = Dynamic()
    local = tmp_path / "guide.md"
    local.write_text("# Guide\n")
    for path in ("/api/v1/cloud/files", "/api/v1/cloud/skills"):
        qoder_env.fault(kind="lost", method="POST", path=path, seconds=2)
        qoder_env.fault(kind="status", status=503, retryAfter=0.1, method="POST", path=path)
    file_id, _ = door.create("File", door.check("File", {"file": str(local)}))
    folder = a_skill(tmp_path)
    given = door.check("Skill", {"files": str(folder)})
    skill_id, outs = door.create("Skill", given)
    (folder / "scripts" / "lint.sh").write_text("echo two\n")
    qoder_env.fault(kind="lost", method="POST", path=f"/api/v1/cloud/skills/{skill_id}/versions", seconds=2)
    updated = door.update("Skill", skill_id, outs, door.check("Skill", {"files": str(folder)}, given))

    listed = {
        path: httpx.get(
            qoder_env.url + "/api/v1/cloud" + path, headers={"authorization": f"Bearer {QODER_TOKEN}"}, timeout=10
        ).json()["data"]
        for path in ("/files", "/skills", f"/skills/{skill_id}/versions")
    }
    assert [f["id"] for f in listed["/files"]] == [file_id] and [s["id"] for s in listed["/skills"]] == [skill_id]
    assert [v["version"] for v in listed[f"/skills/{skill_id}/versions"]] == [
        updated["latest_version"],
        outs["latest_version"],
    ]


def test_the_review_says_what_a_skills_change_does() -> None:
    from pulumi_agents.review.meaning import Change, meaning_of

    skill = meaning_of("Skill")
    old = {"files": "skills/a", "files_sha256": "1" * 64}
    moved = Change("Skill", "update", old, {**old, "files": "skills/b"}, {"latest_version": "17"})
    assert skill.describe(moved) == [
        "records where the skill's files are read from: the same files, nothing is published"
    ]
    edited = Change("Skill", "update", old, {**old, "files_sha256": "2" * 64}, {"latest_version": "17"})
    assert skill.describe(edited) == [
        "publishes a new version of the skill's files (latest_version 17 moves to it); agents that name its"
        " latest_version follow"
    ]
    gone = Change("Skill", "delete", old, {}, {})
    assert skill.describe(gone) == [
        "deletes the skill",
        "**its versions go with it** (set `protect` or `retain_on_delete` to keep them)",
    ]


def test_a_skill_from_an_asset_archive(door: Door, tmp_path: Path) -> None:
    """A pulumi.AssetArchive of local files and folders is kept as a map of its names to their paths:
    the same files under one folder, digested and uploaded as a folder's are."""
    folder = a_skill(tmp_path / "src")
    archive = pulumi.AssetArchive(
        {"SKILL.md": pulumi.FileAsset(str(folder / "SKILL.md")), "scripts": pulumi.FileArchive(str(folder / "scripts"))}
    )
    files = _to_wire(archive, tree("Skill").child("files"), ("files",))
    assert files == {"SKILL.md": str(folder / "SKILL.md"), "scripts": str(folder / "scripts")}
    given = door.check("Skill", {"files": files})
    assert [n for n, _ in read("folder", files).files] == ["skill/SKILL.md", "skill/scripts/lint.sh"]
    rid, outs = door.create("Skill", given)
    assert outs["files"] == files and outs["files_sha256"] == given["files_sha256"]
    assert door.diff("Skill", rid, outs, door.check("Skill", {"files": files}, given)) == (False, [])
    (folder / "scripts" / "lint.sh").write_text("echo three\n")
    news = door.check("Skill", {"files": files}, given)
    assert door.diff("Skill", rid, outs, news) == (True, [])
    assert door.update("Skill", rid, outs, news)["latest_version"] != outs["latest_version"]
    door.delete("Skill", rid, outs)
    with pytest.raises(ArgumentError, match="not a local file or folder"):
        _to_wire(pulumi.AssetArchive({"SKILL.md": pulumi.StringAsset("x")}), tree("Skill").child("files"), ("files",))


def test_a_deployment_mounts_a_file(qoder_env: Emulator, tmp_path: Path) -> None:
    """A deployment's resources name a File by its file_id; one that names no file is a 400 naming it."""
    from pulumi_agents._service import service_class
    from pulumi_agents.errors import ApiError
    from tests.test_qoder_platform import AGENT, SAMPLES

    local = tmp_path / "guide.md"
    local.write_text("# Guide\n")
    door = Dynamic()
    file_id, _ = door.create("File", door.check("File", {"file": str(local)}))
    made = {
        "agent": service_class("Agent")({}).create(dict(AGENT)).id,
        "environment_id": service_class("Environment")({}).create(dict(SAMPLES["Environment"][0])).id,
    }
    deployments = service_class("Deployment")({})
    mounted = {"type": "file", "file_id": file_id, "mount_path": "/workspace/guide.md"}
    created = deployments.create({**made, **SAMPLES["Deployment"][0], "resources": [mounted]})
    assert created.outs["resources"] == [mounted]
    with pytest.raises(ApiError) as refused:
        deployments.create({**made, **SAMPLES["Deployment"][0], "resources": [{**mounted, "file_id": "file_nope"}]})
    assert refused.value.status == 400 and "resources[0].file_id" in str(refused.value)


@pytest.mark.parametrize("type_name", ["File", "Skill"])
def test_a_stack_made_again_and_again_gets_a_live_upload_each_time(door: Door, tmp_path: Path, type_name: str) -> None:
    """Destroyed and made again three times within the service's 24 h, the same files: each
    upload's key replays the one of the time before (deleted since); each time a live one is made
    (the replay was kept as made, and a deployment then named a deleted file)."""
    local = tmp_path / "guide.md"
    local.write_text("# Guide\n")
    news = {"file": str(local)} if type_name == "File" else {"files": str(a_skill(tmp_path))}
    news = {**news, "idempotencySeed": "org/proj/dev/again"} if isinstance(door, Dynamic) else news
    made: list[str] = []
    for _ in range(3):
        rid, outs = door.create(type_name, door.check(type_name, dict(news)))
        assert door.read(type_name, rid, outs)[0] == rid, made  # alive
        made.append(rid)
        door.delete(type_name, rid, outs)
    assert len(set(made)) == 3
