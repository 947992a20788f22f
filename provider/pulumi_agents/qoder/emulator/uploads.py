"""What Qoder takes as multipart uploads, as ``qca-sdk`` sends them: files (``POST /files``, one part
``file``) and skills (``POST /skills`` and ``POST /skills/{skill_id}/versions``, parts ``files``
whose names are paths), with the operations the generic collection does not have: a file's content
(a download link, as the SDK follows it), a skill's versions and their content, and the models
catalogue.

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
import json
import mimetypes
import re
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
