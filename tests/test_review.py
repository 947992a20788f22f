"""`pulumi-agents review` without the CLI: golden comments rendered from real previews, the
secrets they must never show, the size cap, the model's semantics and the command's exit codes.

The previews in tests/golden/review/ were captured from the examples against the emulator by
tests/e2e/test_review_e2e.py (REVIEW_UPDATE_GOLDEN=1 re-captures them). When the rendering
changes on purpose, rewrite the .md files from the checked-in previews with
`REVIEW_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_review.py` and review the diff.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import pulumi_agents
from pulumi_agents._schema import UNKNOWN, resource_types
from pulumi_agents.agentrun.meaning import traffic
from pulumi_agents.review import (
    MARKER,
    PreviewError,
    Review,
    build,
    display_type,
    markdown,
    parse,
    review_text,
    to_json,
)
from pulumi_agents.review.meaning import Change, Meaning, meaning_of
from pulumi_agents.review.preview import SIGNATURE

GOLDEN = Path(__file__).resolve().parent / "golden" / "review"
UPDATE = os.environ.get("REVIEW_UPDATE_GOLDEN") == "1"
SCENARIOS = [
    *(
        f"{name}-{mode}"
        for name in (
            "update",
            "replace",
            "secret",
            "kept-field-removed",
            "endpoint-weight",
            "validation-failure",
            "publish",
            "full-stack",
        )
        for mode in ("dynamic", "plugin")
    ),
    "huge",
]


def preview_text(name: str) -> str:
    plain = GOLDEN / f"{name}.json"
    if plain.exists():
        return plain.read_text("utf-8")
    return gzip.decompress((GOLDEN / f"{name}.json.gz").read_bytes()).decode("utf-8")


def golden(name: str) -> tuple[Review, str]:
    """The review of a captured preview, and its comment (checked against the .md file)."""
    text = preview_text(name)
    comment = review_text(text)
    expected = GOLDEN / f"{name}.md"
    if UPDATE:
        expected.write_text(comment, "utf-8")
    assert comment == expected.read_text("utf-8"), (
        f"the comment on {name} changed; if that is intended, run "
        "REVIEW_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_review.py and check the diff"
    )
    return build(parse(text)), comment


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pulumi_agents", *args], input=stdin, capture_output=True, text=True, timeout=60
    )


# -- the golden comments --------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCENARIOS)
def test_golden_comment(name: str) -> None:
    reviewed, comment = golden(name)
    assert comment.startswith(MARKER + "\n### Pulumi preview: stack `e2e` of `")
    assert "| create | update | replace | delete | same |" in comment
    as_json = json.loads(to_json(reviewed))
    assert MARKER not in to_json(reviewed) and as_json["stack"] == "e2e"
    # Every secret in the model is named without a value.
    for resource in as_json["resources"]:
        for change in resource["changes"]:
            if change["secret"]:
                assert change["old"] is None and change["new"] is None


def test_every_scenario_is_checked_in() -> None:
    found = {p.name.split(".")[0] for p in GOLDEN.glob("*.json*")}
    assert found == set(SCENARIOS)
    assert {p.stem for p in GOLDEN.glob("*.md")} == set(SCENARIOS)


@pytest.mark.parametrize("mode", ["dynamic", "plugin"])
def test_update_restarts_the_runtime(mode: str) -> None:
    reviewed, comment = golden(f"update-{mode}")
    [runtime] = reviewed.resources
    assert (runtime.type, runtime.operation) == ("agentrun.AgentRuntime", "update")
    assert runtime.diff_source == ("engine" if mode == "plugin" else "inputs")
    assert "| `support-bot` | agentrun.AgentRuntime | update | **restarts the runtime**" in comment
    assert "`memory`: `2048` → `4096`" in comment
    assert reviewed.counts == {"create": 0, "update": 1, "replace": 0, "delete": 0, "same": 1}


@pytest.mark.parametrize("mode", ["dynamic", "plugin"])
def test_replace_gives_the_schema_reason(mode: str) -> None:
    reviewed, comment = golden(f"replace-{mode}")
    [runtime] = reviewed.resources
    assert runtime.operation == "replace" and not runtime.delete_first
    [reason] = runtime.replace_reasons
    assert reason.property == "agentRuntimeName" and reason.reason.startswith("the name is the runtime's identity")
    assert "> **Replaces** `support-bot` (agentrun.AgentRuntime)." in comment
    assert "creates a new runtime, then deletes the old one: the runtime id changes" in comment


@pytest.mark.parametrize("mode", ["dynamic", "plugin"])
def test_a_changed_secret_is_named_never_shown(mode: str) -> None:
    reviewed, comment = golden(f"secret-{mode}")
    [runtime] = reviewed.resources
    [change] = runtime.changes
    # Plugin mode: the engine's detailed diff names the key. Dynamic mode shows the whole map as
    # [secret] on both sides; it is the only field that can explain the provider's change.
    path = "environmentVariables.OPENAI_API_KEY" if mode == "plugin" else "environmentVariables"
    assert (change.path, change.kind, change.secret, change.old, change.new) == (path, "update", True, None, None)
    assert f"`{path}`: changed (secret)" in comment
    for secret in ("sk-review-first-secret-value", "sk-review-rotated-secret-value"):
        assert secret not in preview_text(f"secret-{mode}") and secret not in comment


@pytest.mark.parametrize("mode", ["dynamic", "plugin"])
def test_removing_a_kept_argument_is_called_out(mode: str) -> None:
    reviewed, comment = golden(f"kept-field-removed-{mode}")
    runtime = next(r for r in reviewed.resources if r.name == "support-bot")
    assert runtime.operation == "same"  # what the engine says
    assert [(c.path, c.kind) for c in runtime.changes] == [
        ("description", "unmanaged"),
        ("sessionIdleTimeoutSeconds", "unmanaged"),
    ]
    assert "`sessionIdleTimeoutSeconds`: no longer managed: the runtime keeps `600`" in comment
    assert "> Arguments removed from the program, kept by the service: `support-bot`" in comment
    # Qoder agents removed from the program: archived by default, deleted when onDelete says so.
    assert "| `doc-helper` | qoder.Agent | **delete** | the agent is archived (not deleted) |" in comment
    assert "| `scratch` | qoder.Agent | **delete** | the agent is deleted permanently |" in comment


@pytest.mark.parametrize("mode", ["dynamic", "plugin"])
def test_endpoint_traffic_moves(mode: str) -> None:
    reviewed, comment = golden(f"endpoint-weight-{mode}")
    prod = next(r for r in reviewed.resources if r.name == "prod")
    # A traffic split is what a reviewer must not miss: in bold, with the versions named.
    assert prod.meaning == ["**traffic: version 1 90% / version 2 10% → version 1 50% / version 2 50%**"]
    assert '`routingConfiguration.versionWeights`: `[{"version": "2", "weight": 0.1}]`' in comment
    assert "| `gate` | aiae.AgentSmokeTest | update | runs the smoke test again" in comment


@pytest.mark.parametrize("mode", ["dynamic", "plugin"])
def test_a_new_version_is_published(mode: str) -> None:
    reviewed, comment = golden(f"publish-{mode}")
    candidate = next(r for r in reviewed.resources if r.name == "candidate")
    assert candidate.operation == "replace"
    assert "publishes a new version of the runtime; version 1 stays in its history" in comment
    reasons = {r.property: r for r in candidate.replace_reasons}
    assert not reasons["description"].unknown and reasons["triggers"].unknown
    # The endpoint's routing reads a version this update publishes, the routing itself known only
    # after apply (the weight may be 0): said as what may happen, in both modes, never in bold.
    unchecked = (
        "may send traffic to `candidate`, a version this same update publishes, before anyone has checked it: "
        "the routing is known only after apply"
    )
    assert unchecked in comment and "**may" not in comment
    if mode == "dynamic":
        # Issue 22, finding 1: a dynamic provider cannot know whether the runtime id stays, so
        # the review claims no replacement (the engine's guess); it says what is known, once.
        assert "May replace" not in comment and "replace?" not in comment and "if replaced" not in comment
        assert "| `prod` | agentrun.AgentRuntimeEndpoint | known after apply |" in comment
        assert comment.count("the plugin front door (`pulumi_agents.plugin`) previews exact changes") == 1
    else:
        assert "| `prod` | agentrun.AgentRuntimeEndpoint | update |" in comment


@pytest.mark.parametrize("mode", ["dynamic", "plugin"])
def test_full_stack_meanings(mode: str) -> None:
    _reviewed, comment = golden(f"full-stack-{mode}")
    assert "publishes a new version of the agent (version 1 → 2)" in comment
    assert '`metadata.team`: `"support"` → `"platform"`' in comment
    if mode == "plugin":
        assert "| `published-agent-answers` | aiae.AgentSmokeTest | update | runs the smoke test again" in comment
    else:  # every input of the smoke test is another resource's output: unknowable in a preview
        assert "| `published-agent-answers` | aiae.AgentSmokeTest | known after apply |" in comment


def test_a_dynamic_review_claims_no_version_bump_it_cannot_know() -> None:
    """Issue 22, finding 1: only a runtime's cpu changes; in dynamic mode the agent that reads
    the runtime's id sees it unknown, and the engine calls it an update. It was reviewed as
    "publishes a new version of the agent (version 1 -> 2)", which `pulumi up` did not do."""
    rt = "urn:pulumi:prod::agents::pulumi-python:dynamic/agentrun:AgentRuntime::bot"
    agent = "urn:pulumi:prod::agents::pulumi-python:dynamic/qoder:Agent::helper"

    def step(urn: str, token: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
        pairs = (("oldState", old), ("newState", new))
        states = {k: {"urn": urn, "type": token, "inputs": v, "outputs": v} for k, v in pairs}
        return {"op": "update", "urn": urn, **states}

    said = {"name": "helper", "model": "ultimate", "instructions": "You operate ar-1.", "version": 1}
    preview = {
        "steps": [
            step(rt, "pulumi-python:dynamic/agentrun:AgentRuntime", _runtime(cpu=1), _runtime(cpu=2)),
            step(agent, "pulumi-python:dynamic/qoder:Agent", said, {**said, "instructions": UNKNOWN}),
        ],
        "changeSummary": {"update": 2},
    }
    comment = review_text(json.dumps(preview))
    assert "version 1 → 2" not in comment and "publishes a new version" not in comment
    assert "| `helper` | qoder.Agent | known after apply |" in comment
    assert "`cpu`: `1` → `2`" in comment and "**restarts the runtime**" in comment  # what is known stays
    assert comment.count("previews exact changes") == 1


@pytest.mark.parametrize("mode", ["dynamic", "plugin"])
def test_a_validation_failure_is_listed(mode: str) -> None:
    reviewed, comment = golden(f"validation-failure-{mode}")
    assert reviewed.failed
    [error] = [d for d in reviewed.diagnostics if d.severity == "error"]
    assert (error.resource, error.type) == ("support-bot", "agentrun.AgentRuntime")
    assert error.message.endswith("has a problem: must be an absolute path")
    assert "> **The preview failed** with 1 error (below)" in comment
    assert "**error** · `support-bot` (agentrun.AgentRuntime)" in comment


def test_a_huge_preview_is_trimmed_and_keeps_its_summary() -> None:
    reviewed, comment = golden("huge")
    assert len(reviewed.resources) == 200
    assert len(comment) <= 60000 < len(markdown(reviewed, max_chars=10**7))
    assert "**200 to update**, 1 unchanged." in comment and "| 0 | 200 | 0 | 0 | 1 |" in comment
    assert "_Trimmed to fit 60000 characters: " in comment
    # The captured preview's only warnings were the engine's about plugins on PATH, which the
    # review drops: two warnings about the change instead, which go first when trimming.
    document = json.loads(preview_text("huge"))
    document["diagnostics"] = [{"severity": "warning", "message": f"warning: slow answer {i}\n"} for i in (1, 2)]
    reviewed = build(parse(json.dumps(document)))
    assert "2 warnings" in markdown(reviewed)
    # Far smaller: whole rows go, and the comment still starts with the marker, summary and counts.
    small = markdown(reviewed, max_chars=3000)
    assert len(small) <= 3000
    assert small.startswith(MARKER + "\n### Pulumi preview: stack `e2e` of `huge`\n\n**200 to update**")
    assert "| 0 | 200 | 0 | 0 | 1 |" in small
    assert "182 more resources (listed in the counts), 2 warnings not shown" in small
    # Below what the summary needs, the summary still wins.
    tiny = markdown(reviewed, max_chars=100)
    assert tiny.startswith(MARKER) and "| 0 | 200 | 0 | 0 | 1 |" in tiny and "200 more resources" in tiny
    assert "| resource |" not in tiny


# -- secrets --------------------------------------------------------------------------------------

REVEALED = "sk-revealed-value-never-printed"
SCHEMA_SECRET = "hunter2-registry-password"


def _step(op: str, old: dict[str, Any] | None, new: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    urn = "urn:pulumi:prod::agents::agentrun:index:AgentRuntime::bot"
    step: dict[str, Any] = {"op": op, "urn": urn, **extra}
    for key, inputs in (("oldState", old), ("newState", new)):
        if inputs is not None:
            step[key] = {"urn": urn, "type": "agentrun:index:AgentRuntime", "inputs": inputs, "outputs": inputs}
    return step


def _runtime(**fields: Any) -> dict[str, Any]:
    return {
        "agentRuntimeName": "bot",
        "artifactType": "Container",
        "cpu": 1,
        "memory": 2048,
        "port": 8080,
        "networkConfiguration": {"networkMode": "PUBLIC"},
        **fields,
    }


def _container(password: Any) -> dict[str, Any]:
    return {
        "image": "registry.example.com/bot:1",
        "registryConfig": {"authConfig": {"userName": "ci", "password": password}},
    }


def test_secrets_are_never_printed_whatever_form_they_take() -> None:
    """A preview made with secrets revealed (signature objects with their value, plain values
    where schema.json says x-secret) still gives a comment and JSON without any of them."""
    signed = {SIGNATURE: "1b47061264138c4ac30d75fd1eb44270", "plaintext": json.dumps(REVEALED)}
    old = _runtime(environmentVariables={"A": "x"}, containerConfiguration=_container(SCHEMA_SECRET))
    new = _runtime(
        environmentVariables={"A": signed, "B": "plain-but-secret-map"},
        containerConfiguration=_container(SCHEMA_SECRET + "-2"),
        description="now with a description",
    )
    text = json.dumps({"steps": [_step("update", old, new)], "changeSummary": {"update": 1}})
    comment, as_json = review_text(text), review_text(text, output="json")
    for secret in (REVEALED, SCHEMA_SECRET, "plain-but-secret-map", json.dumps(REVEALED)):
        assert secret not in comment and secret not in as_json
    assert "`environmentVariables.A`: changed (secret)" in comment
    assert "`environmentVariables.B`: added (secret)" in comment
    assert "`containerConfiguration.registryConfig.authConfig.password`: changed (secret)" in comment
    assert '`description`: added `"now with a description"`' in comment


def test_a_revealed_secret_is_scrubbed_from_diagnostics_too() -> None:
    signed = {SIGNATURE: "1b47061264138c4ac30d75fd1eb44270", "value": REVEALED}
    preview = {
        "steps": [_step("update", _runtime(), _runtime(environmentVariables={"K": signed}))],
        "diagnostics": [{"severity": "error", "message": f"error: the service refused {REVEALED}\n"}],
    }
    comment = review_text(json.dumps(preview))
    assert REVEALED not in comment and "the service refused [secret]" in comment


def test_engine_warnings_about_the_machine_are_not_the_reviewers_business() -> None:
    # Issue 22, finding 6: the engine's plugin-from-PATH warning (twice per command) was copied
    # into every comment. Warnings about the change stay.
    urn = "urn:pulumi:prod::agents::agentrun:index:AgentRuntime::support-bot"
    preview = {
        "steps": [_step("update", _runtime(), _runtime(memory=4096))],
        "diagnostics": [
            {"severity": "warning", "message": "warning: using pulumi-resource-agentrun from $PATH\n"},
            {"severity": "warning", "message": "using pulumi-resource-qoder from $PATH\n"},
            {"severity": "warning", "message": "warning: the runtime keeps its old image\n", "urn": urn},
        ],
    }
    comment = review_text(json.dumps(preview))
    assert "from $PATH" not in comment and "from \\$PATH" not in comment
    assert "the runtime keeps its old image" in comment and "1 warning" in comment


def test_a_kept_secret_is_not_shown() -> None:
    old = _runtime(environmentVariables="[secret]", description="kept")
    text = json.dumps({"steps": [_step("same", old, _runtime())], "changeSummary": {"same": 1}})
    comment = review_text(text)
    assert "`environmentVariables`: no longer managed: the runtime keeps its value" in comment
    assert '`description`: no longer managed: the runtime keeps `"kept"`' in comment


# -- the model ------------------------------------------------------------------------------------


def test_types_read_the_same_in_both_modes() -> None:
    assert display_type("pulumi-python:dynamic/agentrun:AgentRuntime") == "agentrun.AgentRuntime"
    assert display_type("agentrun:index:AgentRuntime") == "agentrun.AgentRuntime"
    assert display_type("qoder:index:Agent") == display_type("pulumi-python:dynamic/qoder:Agent") == "qoder.Agent"
    assert display_type("aiae:index:AgentSmokeTest") == "aiae.AgentSmokeTest"
    assert display_type("aws:s3/bucket:Bucket") == "aws:s3/bucket:Bucket"
    assert display_type("agentrun:index:Agent") == "agentrun:index:Agent"  # not ours: Agent is qoder's


# -- a kind the review knows only from x-api ---------------------------------------------------------

WORKSPACE = {"name": "team-a", "description": "", "resourceGroupId": "rg-1"}


def _workspace(token: str, steps: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]]) -> str:
    """A preview of one workspace, whose type token is ``token``, taking ``steps`` (op, old, new)."""
    urn = f"urn:pulumi:prod::agents::{token}::team"
    out = []
    for op, old, new in steps:
        step: dict[str, Any] = {"op": op, "urn": urn}
        for key, inputs in (("oldState", old), ("newState", new)):
            if inputs is not None:
                step[key] = {"urn": urn, "type": token, "inputs": inputs, "outputs": inputs}
        out.append(step)
    return json.dumps({"steps": out})


@pytest.mark.parametrize("token", ["agentrun:index:Workspace", "pulumi-python:dynamic/agentrun:Workspace"])
def test_a_kind_without_a_hook_is_described_from_x_api(token: str) -> None:
    """agentrun.Workspace has an x-api block and no meaning of its own: the review describes it
    with x-api's noun, update and destroy."""
    renamed = {**WORKSPACE, "name": "team-b"}

    def review(*steps: tuple[str, dict[str, Any] | None, dict[str, Any] | None]) -> Any:
        [resource] = build(parse(_workspace(token, list(steps)))).resources
        assert resource.type == "agentrun.Workspace"
        return resource

    assert review(("create", None, WORKSPACE)).meaning == ["creates the workspace"]
    comment = review_text(_workspace(token, [("create", None, WORKSPACE)]))
    assert "| `team` | agentrun.Workspace | create | creates the workspace |" in comment
    updated = review(("update", WORKSPACE, {**WORKSPACE, "description": "for team A"}))
    assert updated.meaning == ["updates the workspace in place"]
    assert [(c.path, c.old, c.new) for c in updated.changes] == [("description", "", "for team A")]
    replaced = review(("create-replacement", WORKSPACE, renamed), ("replace", WORKSPACE, renamed))
    assert replaced.meaning == ["creates a new workspace, then deletes the old one: the workspace id changes"]
    assert [(r.property, r.reason) for r in replaced.replace_reasons] == [("name", "the API cannot rename a workspace")]
    replacement = ("create-replacement", WORKSPACE, renamed)
    delete_first = review(("delete-replaced", WORKSPACE, None), ("replace", WORKSPACE, renamed), replacement)
    assert delete_first.delete_first and delete_first.meaning == [
        "deletes the workspace, then creates it again: unavailable in between, and its id changes"
    ]
    assert review(("delete", WORKSPACE, None)).meaning == ["deletes the workspace"]
    # resourceGroupId is x-on-remove keep: the note names the workspace by its x-api noun.
    kept = review(("same", WORKSPACE, {"name": "team-a", "description": ""}))
    assert [(c.path, c.kind, c.note) for c in kept.changes] == [
        ("resourceGroupId", "unmanaged", 'no longer managed: the workspace keeps "rg-1"')
    ]


