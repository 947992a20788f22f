"""The Qoder kinds on the generic life cycle (``_lifecycle``), on one base (``_QoderService``: the
client, the resource's workspace, maps sent as patches, a resource archived outside Pulumi
replaced). Environment, MemoryStore, Vault and VaultCredential need nothing beyond their
schema.json entries; a Deployment pauses and unpauses (``paused``); ``qoder.Agent`` is versioned,
idempotent, archive-aware:

- create sends an Idempotency-Key derived from the resource (project/stack/name) and its
  inputs, so a create retried after a lost answer returns the same agent;
- update sends the ``version`` from the state: a change made behind Pulumi's back makes the
  service answer 409, reported as drift (refresh first), never overwritten;
- an agent archived behind Pulumi's back shows as drift and is replaced (it cannot be updated);
- delete archives or deletes, per resource (``onDelete``); a deployment that offers archive only
  (the SDK's generation has no DELETE) answers a DELETE 404 or 405 while the agent is still
  there, which is reported as such, never as a success.

The two generations of Qoder's API name some things differently; the resource takes both and
sends what the SDK (``qca-sdk``) sends: the prompt is ``system`` (``instructions``, the docs'
name, means the same), an MCP server's type ``url`` (one doc says ``http``), a skill's version a
string. The outputs report the prompt as ``system``, and as ``instructions`` too for a program
that names it so (as the docs' answers, and every state written before ``system`` was an
argument, do).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pulumi_agents._api import Catalogue
from pulumi_agents._diff import Changes
from pulumi_agents._fields import fields
from pulumi_agents._lifecycle import ApiService
from pulumi_agents._requests import Client, Doc, pages
from pulumi_agents._service import Created, Found
from pulumi_agents.errors import ApiError, ConflictError, NotFoundError, ResourceFailed

if TYPE_CHECKING:  # the client (and httpx) load on the first call that talks to the API, not for check or diff
    from pulumi_agents.qoder.client import QoderClient

TYPE = "Agent"
PROMPT, DOCS_PROMPT = "system", "instructions"  # the SDK's name of the prompt, and the docs'
ARCHIVE_ONLY = "this deployment offers archive only: set on_delete to archive"
# How many agents, archived or deleted since, a create may meet replayed before it makes one:
# one per time the same stack was destroyed and made again within the service's 24 h.
REPLAYS = 64


def _made_once(
    send: Callable[..., Doc], live: Callable[[Doc], Doc | None], what: str
) -> tuple[Doc, Doc]:
    """A create sent with an Idempotency-Key derived from the resource, and what it made, alive.

    The service replays the answer of a key it saw in the last 24 h: a stack destroyed and made
    again that day is answered with what the earlier time made, archived or deleted since. Then
    the create is sent again with a key derived from that one's id (``send(id)``), so that it too
    is made once; several times a day meets the earlier times' in turn."""
    made = send()
    current = live(made)
    for _ in range(REPLAYS):
        if current is not None and not current.get("archived"):
            return made, current
        made = send(made["id"])
        current = live(made)
    raise ResourceFailed(
        f"{what}: each of {REPLAYS} creates was answered with one archived or deleted since "
        "(the service replays a create of the same inputs for 24 h): change an input"
    )


