"""The routes of Qoder's uploads the generic collection does not serve (``uploads.py`` holds what
they do): a file's content (a download link, as ``qca-sdk`` follows it, to storage reached by the
link's signature), a skill's versions and their content, and the models catalogue."""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from pulumi_agents.qoder.emulator.collection import Form
from pulumi_agents.qoder.emulator.rules import QoderError, invalid
from pulumi_agents.qoder.emulator.uploads import (
    VERSIONS,
    form_fields,
    models,
    publish,
    signature,
    skill_files,
    version_view,
    versions_of,
    zipped,
)

if TYPE_CHECKING:
    from pulumi_agents.qoder.emulator.state import QoderState

# -- the routes -----------------------------------------------------------------------------------

Handle = Callable[..., Awaitable[JSONResponse]]
Workspace = Callable[[Request], str | None]


def serve(api: APIRouter, state: QoderState, handle: Handle, workspace: Workspace) -> None:
    """The operations the generic collection does not serve."""
    serve_files(api, state, handle, workspace)
    serve_skills(api, state, handle, workspace)
    serve_models(api, handle)


def serve_files(api: APIRouter, state: QoderState, handle: Handle, workspace: Workspace) -> None:
    """A file's content: a download link to storage, reached without the API's token by its signature."""
    files = state.collection("File")

    @api.get("/files/{file_id}/content")
    async def file_content(file_id: str, request: Request) -> JSONResponse:
        def run(_body: Any) -> tuple[int, dict[str, Any]]:
            files.load(file_id, workspace(request), {})
            url = request.url_for("file storage", file_id=file_id).include_query_params(
                signature=signature(state, file_id)
            )
            return 200, {"url": str(url)}

        return await handle(request, run, keyed=False)

    # Where a download link points: storage, reached without the API's token, by the link's signature.
    @api.get("/storage/files/{file_id}", name="file storage")
    async def storage(file_id: str, request: Request) -> Response:
        given = request.query_params.get("signature", "")
        doc = state.store.get(files.store_kind, file_id)
        if doc is None or not hmac.compare_digest(given, signature(state, file_id)):
            return JSONResponse(QoderError(404, "not_found_error", "no such download").body(), status_code=404)
        return Response(
            base64.b64decode(doc["_content"]), media_type=doc.get("mime_type") or "application/octet-stream"
        )


def serve_skills(api: APIRouter, state: QoderState, handle: Handle, workspace: Workspace) -> None:
    """A skill's versions (the first is made with the skill), and their content as a zip archive."""
    skills = state.collection("Skill")

    def skill_of(skill_id: str, request: Request) -> dict[str, Any]:
        return skills.load(skill_id, workspace(request), {})

    def version_of(skill_id: str, version: str, request: Request) -> dict[str, Any]:
        skill_of(skill_id, request)
        found = state.store.get(VERSIONS, f"{skill_id}/{version}")
        if found is None:
            raise QoderError(404, "not_found_error", f"skill {skill_id} has no version {version}")
        return found

    @api.post("/skills/{skill_id}/versions")
    async def create_version(skill_id: str, request: Request) -> JSONResponse:
        def run(form: Form) -> tuple[int, dict[str, Any]]:
            form_fields(form, {"files": "file"})
            folder, meta, uploaded = skill_files(form)
            encoded = {k: base64.b64encode(v).decode() for k, v in uploaded.items()}
            with state.store.transaction():
                skill = skill_of(skill_id, request)
                return 200, version_view(publish(state, skill, folder, meta, encoded))

        return await handle(request, run, keyed=True, form=True)

    @api.get("/skills/{skill_id}/versions")
    async def list_versions(skill_id: str, request: Request) -> JSONResponse:
        def run(_body: Any) -> tuple[int, dict[str, Any]]:
            skill_of(skill_id, request)
            found = [version_view(v) for v in reversed(versions_of(state, skill_id))]  # newest first
            return 200, page_of(found, request.query_params)

        return await handle(request, run, keyed=False)

    @api.get("/skills/{skill_id}/versions/{version}")
    async def get_version(skill_id: str, version: str, request: Request) -> JSONResponse:
        return await handle(
            request, lambda _b: (200, version_view(version_of(skill_id, version, request))), keyed=False
        )

    @api.delete("/skills/{skill_id}/versions/{version}")
    async def delete_version(skill_id: str, version: str, request: Request) -> JSONResponse:
        def run(_body: Any) -> tuple[int, dict[str, Any]]:
            with state.store.transaction():
                found = version_of(skill_id, version, request)
                state.store.delete(VERSIONS, f"{skill_id}/{version}")
                skill = skill_of(skill_id, request)
                left = versions_of(state, skill_id)
                skill["latest_version"] = left[-1]["version"] if left else None
                state.store.put("qoder.skill", skill_id, skill)
            return 200, {"id": found["id"], "type": "skill_version_deleted"}

        return await handle(request, run, keyed=True)

    @api.get("/skills/{skill_id}/versions/{version}/content")
    async def version_content(skill_id: str, version: str, request: Request) -> Response:
        found: dict[str, Any] = {}

        def run(_body: Any) -> tuple[int, dict[str, Any]]:
            found.update(version_of(skill_id, version, request))
            return 200, {}

        answer = await handle(request, run, keyed=False)  # auth, and a 404 in Qoder's envelope
        return Response(zipped(found["_files"]), media_type="application/zip") if found else answer


def serve_models(api: APIRouter, handle: Handle) -> None:
    """The models catalogue (``GET /models``, paged by after_id/before_id: the SDK's "Page" style)."""

    @api.get("/models")
    async def list_models(request: Request) -> JSONResponse:
        return await handle(request, lambda _b: (200, page_of(models(), request.query_params)), keyed=False)


def page_of(items: list[dict[str, Any]], query: Mapping[str, str]) -> dict[str, Any]:
    """One page of ``items``: ``limit`` (1-100, default 20), ``page`` or ``after_id``/``before_id``."""
    given = query.get("limit")
    if given is not None and not re.fullmatch(r"[0-9]{1,3}", given):
        raise invalid("limit must be a whole number", "limit")
    limit = int(given) if given else 20
    if not 1 <= limit <= 100:
        raise invalid("limit must be between 1 and 100", "limit")
    ids = [str(i.get("id") or i.get("version")) for i in items]
    after = query.get("page") or query.get("after_id")
    before = query.get("before_id")
    if after is not None and after not in ids:
        raise invalid("page is not a page token of this list (take next_page from the page before)", "page")
    if after is not None:
        items = items[ids.index(after) + 1 :]
    elif before is not None and before in ids:
        items = items[: ids.index(before)][-limit:]
    shown, more = items[:limit], len(items) > limit
    last = str(shown[-1].get("id") or shown[-1].get("version")) if shown else None
    return {
        "data": shown,
        "first_id": str(shown[0].get("id")) if shown else None,
        "last_id": last,
        "has_more": more,
        "next_page": last if more else None,
    }