def test_the_default_meaning_reads_destroy_from_x_api() -> None:
    """What the kinds with a meaning of their own would say without it: forget, and an option."""
    version = Meaning("RuntimeVersion")  # destroy: forget
    old = {"agentRuntimeId": "ar-1"}
    assert version.describe(Change("RuntimeVersion", "delete", old, {}, old)) == [
        "forgets the version: the service keeps it (the API has no delete)"
    ]
    assert version.describe(Change("RuntimeVersion", "update", old, old, old)) == []  # update: none
    agent = Meaning("Agent")  # destroy: {"option": "onDelete"}, which defaults to archive
    assert agent.describe(Change("Agent", "delete", {"name": "a"}, {}, {})) == ["archives the agent (not deleted)"]
    assert agent.describe(Change("Agent", "delete", {"onDelete": "delete"}, {}, {})) == ["deletes the agent"]
    assert agent.describe(Change("Agent", "replace", {}, {}, {})) == [
        "creates a new agent; the old one is archived, not deleted"
    ]
    assert Meaning("AgentSmokeTest").noun == "agent smoke test"  # no x-api: the type's name in words
    assert meaning_of("AgentSmokeTest").noun == "smoke test"  # its own meaning names it


def test_deleting_a_kind_that_holds_data_says_so_in_bold() -> None:
    """x-api ``holds``: a memory collection or knowledge base takes the team's data with it."""
    old = {"memoryCollectionName": "m"}
    for op in ("delete", "replace"):
        lines = meaning_of("MemoryCollection").describe(Change("MemoryCollection", op, old, old, old))
        assert "**the memories it holds go with it** (set `protect` or `retain_on_delete` to keep them)" in lines
    lines = meaning_of("KnowledgeBase").describe(Change("KnowledgeBase", "delete", {}, {}, {}))
    assert lines == [
        "deletes the knowledge base",
        "**the documents it holds go with it** (set `protect` or `retain_on_delete` to keep them)",
    ]
    assert meaning_of("Workspace").describe(Change("Workspace", "delete", {}, {}, {})) == ["deletes the workspace"]