def _wire(props: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs in the SDK's spelling: the prompt as ``system``, an MCP server's type ``url``,
    a skill's version a string."""
    out = dict(props)
    prompt = out.pop(DOCS_PROMPT, None)
    if PROMPT not in out and prompt is not None:
        out[PROMPT] = prompt
    if isinstance(out.get("mcp_servers"), list):
        out["mcp_servers"] = [
            {**s, "type": "url"} if isinstance(s, Mapping) and s.get("type") == "http" else s
            for s in out["mcp_servers"]
        ]
    if isinstance(out.get("skills"), list):
        out["skills"] = [_skill(s) for s in out["skills"]]
    return out


def _skill(skill: Any) -> Any:
    """A skill with its version as the SDK types it: a string (3 and 3.0, as the engine sends it, are "3")."""
    version = skill.get("version") if isinstance(skill, Mapping) else None
    if isinstance(version, int | float) and not isinstance(version, bool):
        return {**skill, "version": str(int(version)) if float(version).is_integer() else str(version)}
    return skill


def _canonical(props: Mapping[str, Any]) -> dict[str, Any]:
    """One spelling per meaning, for comparing: the wire's, model "x" is {"id": "x"}, and a
    coordinator's agent "x" is {"type": "agent", "id": "x"}."""
    out = _wire(props)
    if isinstance(out.get("model"), str):
        out["model"] = {"id": out["model"]}
    team = out.get("multiagent")
    if isinstance(team, Mapping) and isinstance(team.get("agents"), list):  # "x" is {"type": "agent", "id": "x"}
        agents = [{"type": "agent", "id": a} if isinstance(a, str) else a for a in team["agents"]]
        out["multiagent"] = {**team, "agents": agents}
    return out


class _QoderService(ApiService):
    """What every Qoder kind shares: the client, the workspace a resource lives in (its own
    ``workspace_id``, sent as the ``qoder-workspace-id`` header on every call it makes), maps sent
    as patches, and a resource archived behind Pulumi's back replaced (it cannot be updated)."""

    service_name = "Qoder"

    _workspace: str | None = None  # the resource's own workspace_id, for the calls it makes

    def _client(self) -> QoderClient:
        from pulumi_agents.qoder.client import QoderClient, Settings

        return QoderClient(Settings.from_sources(self.config, workspace_id=self._workspace))

    def _at(self, props: Mapping[str, Any]) -> None:
        """The calls that follow are for the resource of ``props``: in its workspace."""
        workspace = props.get("workspace_id")
        self._workspace = str(workspace) if workspace else None

    def create(self, props: dict[str, Any]) -> Created:
        self._at(props)
        return super().create(props)

    def read(self, id_: str, props: dict[str, Any]) -> Found:
        self._at(props)
        return super().read(id_, props)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        self._at(news)
        return super().update(id_, olds, news)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._at(props)
        super().delete(id_, props)

    def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Changes:
        for archived in ("archived", "archived_at"):
            if olds.get(archived):  # archived behind our back: it cannot be updated any more, so replace it
                return Changes((archived,), (), (archived,), False)
        return super().diff(id_, olds, news)

    def update_body(self, olds: Mapping[str, Any], news: Mapping[str, Any], changes: Changes) -> dict[str, Any]:
        """Maps (metadata) are patches: a key no longer set is sent as null, which deletes it."""
        spec = fields(self.type_name)
        body = super().update_body(olds, news, changes)
        for k in body:
            if spec.node(k).kind == "map" and isinstance(olds.get(k), Mapping):
                body[k] = {**spec.node(k).empty(olds[k]), **(body[k] or {})}
        return body


class AgentService(_QoderService):
    type_name = TYPE

    def changes(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Changes:
        """Compared in one spelling; a change of the prompt is named as the program (or, removed,
        the state) names it, so that a plugin's detailed diff finds it on both sides."""
        found = super().changes(_canonical(olds), _canonical(news))
        given = DOCS_PROMPT if DOCS_PROMPT in news and PROMPT not in news else PROMPT
        held = PROMPT if PROMPT in olds else DOCS_PROMPT
        return Changes(
            tuple(given if k == PROMPT else k for k in found.changed),
            tuple(held if k == PROMPT else k for k in found.removed),
            found.replaces,
            found.delete_before_replace,
        )

    def create_body(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return super().create_body(_wire(props))

    def view(self, remote: Mapping[str, Any]) -> Mapping[str, Any]:
        """The prompt under both names, whichever the service's generation reports."""
        prompt = remote.get(PROMPT, remote.get(DOCS_PROMPT))
        if prompt is None:
            return remote
        return {**remote, PROMPT: prompt, DOCS_PROMPT: prompt}

    def outputs(self, inputs: Mapping[str, Any], remote: Mapping[str, Any]) -> dict[str, Any]:
        """The prompt as ``system``, and as ``instructions`` too for a program that names it so
        (as every state before ``system`` was an argument has it): the outputs say which name
        the program uses, which is how a refresh, given only them, records the inputs."""
        outs = super().outputs(inputs, remote)
        shown = self.view(remote)
        for name in (PROMPT, DOCS_PROMPT) if DOCS_PROMPT in inputs else (PROMPT,):
            if name in shown:
                outs[name] = shown[name]
        if DOCS_PROMPT not in inputs:
            outs.pop(DOCS_PROMPT, None)
        return outs

    def found(self, id_: str, inputs: Mapping[str, Any], remote: Mapping[str, Any]) -> Found:
        """As read: the prompt as an input under the name the program uses, which the outputs
        given here tell (``instructions`` among them: that name), ``system`` for an import."""
        docs = DOCS_PROMPT in inputs
        found = super().found(id_, inputs, remote)
        outs = found.outs if docs else {k: v for k, v in found.outs.items() if k != DOCS_PROMPT}
        unused = PROMPT if docs else DOCS_PROMPT
        inputs_ = {k: v for k, v in found.inputs.items() if k != unused}
        if inputs_.get(PROMPT) == "":  # no prompt is an unset one (removing it clears it): as recorded before
            del inputs_[PROMPT]
        return Found(found.id, outs, inputs_)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._at(props)
        if self.destroy_operation(props) != "delete":
            return super().delete(id_, props)
        ids = self._ids(id_)
        what = self.what(props, ids)
        with self._client() as client:
            try:
                client.delete_agent(id_)
            except ApiError as exc:
                if exc.status not in (404, 405):
                    raise self.refused(client, ids, exc) from None
                if self._current(client, id_) is None:
                    return  # gone already
                raise ResourceFailed(
                    f"{what} could not be deleted: {ARCHIVE_ONLY} (DELETE was answered {exc.status}: {exc.message})"
                ) from None
            self.gone(self._fetch(client, ids), self._timeout(props), what)

    def create(self, props: dict[str, Any]) -> Created:
        from pulumi_agents._requests import idempotency_key

        self._at(props)
        body = self.create_body(props)
        seed = self.seed(props)
        with self._client() as client:
            agent, current = _made_once(
                lambda *after: client.create_agent(body, idempotency_key=idempotency_key(seed, body, *after)),
                lambda made: self._current(client, made["id"]),
                self.what(props, {}),
            )
        return Created(agent["id"], self.outputs(props, current))

    def update_body(self, olds: Mapping[str, Any], news: Mapping[str, Any], changes: Changes) -> dict[str, Any]:
        spec = fields(TYPE)
        olds = _wire(spec.coerced(olds))
        changes = Changes(  # in the wire's spelling, as olds and news now are
            tuple(PROMPT if k == DOCS_PROMPT else k for k in changes.changed),
            tuple(PROMPT if k == DOCS_PROMPT else k for k in changes.removed),
            changes.replaces,
            changes.delete_before_replace,
        )
        body = super().update_body(olds, _wire(news), changes)
        for k in body:
            if spec.node(k).kind == "map" and isinstance(olds.get(k), Mapping):
                # Maps (metadata) are patches: a key no longer set is sent as null, which deletes it.
                body[k] = {**spec.node(k).empty(olds[k]), **(body[k] or {})}
        if body:  # the version guard: a change made behind Pulumi's back is answered 409
            body["version"] = olds.get("version")
        return body

    def send_update(
        self,
        client: Any,
        ids: Mapping[str, Any],
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        body: Mapping[str, Any],
        query: Mapping[str, str] | None,
    ) -> None:
        """With the Idempotency-Key the service replays a lost answer for; a 409 of the version
        guard is a change made outside Pulumi."""
        from pulumi_agents._requests import idempotency_key

        agent_id = str(ids["id"])
        try:
            client.update_agent(agent_id, body, idempotency_key=idempotency_key(self.seed(news), agent_id, body))
        except ConflictError as exc:
            raise self._drifted(client, agent_id, olds, exc) from None

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _current(client: QoderClient, agent_id: str) -> dict[str, Any] | None:
        try:
            return client.get_agent(agent_id)
        except NotFoundError:
            return None

    @staticmethod
    def _drifted(client: QoderClient, agent_id: str, olds: Mapping[str, Any], exc: ApiError) -> ApiError:
        current = AgentService._current(client, agent_id) or {}
        return ConflictError(
            exc.service,
            exc.operation,
            exc.status,
            exc.code,
            f"agent {agent_id} was changed outside Pulumi (the state has version {olds.get('version')}, "
            f"the service has version {current.get('version', '?')}): run `pulumi refresh` to take in that "
            f"change, then `pulumi up` to apply yours ({exc.message})",
            exc.request_id,
        )


# -- the platform's kinds: nothing beyond their schema.json entries ------------------------------


class EnvironmentService(_QoderService):
    type_name = "Environment"


class MemoryStoreService(_QoderService):
    type_name = "MemoryStore"


class VaultService(_QoderService):
    type_name = "Vault"


class VaultCredentialService(_QoderService):
    """Its secrets are write-only (schema.json): the life cycle keeps what was sent, as secrets."""

    type_name = "VaultCredential"


# -- deployments ----------------------------------------------------------------------------------


def _agent_ref(props: Mapping[str, Any]) -> dict[str, Any]:
    """One spelling of a deployment's agent, for comparing: "x" is {"type": "agent", "id": "x"}."""
    agent = props.get("agent")
    return {**props, "agent": {"type": "agent", "id": agent}} if isinstance(agent, str) else dict(props)


class DeploymentService(_QoderService):
    """``paused`` is sent as the pause and unpause operations, once a create or update has settled;
    the service's own status decides what it is now, so a deployment paused outside Pulumi, or by
    the service itself (its budget: ``paused_reason``), shows in the preview as a change to unpause."""

    type_name = "Deployment"

    def changes(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Changes:
        found = super().changes(_agent_ref(olds), _agent_ref(news))
        status = olds.get("status")
        if status not in ("active", "paused") or bool(news.get("paused")) == (status == "paused"):
            return found
        changed = tuple(dict.fromkeys((*found.changed, "paused")))
        return Changes(changed, found.removed, found.replaces, found.delete_before_replace)

    def view(self, remote: Mapping[str, Any]) -> Mapping[str, Any]:
        """An unpinned agent as its id, as a program names it (and an import records it)."""
        agent = remote.get("agent")
        if isinstance(agent, Mapping) and agent.get("version") is None and set(agent) <= {"type", "id", "version"}:
            return {**remote, "agent": agent.get("id")}
        return remote

    def finish(
        self,
        client: Client,
        ids: Mapping[str, Any],
        olds: Mapping[str, Any] | None,
        news: Mapping[str, Any],
        current: Doc,
    ) -> Doc:
        wanted = bool(fields(self.type_name).value(news, "paused"))
        if wanted == (current.get("status") == "paused"):
            return current
        operation = "pause" if wanted else "unpause"
        return client.request(self.api.operation(operation), self.api.path(operation, ids), idempotent=True)


# -- uploads: files and skills (multipart, as qca-sdk sends them) ---------------------------------


def _media_type(name: str) -> str:
    import mimetypes

    return mimetypes.guess_type(name)[0] or "application/octet-stream"


class _Uploaded(_QoderService):
    """A kind created by a multipart upload of local files (``x-local-files``): read when sent, so
    the state keeps their path and digest only. The upload carries an Idempotency-Key derived from
    the resource and the files' digest, so a create resent after a lost answer makes one."""

    def upload(
        self, client: QoderClient, operation: str, ids: Mapping[str, Any], props: Mapping[str, Any], *after: str
    ) -> Doc:
        """Send ``operation`` with the local files of ``props`` (and, for a create, its other
        inputs as form fields); ``props`` gets the digest of what was sent. ``after``: the id a
        replayed key answered with, gone since (``_made_once``)."""
        from pulumi_agents._local import read
        from pulumi_agents._requests import idempotency_key

        spec = fields(self.type_name)
        [(wire, (kind, digest))] = spec.local.items()
        upload = read(kind, props[wire])
        form = {k: v for k, v in spec.wire_inputs(props).items() if k != wire} if operation == "create" else {}
        field = "file" if kind == "file" else "files"
        parts = [(field, name, content, _media_type(name)) for name, content in upload.files]
        if kind == "file" and props.get("name"):
            parts = [(field, str(props["name"]), upload.files[0][1], _media_type(str(props["name"])))]
        key = idempotency_key(self.seed(props), operation, dict(ids), upload.sha256, form, *after)
        made = client.upload(
            self.api.operation(operation), self.api.path(operation, ids), fields=form, files=parts, key=key
        )
        props[digest] = upload.sha256  # type: ignore[index]  # props is the caller's dict
        return made

    def create(self, props: dict[str, Any]) -> Created:
        self._at(props)
        props = dict(props)
        with self._client() as client:
            made, current = _made_once(
                lambda *after: self.upload(client, "create", {}, props, *after),
                lambda made: self._live(client, made),
                self.what(props, {}),
            )
        return Created(str(made["id"]), self.outputs(props, current))

    def _live(self, client: QoderClient, made: Doc) -> Doc | None:
        try:
            return self._get(client, {"id": made["id"]})
        except NotFoundError:
            return None


class FileService(_Uploaded):
    """No update in the API: a change of the local file's content (its digest) replaces it."""

    type_name = "File"

    def view(self, remote: Mapping[str, Any]) -> Mapping[str, Any]:
        """The name it was uploaded under as ``name``: what an import records as the input."""
        return {**remote, "name": remote["filename"]} if remote.get("filename") else remote


class SkillService(_Uploaded):
    """A change of the files publishes a new version of the same skill (``publish``), which moves
    ``latest_version``; destroy deletes the versions, then the skill (the API refuses a skill
    that still has versions)."""

    type_name = "Skill"

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        self._at(news)
        news, ids = dict(news), self._ids(id_)
        with self._client() as client:
            current = self._get(client, ids)
            if news.get("files_sha256") != olds.get("files_sha256") and not self._holds(client, ids, current, news):
                self.upload(client, "publish", ids, news)
                current = self._get(client, ids)
        return self.outputs(news, current)

    def _holds(
        self, client: QoderClient, ids: Mapping[str, Any], current: Mapping[str, Any], news: Mapping[str, Any]
    ) -> bool:
        """Whether the skill's latest version (of ``current``) holds the program's files already
        (its content compared): after an import (the state has no digest), or a publish whose
        answer was lost in an earlier run, nothing is published again."""
        import io
        import zipfile

        from pulumi_agents._local import digest

        latest = current.get("latest_version")
        if not latest:
            return False
        path = self.api.path("version_content", {**ids, "version": latest})
        try:
            content = client.download(self.api.operation("version_content"), path)
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                files = tuple(sorted((i.filename, archive.read(i)) for i in archive.infolist() if not i.is_dir()))
        except (ApiError, zipfile.BadZipFile):
            return False
        return digest(files) == news.get("files_sha256")

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._at(props)
        ids = self._ids(id_)
        with self._client() as client:
            try:
                versions = pages(
                    client, self.api.operation("versions"), self.api.path("versions", ids), self.api.listing, {}
                )
            except NotFoundError:
                return
            for version in versions:
                path = self.api.path("delete_version", {**ids, "version": version["version"]})
                with contextlib.suppress(NotFoundError):  # deleted meanwhile
                    client.request(self.api.operation("delete_version"), path)
        super().delete(id_, props)


# -- catalogues: lists the plugin serves as functions (x-catalogue) --------------------------------


def catalogue(config: Mapping[str, Any], found: Catalogue) -> list[Doc]:
    """Every item of a catalogue (the models), each with the fields its schema.json type declares."""
    from pulumi_agents.qoder.client import QoderClient, Settings

    known = set(fields(found.type_name).root.props)
    with QoderClient(Settings.from_sources(config)) as client:
        items = pages(client, found.operation, found.operation.path, found.listing, {})
    return [{k: v for k, v in item.items() if k in known} for item in items]
