"""What Qoder takes as multipart uploads, as ``qca-sdk`` sends them: files (``POST /files``, one part
``file``) and skills (``POST /skills`` and ``POST /skills/{skill_id}/versions``, parts ``files``
whose names are paths), read from the form into documents of the generic collection (``Kind.upload``);
``upload_routes`` serves what the collection does not (a file's content, a skill's versions, the
models catalogue, whose items are here).

A skill's files are checked as Anthropic's skills API (which Qoder's mirrors) checks them: every
file under one top-level folder, none outside it (no absolute path, no ``..``), a ``SKILL.md`` at
its top whose front matter names the skill (lower-case letters, digits and hyphens, at most 64) and
describes it (1 to 1024 characters). Versions are immutable, numbered by the time they were
published in microseconds (as Anthropic's are); deleting the newest moves ``latest_version`` back;
a skill with versions left cannot be deleted (400: delete its versions first). Bad input is a 400
``invalid_request_error`` whose ``param`` names the field, never a 500.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import mimetypes
import re
import secrets
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pulumi_agents._validate import validate
from pulumi_agents.qoder.emulator.collection import Form, Part
from pulumi_agents.qoder.emulator.rules import invalid

if TYPE_CHECKING:
    from pulumi_agents.qoder.emulator.state import QoderState

VERSIONS = "qoder.skill_version"
_SKILL_NAME = re.compile(r"[a-z0-9-]{1,64}")
MAX_SKILL_BYTES = 8 * 1024 * 1024  # Anthropic's limit on a skill's files


def _now(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def form_fields(form: Form, allowed: Mapping[str, str]) -> dict[str, Any]:
    """The form's text fields, each once and of the kind ``allowed`` says (``text``, ``json`` or
    ``int``); any other field is a 400 naming it."""
    found: dict[str, Any] = {}
    for name, values in form.items():
        kind = allowed.get(name)
        if kind is None:
            raise invalid(f"{name} is not a field of this upload (it takes {', '.join(sorted(allowed))})", name)
        if kind == "file":
            continue
        if len(values) != 1 or not isinstance(values[0], str):
            raise invalid(f"{name} must be sent once, as text", name)
        text = values[0]
        if kind == "json":
            try:
                found[name] = json.loads(text)
            except ValueError:
                raise invalid(f"{name} must be JSON", name) from None
        elif kind == "int":
            if not re.fullmatch(r"[0-9]{1,12}", text):
                raise invalid(f"{name} must be a whole number", name)
            found[name] = int(text)
        else:
            found[name] = text
    return found


def _parts(form: Form, name: str) -> list[Part]:
    parts = form.get(name) or []
    if not parts:
        raise invalid(f"{name} is required: the file(s) to upload", name)
    if any(not isinstance(p, Part) for p in parts):
        raise invalid(f"{name} must be uploaded as a file part", name)
    return [p for p in parts if isinstance(p, Part)]


def _checked(type_name: str, document: Mapping[str, Any]) -> None:
    """The upload's fields against the kind's schema.json entry: the first failure is a 400 naming it."""
    failures = validate(type_name, {k: v for k, v in document.items() if v is not None})
    if failures:
        raise invalid(str(failures[0]), failures[0].path or "body")


# -- files ----------------------------------------------------------------------------------------


def file_upload(state: QoderState, form: Form, now: float) -> dict[str, Any]:
    """POST /files: one part ``file``, with ``name``, ``metadata`` and ``expires_in_seconds``."""
    given = form_fields(form, {"file": "file", "name": "text", "metadata": "json", "expires_in_seconds": "int"})
    parts = _parts(form, "file")
    if len(parts) != 1:
        raise invalid("file must be one file", "file")
    [part] = parts
    filename = given.get("name") or part.filename.rsplit("/", 1)[-1]
    _checked("File", {"file": filename, **given})
    expires = given.get("expires_in_seconds")
    guessed = mimetypes.guess_type(filename)[0]
    return {
        "filename": filename,
        "mime_type": part.content_type
        if part.content_type != "application/octet-stream"
        else guessed or part.content_type,
        "size_bytes": len(part.content),
        "downloadable": True,
        "status": "processed",
        "expires_at": _now(now + expires) if expires else None,
        "metadata": given.get("metadata") or {},
        "_content": base64.b64encode(part.content).decode(),
    }


def signature(state: QoderState, file_id: str) -> str:
    return hmac.new(state.signing_key, file_id.encode(), hashlib.sha256).hexdigest()


# -- skills ---------------------------------------------------------------------------------------


def _front_matter(text: str) -> dict[str, str]:
    """SKILL.md's front matter: its ``key: value`` lines (a skill's name and description are plain
    scalars; quotes around a value are dropped)."""
    match = re.match(r"\A---\r?\n(.*?)\r?\n---(?:\r?\n|\Z)", text, re.S)
    if not match:
        raise invalid("SKILL.md must start with front matter (--- name: ..., description: ... ---)", "files")
    found = {}
    for line in match.group(1).splitlines():
        key, colon, value = line.partition(":")
        if colon and key.strip() and not key.startswith((" ", "\t", "#")):
            value = value.strip()
            found[key.strip()] = (
                value[1:-1] if len(value) > 1 and value[0] == value[-1] and value[0] in "\"'" else value
            )
    return found


def skill_files(form: Form) -> tuple[str, dict[str, Any], dict[str, bytes]]:
    """A skill's uploaded files checked: its folder, SKILL.md's front matter, and path -> content."""
    parts = _parts(form, "files")
    files: dict[str, bytes] = {}
    for part in parts:
        path = part.filename.replace("\\", "/")
        pieces = path.split("/")
        if path.startswith("/") or any(p in ("", ".", "..") for p in pieces):
            raise invalid(f"files: {path!r} must be a relative path with no '.' or '..' in it", "files")
        if len(pieces) < 2:
            raise invalid(f"files: {path!r} must be inside the skill's folder (folder/{path})", "files")
        if path in files:
            raise invalid(f"files: {path!r} is uploaded twice", "files")
        files[path] = part.content
    folders = sorted({p.split("/", 1)[0] for p in files})
    if len(folders) != 1:
        raise invalid(f"files must all be in one top-level folder (found {', '.join(folders[:5])})", "files")
    [folder] = folders
    if sum(len(c) for c in files.values()) > MAX_SKILL_BYTES:
        raise invalid(f"files must total at most {MAX_SKILL_BYTES // (1024 * 1024)} MB", "files")
    manifest = files.get(f"{folder}/SKILL.md")
    if manifest is None:
        raise invalid(f"files must hold {folder}/SKILL.md", "files")
    try:
        meta = _front_matter(manifest.decode())
    except UnicodeDecodeError:
        raise invalid("SKILL.md must be UTF-8 text", "files") from None
    name, description = meta.get("name"), meta.get("description")
    if not isinstance(name, str) or not _SKILL_NAME.fullmatch(name):
        raise invalid("SKILL.md's name must be 1-64 lower-case letters, digits and hyphens", "files")
    if not isinstance(description, str) or not 1 <= len(description) <= 1024:
        raise invalid("SKILL.md's description must be 1-1024 characters", "files")
    return folder, meta, files


def skill_upload(state: QoderState, form: Form, now: float) -> dict[str, Any]:
    """POST /skills: parts ``files`` (its first version), with ``display_title`` and ``metadata``;
    the version is stored as the skill is (``published``)."""
    given = form_fields(form, {"files": "file", "display_title": "text", "metadata": "json"})
    _checked("Skill", {"files": "(uploaded)", **given})
    folder, meta, files = skill_files(form)
    return {
        "display_title": given.get("display_title"),
        "metadata": given.get("metadata") or {},
        "source": "custom",
        "_first": {
            "folder": folder,
            "meta": meta,
            "files": {k: base64.b64encode(v).decode() for k, v in files.items()},
        },
    }


def first_version(state: QoderState, skill: dict[str, Any]) -> None:
    """The version a skill's create publishes, from the files it was sent (kept aside until then)."""
    first = skill.pop("_first")
    publish(state, skill, first["folder"], first["meta"], first["files"])