def test_the_review_names_no_kind() -> None:
    """Every kind is described by its x-api and its package's meaning module, never by name."""
    review_dir = Path(pulumi_agents.__file__).parent / "review"
    for path in sorted(review_dir.glob("*.py")):
        text = path.read_text("utf-8")
        for type_name, package in resource_types().items():
            assert not re.search(rf"\b{type_name}\b", text), f"{path.name} names {type_name}"
            assert not re.search(rf"\b{package}\b", text), f"{path.name} names the package {package}"


def test_traffic() -> None:
    def weights(*pairs: tuple[str, float]) -> dict[str, Any]:
        return {"versionWeights": [{"version": v, "weight": w} for v, w in pairs]}

    assert traffic({"targetVersion": "1", "routingConfiguration": weights(("2", 0.1))}) == (
        "version 1 90% / version 2 10%"
    )
    assert traffic({"targetVersion": "3", "routingConfiguration": weights(("1", 0.25), ("2", 0.125))}) == (
        "version 1 25% / version 2 12.5% / version 3 62.5%"
    )
    assert traffic({"agentRuntimeId": "ar-1"}) == "LATEST 100%"
    assert traffic({"targetVersion": "2", "routingConfiguration": weights(("1", 0))}) == "version 2 100%"
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert traffic({"targetVersion": "1", "routingConfiguration": unknown}) == "(known after apply)"


