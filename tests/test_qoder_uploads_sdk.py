"""Qoder's own SDK (``qca-sdk``, ``qca.Managed``) runs every operation of files, skills (with their
versions) and the models catalogue against the emulator over loopback, uploading as it uploads
(multipart): every answer parses into its models with no key they do not know, and bad input is the
SDK's BadRequestError naming the field, never a 500."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
import qca
from qca.common import _exceptions as errors

from tests.conftest import QODER_TOKEN, Emulator
from tests.test_qoder_platform_sdk import check_answer, managed, raw, unknown_keys

__all__ = ["managed"]  # the fixture, shared with the platform's SDK tests

SKILL_MD = b"---\nname: docs-style\ndescription: How the team writes docs.\n---\n# Docs style\nShort sentences.\n"


def skill(tmp_path: Path, folder: str = "docs-style", *, extra: str = "v1") -> list[Path]:
    """A skill's files on disk, as the SDK takes them: paths whose names it sends are folder/..."""
    root = tmp_path / folder
    (root / "scripts").mkdir(parents=True, exist_ok=True)
    (root / "SKILL.md").write_bytes(SKILL_MD)
    (root / "scripts" / "lint.sh").write_text(f"echo {extra}\n")
    return [root / "SKILL.md", root / "scripts" / "lint.sh"]


def as_sent(paths: list[Path], base: Path) -> list[tuple[str, bytes]]:
    return [(p.relative_to(base).as_posix(), p.read_bytes()) for p in paths]


def test_files(managed: qca.Managed, emulator: Emulator, tmp_path: Path) -> None:
    local = tmp_path / "guide.md"
    local.write_text("# Style guide\n")
    made = managed.files.upload(file=local, metadata={"team": "docs"}, expires_in_seconds=3600)
    assert made.id and made.id.startswith("file_") and made.type == "file"
    assert (
        made.filename == "guide.md" and made.size_bytes == len("# Style guide\n") and made.mime_type == "text/markdown"
    )
    assert made.metadata == {"team": "docs"} and made.expires_at and made.downloadable
    check_answer(emulator, "files", made)
    named = managed.files.upload(file=("x.bin", b"\x00\x01", "application/octet-stream"), name="data.bin")
    assert named.filename == "data.bin" and named.size_bytes == 2

    assert managed.files.retrieve_metadata(made.id).filename == "guide.md"
    assert managed.files.download(made.id).read() == b"# Style guide\n"  # through the download link it answers
    first = managed.files.list(limit=1)
    assert [f.id for f in first.data] == [made.id] and first.has_more
    assert [f.id for f in managed.files.list(limit=1)] == [made.id, named.id]  # the SDK follows next_page
    assert [f.id for f in managed.files.list(name="data.bin")] == [named.id]

    gone = managed.files.delete(made.id)
    assert gone.id == made.id and gone.type == "file_deleted"
    with pytest.raises(errors.NotFoundError):
        managed.files.retrieve_metadata(made.id)
    with pytest.raises(errors.NotFoundError):
        managed.files.download(made.id)


def test_skills_and_versions(managed: qca.Managed, emulator: Emulator, tmp_path: Path) -> None:
    sent = as_sent(skill(tmp_path), tmp_path)
    made = managed.skills.create(files=sent, display_title="Docs style", metadata={"team": "docs"})
    assert made.id and made.id.startswith("skill_") and made.type == "skill" and made.source == "custom"
    assert made.display_title == "Docs style" and made.latest_version and made.metadata == {"team": "docs"}
    check_answer(emulator, "skills", made)
    assert managed.skills.retrieve(made.id).latest_version == made.latest_version

    first = managed.skills.versions.retrieve(str(made.latest_version), skill_id=made.id)
    assert (first.skill_id, first.name, first.directory) == (made.id, "docs-style", "docs-style")
    assert first.description == "How the team writes docs." and first.type == "skill_version"
    answer = raw(emulator, f"/skills/{made.id}/versions/{first.version}")
    assert unknown_keys(type(first).model_validate(answer), answer) == []

    second = managed.skills.versions.create(made.id, files=as_sent(skill(tmp_path, extra="v2"), tmp_path))
    assert int(str(second.version)) > int(str(first.version))
    assert managed.skills.retrieve(made.id).latest_version == second.version
    listed = managed.skills.versions.list(made.id, limit=1)
    assert [v.version for v in listed.data] == [second.version] and listed.has_more
    assert [v.version for v in managed.skills.versions.list(made.id, limit=1)] == [second.version, first.version]
    content = managed.skills.versions.download(str(second.version), skill_id=made.id).read()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.read("docs-style/scripts/lint.sh") == b"echo v2\n"
        assert sorted(archive.namelist()) == ["docs-style/SKILL.md", "docs-style/scripts/lint.sh"]

    other = managed.skills.create(files=as_sent(skill(tmp_path / "b", "other"), tmp_path / "b"))
    assert [s.id for s in managed.skills.list(display_name="Docs style")] == [made.id]
    assert [s.id for s in managed.skills.list(limit=1)] == [made.id, other.id]

    with pytest.raises(errors.BadRequestError) as refused:  # versions first, as Anthropic's API wants
        managed.skills.delete(made.id)
    assert "versions" in str(refused.value)
    gone = managed.skills.versions.delete(str(second.version), skill_id=made.id)
    assert gone.id == second.id and gone.type == "skill_version_deleted"
    assert managed.skills.retrieve(made.id).latest_version == first.version  # moved back
    managed.skills.versions.delete(str(first.version), skill_id=made.id)
    assert managed.skills.retrieve(made.id).latest_version is None
    deleted = managed.skills.delete(made.id)
    assert deleted.id == made.id and deleted.type == "skill_deleted"
    with pytest.raises(errors.NotFoundError):
        managed.skills.retrieve(made.id)
    with pytest.raises(errors.NotFoundError):
        managed.skills.versions.list(made.id)