def version_view(version: Mapping[str, Any]) -> dict[str, Any]:
    """A version as the SDK's SkillVersion model reads it."""
    keys = ("type", "id", "skill_id", "version", "name", "description", "directory", "created_at")
    return {k: version.get(k) for k in keys}


def versions_of(state: QoderState, skill_id: str) -> list[dict[str, Any]]:
    found = [v for v in state.store.all(VERSIONS) if v.get("skill_id") == skill_id]
    return sorted(found, key=lambda v: int(v["version"]))


def publish(
    state: QoderState, skill: dict[str, Any], folder: str, meta: Mapping[str, Any], files: Any
) -> dict[str, Any]:
    """A new version of ``skill`` (stored, and the skill's ``latest_version`` moved to it)."""
    now = state.clock()
    earlier = versions_of(state, skill["id"])
    number = max(int(now * 1_000_000), int(earlier[-1]["version"]) + 1 if earlier else 0)
    version = {
        "type": "skill_version",
        "id": f"skillver_{secrets.token_hex(12)}",
        "skill_id": skill["id"],
        "version": str(number),
        "name": meta["name"],
        "description": meta["description"],
        "directory": folder,
        "created_at": _now(now),
        "_files": files,
    }
    state.store.put(VERSIONS, f"{skill['id']}/{number}", version)
    skill["latest_version"], skill["updated_at"] = version["version"], _now(now)
    state.store.put("qoder.skill", skill["id"], skill)
    return version


def skill_deletable(state: QoderState, skill: dict[str, Any]) -> None:
    if versions_of(state, skill["id"]):
        raise invalid(f"skill {skill['id']} still has versions: delete them first", "skill_id")


def zipped(files: Mapping[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            archive.writestr(zipfile.ZipInfo(path, (1980, 1, 1, 0, 0, 0)), base64.b64decode(files[path]))
    return out.getvalue()


# -- the models catalogue -------------------------------------------------------------------------

MODELS = (
    ("auto", "Auto", 200_000, 32_000),
    ("efficient", "Efficient", 200_000, 32_000),
    ("performance", "Performance", 200_000, 64_000),
    ("ultimate", "Ultimate", 1_000_000, 64_000),
)


def models() -> list[dict[str, Any]]:
    """The catalogue, as the SDK's ModelInfo reads it (the ids the docs use: ultimate, ...)."""
    return [
        {
            "type": "model",
            "id": model_id,
            "display_name": name,
            "created_at": "2026-01-01T00:00:00Z",
            "source": "qoder",
            "is_enabled": True,
            "is_new": False,
            "max_input_tokens": window,
            "max_tokens": out,
            "default_context_window": window,
            "available_context_windows": [window],
            "efforts": ["low", "medium", "high"],
            "default_effort": "medium",
        }
        for model_id, name, window, out in MODELS
    ]