def test_dynamic_mode_diff_uses_the_schema_semantics() -> None:
    """No detailed diff: the inputs are compared as the provider does (sets, aliases, unset keys)."""
    old = _runtime(
        artifactType="Code",
        sessionAffinityType="GENERATED_COOKIE",
        systemTags=["a", "b"],
        healthCheckConfiguration={"httpGetUrl": "/ready", "periodSeconds": 30},
    )
    new = _runtime(
        artifactType="Code",
        sessionAffinityType="COOKIE",  # an alias of GENERATED_COOKIE
        systemTags=["b", "a"],  # a set: order carries no meaning
        healthCheckConfiguration={"httpGetUrl": "/health"},  # periodSeconds unset: not managed
        memory=4096,
    )
    step = _step("update", old, new)
    for state in ("oldState", "newState"):
        step[state]["type"] = "pulumi-python:dynamic/agentrun:AgentRuntime"
    step["urn"] = step["urn"].replace("agentrun:index:AgentRuntime", "pulumi-python:dynamic/agentrun:AgentRuntime")
    [runtime] = build(parse(json.dumps({"steps": [step]}))).resources
    assert runtime.diff_source == "inputs"
    assert [(c.path, c.kind, c.old, c.new) for c in runtime.changes] == [
        ("memory", "update", 2048, 4096),
        ("healthCheckConfiguration.httpGetUrl", "update", "/ready", "/health"),
    ]