def test_models(managed: qca.Managed, emulator: Emulator) -> None:
    page = managed.models.list(limit=2)
    assert [m.id for m in page.data] == ["auto", "efficient"] and page.has_more
    every = list(managed.models.list(limit=2))  # the SDK pages by after_id (its "Page" style)
    assert "ultimate" in [m.id for m in every] and len(every) == len({m.id for m in every})
    answer = raw(emulator, "/models")
    for model, shown in zip(page.data, answer["data"], strict=False):
        assert unknown_keys(model, shown) == []


BAD_SKILLS: list[tuple[list[tuple[str, bytes]], str]] = [
    ([("SKILL.md", SKILL_MD)], "inside the skill's folder"),
    ([("a/SKILL.md", SKILL_MD), ("b/x.txt", b"x")], "one top-level folder"),
    ([("a/../SKILL.md", SKILL_MD)], "relative path"),
    ([("a/readme.txt", b"x")], "a/SKILL.md"),
    ([("a/SKILL.md", b"# no front matter\n")], "front matter"),
    ([("a/SKILL.md", b"---\nname: Not Valid\ndescription: x\n---\n")], "lower-case"),
    ([("a/SKILL.md", b"---\nname: ok\n---\n")], "description"),
]


@pytest.mark.parametrize(("files", "said"), BAD_SKILLS)
def test_a_bad_skill_is_a_400_naming_files(managed: qca.Managed, files: list[Any], said: str) -> None:
    with pytest.raises(errors.BadRequestError) as refused:
        managed.skills.create(files=files)
    assert said in str(refused.value) and refused.value.body["error"]["param"] == "files"  # type: ignore[index]


def test_bad_uploads_are_400s_in_qoders_envelope(emulator: Emulator) -> None:
    url, auth = emulator.url + "/api/v1/cloud", {"authorization": f"Bearer {QODER_TOKEN}"}
    cases = [
        (httpx.post(url + "/files", headers=auth, json={"file": "x"}), None),  # not multipart
        (httpx.post(url + "/files", headers=auth, data={"name": "x"}, files={"nope": ("a", b"a")}), "nope"),
        (httpx.post(url + "/files", headers=auth, data={"name": "x"}, files=[]), None),
        (httpx.post(url + "/files", headers=auth, files={"file": ("a", b"a")}, data={"metadata": "{"}), "metadata"),
        (httpx.post(url + "/files", headers=auth, files={"file": ("a", b"a")}, data={"expires_in_seconds": "0"}), None),
        (
            httpx.post(
                url + "/files",
                headers={**auth, "content-type": "multipart/form-data; boundary=x"},
                content=b"--x\r\nnonsense",
            ),
            None,
        ),
        (httpx.post(url + "/skills", headers=auth, files={"files": ("a", b"a")}, data={"metadata": '{"k": 1}'}), None),
    ]
    for answer, param in cases:
        assert answer.status_code == 400, answer.text
        error = answer.json()["error"]
        assert error["type"] == "invalid_request_error" and error["message"]
        if param:
            assert error["param"] == param
    missing = httpx.get(url + "/files/file_nope/content", headers=auth)
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found_error"
    forged = httpx.get(url + "/storage/files/file_nope?signature=x")
    assert forged.status_code == 404


def test_uploads_take_more_than_a_json_body(managed: qca.Managed, emulator: Emulator, tmp_path: Path) -> None:
    """An upload may be larger than the 1 MiB a JSON body may be, up to the limit of its path."""
    big = bytes(range(256)) * (3 * 4096)  # 3 MiB
    made = managed.files.upload(file=("data.bin", big, "application/octet-stream"))
    assert made.size_bytes == len(big) and managed.files.download(str(made.id)).read() == big
    files = [("big/SKILL.md", SKILL_MD), ("big/data.bin", big)]
    assert managed.skills.create(files=files).latest_version
    with pytest.raises(errors.APIStatusError) as refused:
        managed.skills.create(files=[("big/SKILL.md", SKILL_MD), ("big/data.bin", big * 4)])
    assert refused.value.status_code == 413