def test_replacement_steps_fold_into_one_resource() -> None:
    old, new = _runtime(), _runtime(agentRuntimeName="bot-2")
    reasons = {"replaceReasons": ["agentRuntimeName"]}
    steps = [
        _step("delete-replaced", old, None, **reasons),
        _step("replace", old, new, **reasons),
        _step("create-replacement", old, new, **reasons),
    ]
    reviewed = build(parse(json.dumps({"steps": steps})))
    [runtime] = reviewed.resources
    assert runtime.operation == "replace" and runtime.delete_first
    assert reviewed.counts["replace"] == 1
    assert "| `bot` | agentrun.AgentRuntime | **replace** (delete first) |" in markdown(reviewed)
    assert "deletes the runtime, then creates it again" in markdown(reviewed)


def test_without_show_sames_the_comment_says_what_it_could_not_check() -> None:
    text = json.dumps({"steps": [], "changeSummary": {"same": 3}})
    assert "3 unchanged resources not in the preview: run `pulumi preview --json --show-sames`" in review_text(text)


def test_the_stack_option_wins_and_markdown_is_escaped() -> None:
    step = _step("create", None, _runtime())
    step["urn"] = "urn:pulumi:prod::agents::agentrun:index:AgentRuntime::a|b`c"
    comment = review_text(json.dumps({"steps": [step]}), stack="staging")
    assert "stack `staging` of `agents`" in comment
    assert "| `` a\\|b`c `` | agentrun.AgentRuntime | create | creates the runtime |" in comment


def test_diagnostics_are_grouped_and_info_left_out() -> None:
    warning = {"severity": "warning", "message": "warning: same thing\n"}
    preview = {
        "steps": [],
        "diagnostics": [warning, warning, {"severity": "info", "message": "print() output"}],
    }
    reviewed = build(parse(json.dumps(preview)))
    assert [(d.severity, d.message, d.count) for d in reviewed.diagnostics] == [("warning", "same thing", 2)]
    assert not reviewed.failed and "print() output" not in markdown(reviewed)


def test_unreadable_input_raises_preview_error() -> None:
    for text in ("", "  \n", "{", "[]", '{"config": {}}', '{"steps": [{"op": "same"}]}'):
        with pytest.raises(PreviewError):
            parse(text)


def test_an_unexpected_shape_is_tolerated() -> None:
    preview = {"steps": [{"op": "update", "urn": "urn:pulumi:s::p::x:index:Y::n", "oldState": 3, "newState": None}]}
    assert "| `n` | x:index:Y | update |" in review_text(json.dumps(preview))


# -- the command ----------------------------------------------------------------------------------


def test_command_reads_a_file_or_stdin(tmp_path: Path) -> None:
    (tmp_path / "preview.json").write_text(preview_text("update-plugin"))
    from_file = run("review", str(tmp_path / "preview.json"))
    from_stdin = run("review", "-", stdin=preview_text("update-plugin"))
    no_argument = run("review", stdin=preview_text("update-plugin"))
    assert from_file.returncode == from_stdin.returncode == no_argument.returncode == 0
    assert from_file.stdout == from_stdin.stdout == no_argument.stdout == (GOLDEN / "update-plugin.md").read_text()


def test_command_json_and_stack() -> None:
    result = run("review", "--format", "json", "--stack", "prod", stdin=preview_text("endpoint-weight-plugin"))
    assert result.returncode == 0 and not result.stdout.startswith(MARKER)
    document = json.loads(result.stdout)
    assert document["stack"] == "prod" and document["counts"]["update"] == 2
    prod = next(r for r in document["resources"] if r["name"] == "prod")
    assert prod["meaning"] == ["**traffic: version 1 90% / version 2 10% → version 1 50% / version 2 50%**"]


def test_command_renders_a_failed_preview_with_status_0() -> None:
    result = run("review", stdin=preview_text("validation-failure-dynamic"))
    assert result.returncode == 0 and "The preview failed" in result.stdout


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        ((), "", "standard input: the input is empty"),
        (("-",), "not json", "standard input: the input is not JSON"),
        ((), "[1, 2]", "not the output of pulumi preview --json"),
        (("/no/such/preview.json",), "", "cannot read /no/such/preview.json: No such file or directory"),
        ((".",), "", "cannot read .: Is a directory"),
    ],
)
def test_command_unreadable_input_exits_2_with_one_line(args: tuple[str, ...], stdin: str, message: str) -> None:
    result = run("review", *args, stdin=stdin)
    assert result.returncode == 2 and result.stdout == ""
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_command_max_chars() -> None:
    result = run("review", "--max-chars", "5000", stdin=preview_text("huge"))
    assert result.returncode == 0 and len(result.stdout) <= 5000 and "Trimmed to fit 5000 characters" in result.stdout
    assert run("review", "--max-chars", "10", stdin="{}").returncode == 2  # below the minimum: a usage error


def test_version() -> None:
    for args in (("--version",),):
        result = run(*args)
        assert result.returncode == 0 and result.stdout == pulumi_agents.__version__ + "\n"
    from typer.testing import CliRunner

    from pulumi_agents.cli import app

    assert CliRunner().invoke(app, ["--version"]).stdout == pulumi_agents.__version__ + "\n"


# -- what one resource's change means for the others (issue 22's trial, findings 3, 4, 5, 8) -------

DYN = "pulumi-python:dynamic/"
PROVIDER = "urn:pulumi:prod::agents::pulumi:providers:agentrun::default::0b1c"


def _of(
    op: str,
    token: str,
    name: str,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    *,
    id: str | None = None,
    provider: str = PROVIDER,
    reads: dict[str, list[str]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A step as `pulumi preview --json` writes it: states with id, provider and what each input reads."""
    urn = _urn(token, name)
    step: dict[str, Any] = {"op": op, "urn": urn, "provider": provider, **extra}
    for key, inputs in (("oldState", old), ("newState", new)):
        if inputs is not None:
            state = {"urn": urn, "type": token, "inputs": inputs, "outputs": inputs, "provider": provider}
            if key == "oldState" and id is not None:
                state["id"] = id
            if reads is not None:
                state["propertyDependencies"] = reads
            step[key] = state
    return step


def _urn(token: str, name: str) -> str:
    return f"urn:pulumi:prod::agents::{token}::{name}"


def _canary(weight_version: Any, *, mode: str = DYN) -> dict[str, Any]:
    return {
        "agentRuntimeId": "ar-1",
        "agentRuntimeEndpointName": "prod",
        "targetVersion": "1",
        "routingConfiguration": {"versionWeights": [{"version": weight_version, "weight": 0.1}]},
    }


def test_a_dynamic_canary_is_no_certain_alarm_when_nothing_is_published() -> None:
    """Finding 3: `v2 = RuntimeVersion(..., triggers=["2026-02-tools-fix"])`, a 10% weight on
    `v2.version`, only the runtime's cpu changes. In dynamic mode v2 and the endpoint read the
    runtime's outputs, unknown: the engine guesses replacements. `pulumi up` published nothing,
    while the review said in bold that 10% went to a version published in this update, and
    counted "**3 to replace**" in bold."""
    runtime, version, endpoint = (f"{DYN}agentrun:{kind}" for kind in ("AgentRuntime", "RuntimeVersion",
                                                                       "AgentRuntimeEndpoint"))  # fmt: skip
    bot = _urn(runtime, "bot")
    published = {"agentRuntimeId": "ar-1", "triggers": ["2026-02-tools-fix"]}
    guessed = {"agentRuntimeId": UNKNOWN, "triggers": ["2026-02-tools-fix"]}
    steps = [
        _of("update", runtime, "bot", _runtime(cpu=1), _runtime(cpu=2), id="ar-1"),
        _of("replace", version, "v1", published, guessed, id="ar-1/1", reads={"agentRuntimeId": [bot]},
            replaceReasons=["agentRuntimeId"]),
        _of("replace", version, "v2", published, guessed, id="ar-1/2", reads={"agentRuntimeId": [bot]},
            replaceReasons=["agentRuntimeId"]),
        _of("replace", endpoint, "prod", _canary("2"), {**_canary(UNKNOWN), "agentRuntimeId": UNKNOWN,
            "targetVersion": UNKNOWN}, id="ar-1/are-1", replaceReasons=["agentRuntimeId"],
            reads={"agentRuntimeId": [bot], "routingConfiguration": [_urn(version, "v2")],
                   "targetVersion": [_urn(version, "v1")]}),
    ]  # fmt: skip
    preview = {"steps": steps, "changeSummary": {"update": 1, "replace": 3, "same": 1}}
    comment = review_text(json.dumps(preview))
    prod = next(line for line in comment.splitlines() if line.startswith("| `prod` |"))
    assert "**sends" not in comment and "**may" not in comment  # nothing said in bold is a guess
    assert "may send 10% of the traffic to `v2`, if this same update publishes it" in prod
    # The counts: what is known in bold, the engine's guesses as such.
    assert "**1 to update**, 3 known after apply, 1 unchanged." in comment
    assert "**3 to replace**" not in comment


@pytest.mark.parametrize("mode", ["dynamic", "plugin"])
def test_a_canary_on_a_version_published_now_is_said_in_bold(mode: str) -> None:
    """The same canary when the update certainly publishes v2 (its description changes): in bold,
    with the version named, in both modes."""
    prefix = DYN if mode == "dynamic" else ""
    version, endpoint = (
        (f"{DYN}agentrun:RuntimeVersion", f"{DYN}agentrun:AgentRuntimeEndpoint")
        if mode == "dynamic"
        else ("agentrun:index:RuntimeVersion", "agentrun:index:AgentRuntimeEndpoint")
    )
    assert prefix in version
    old, new = {"agentRuntimeId": "ar-1", "description": "a"}, {"agentRuntimeId": "ar-1", "description": "b"}
    steps = [
        _of("replace", version, "v2", old, new, id="ar-1/2", replaceReasons=["description"]),
        _of("update", endpoint, "prod", _canary("2"), _canary(UNKNOWN), id="ar-1/are-1",
            reads={"routingConfiguration": [_urn(version, "v2")]}),
    ]  # fmt: skip
    comment = review_text(json.dumps({"steps": steps, "changeSummary": {"update": 1, "replace": 1}}))
    assert "**sends 10% of the traffic to `v2`, a version this same update publishes, before anyone has checked" in (
        comment
    )
    # (A dynamic endpoint reading the runtime's outputs cannot tell whether it changes at all.)
    counts = "**1 to replace**, 1 known after apply." if mode == "dynamic" else "**1 to update**, **1 to replace**."
    assert counts in comment


def test_a_runtime_update_names_the_endpoints_on_latest_that_serve_it_at_once() -> None:
    """Finding 5: an endpoint on LATEST was called out only when created. A runtime's cpu change
    (plugin mode, --show-sames: the endpoint is listed unchanged) now says which endpoint serves
    it at once; an endpoint on a fixed version, or another runtime's, is not named."""
    runtime, endpoint = "agentrun:index:AgentRuntime", "agentrun:index:AgentRuntimeEndpoint"
    bot = _urn(runtime, "bot")
    latest = {"agentRuntimeId": "ar-1", "agentRuntimeEndpointName": "latest", "targetVersion": "LATEST"}
    pinned = {"agentRuntimeId": "ar-1", "agentRuntimeEndpointName": "prod", "targetVersion": "1"}
    elsewhere = {"agentRuntimeId": "ar-9", "agentRuntimeEndpointName": "other"}  # LATEST by default
    steps = [
        _of("update", runtime, "bot", _runtime(cpu=1), _runtime(cpu=2), id="ar-1",
            detailedDiff={"cpu": {"kind": "update"}}),
        _of("same", endpoint, "latest", latest, latest, id="ar-1/are-1", reads={"agentRuntimeId": [bot]}),
        _of("same", endpoint, "prod", pinned, pinned, id="ar-1/are-2", reads={"agentRuntimeId": [bot]}),
        _of("same", endpoint, "other", elsewhere, elsewhere, id="ar-9/are-3", reads={"agentRuntimeId": []}),
    ]  # fmt: skip
    comment = review_text(json.dumps({"steps": steps, "changeSummary": {"update": 1, "same": 3}}))
    row = next(line for line in comment.splitlines() if line.startswith("| `bot` |"))
    assert "**restarts the runtime** (every update does)<br>**endpoint `latest` serves this at once** (LATEST: " in row
    assert "100% of its traffic)" in row and "`prod`" not in row and "`other`" not in row
    # Without --show-sames the endpoints are not in the preview: said as what holds for any.
    comment = review_text(json.dumps({"steps": steps[:1], "changeSummary": {"update": 1, "same": 3}}))
    assert "an endpoint of this runtime on LATEST serves this at once (this preview does not list" in comment


def test_a_changed_provider_region_says_its_resources_stay_behind() -> None:
    """Finding 4: an explicit provider's region (and endpoint) changed looked like a harmless
    update; `up` changed nothing, the next refresh forgot the runtime, which stayed in Shanghai."""
    provider = "urn:pulumi:prod::agents::pulumi:providers:agentrun::shanghai"
    old = {"region": "cn-shanghai", "endpoint": "http://127.0.0.1:9001", "version": "0.1.0"}
    new = {"region": "cn-shenzhen", "endpoint": "http://127.0.0.1:9002", "version": "0.1.0"}
    ref = f"{provider}::7f3a"
    steps = [
        _of("update", "pulumi:providers:agentrun", "shanghai", old, new, id="7f3a", provider="",
            detailedDiff={"region": {"kind": "update"}, "endpoint": {"kind": "update"}}),
        _of("same", "agentrun:index:AgentRuntime", "bot-shanghai", _runtime(), _runtime(), id="ar-1", provider=ref),
        _of("same", "agentrun:index:AgentRuntime", "bot-hangzhou", _runtime(), _runtime(), id="ar-2"),
    ]  # fmt: skip
    comment = review_text(json.dumps({"steps": steps, "changeSummary": {"update": 1, "same": 2}}))
    row = next(line for line in comment.splitlines() if line.startswith("| `shanghai` |"))
    assert (
        "**its 1 resource (bot-shanghai) stays where it was made (region `cn-shanghai`, endpoint "
        "`http://127.0.0.1:9001`): the next `refresh` looks for it where this provider now points, and forgets "
        "what it does not find there** (adopt it there by import, or set it back)"
    ) in row
    assert '`region`: `"cn-shanghai"` → `"cn-shenzhen"`' in row
    # New keys may be a rotation in the same account: said as what may happen, not in bold.
    keys = {**old, "accessKeyId": "[secret]"}
    steps[0] = _of("update", "pulumi:providers:agentrun", "shanghai", keys, {**keys, "accessKeyId": "[secret]"},
                   id="7f3a", provider="", detailedDiff={"accessKeyId": {"kind": "update"}})  # fmt: skip
    row = next(line for line in review_text(json.dumps({"steps": steps})).splitlines() if "`shanghai`" in line)
    assert "new credentials: if they are another account's, its 1 resource (bot-shanghai) stays in the old one" in row
    assert "**" not in row.split("|")[4]
    # A setting that says neither where nor as whom (the HTTP timeout) is no concern.
    steps[0] = _of("update", "pulumi:providers:agentrun", "shanghai", old, {**old, "httpTimeout": 60},
                   id="7f3a", provider="", detailedDiff={"httpTimeout": {"kind": "add"}})  # fmt: skip
    row = next(line for line in review_text(json.dumps({"steps": steps})).splitlines() if "`shanghai`" in line)
    assert "refresh" not in row


def test_a_credential_in_a_replaced_vault_is_certainly_replaced() -> None:
    """Finding 8: changing a vault's metadata replaces it (plugin mode); its credential, whose
    vault_id reads the vault's id, was hedged as "replace?" although `up` replaced it."""
    vault, credential = "qoder:index:Vault", "qoder:index:VaultCredential"
    tools = _urn(vault, "tools")
    old_vault = {"display_name": "tools", "metadata": {"team": "a"}}
    cred = {"vault_id": "vlt_1", "display_name": "github"}
    steps = [
        _of("create-replacement", vault, "tools", old_vault, {**old_vault, "metadata": {"team": "b"}}, id="vlt_1",
            replaceReasons=["metadata"], detailedDiff={"metadata.team": {"kind": "update-replace"}}),
        _of("replace", vault, "tools", old_vault, {**old_vault, "metadata": {"team": "b"}}, id="vlt_1",
            replaceReasons=["metadata"], detailedDiff={"metadata.team": {"kind": "update-replace"}}),
        _of("create-replacement", credential, "github", cred, {**cred, "vault_id": UNKNOWN}, id="vcr_1",
            reads={"vault_id": [tools], "display_name": []}, replaceReasons=["vault_id"],
            detailedDiff={"vault_id": {"kind": "update-replace"}}),
        _of("replace", credential, "github", cred, {**cred, "vault_id": UNKNOWN}, id="vcr_1",
            reads={"vault_id": [tools], "display_name": []}, replaceReasons=["vault_id"],
            detailedDiff={"vault_id": {"kind": "update-replace"}}),
    ]  # fmt: skip
    comment = review_text(json.dumps({"steps": steps, "changeSummary": {"replace": 2}}))
    row = next(line for line in comment.splitlines() if line.startswith("| `github` |"))
    assert row.startswith("| `github` | qoder.VaultCredential | **replace** | **replaces**: `vault_id` changes (")
    assert ": its vault `tools` is replaced<br>" in row and "replace?" not in comment
    assert "> **Replaces** `tools` (qoder.Vault), `github` (qoder.VaultCredential)." in comment
    # A vault deleted before its new one is made may get its id back: then it stays a maybe.
    for step in steps[:2]:
        step["op"] = "delete-replaced" if step["op"] == "create-replacement" else step["op"]
    steps.insert(2, {**steps[0], "op": "create-replacement"})
    comment = review_text(json.dumps({"steps": steps}))
    assert "| `github` | qoder.VaultCredential | **replace?** |" in comment


def test_a_refreshing_preview_is_reviewed_from_what_the_refresh_read() -> None:
    """`pulumi preview --refresh --json` lists a refresh step per resource before its own: the
    review reads the second (a version edited by hand: 2 -> 3, not the state's 1 -> 2)."""
    from pulumi_agents.review.preview import parse

    urn = "urn:pulumi:dev::p::qoder:index:Agent::doc-helper"
    held = {"inputs": {"name": "a"}, "outputs": {"name": "a", "version": 1}}
    read = {"inputs": {"name": "a"}, "outputs": {"name": "a", "version": 2}}
    document = {
        "steps": [
            {"op": "refresh", "urn": urn, "oldState": held, "newState": held},
            {"op": "update", "urn": urn, "oldState": read, "newState": {"inputs": {"name": "b"}, "outputs": {}}},
        ],
        "changeSummary": {"update": 1},
    }
    [step] = parse(json.dumps(document)).steps
    assert step.op == "update" and step.old is not None and step.old["outputs"]["version"] == 2
