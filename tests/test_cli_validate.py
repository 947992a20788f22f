"""`pulumi-agents validate`: FILE: path: reason lines, exit 0 only when every file is valid."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.runtimes import code_runtime


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pulumi_agents", "validate", *args], capture_output=True, text=True, timeout=60
    )


def test_valid_yaml_and_json(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(code_runtime()))
    (tmp_path / "b.json").write_text(json.dumps(code_runtime()))
    result = run("--type", "AgentRuntime", str(tmp_path / "a.yaml"), str(tmp_path / "b.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_every_failure_of_every_file(tmp_path: Path) -> None:
    bad = code_runtime()
    bad["nasConfig"]["mountPoints"][0]["mountDir"] = "mnt/nas"
    bad["port"] = 0
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(code_runtime()))
    (tmp_path / "broken.json").write_text("{not json")
    result = run("--type", "AgentRuntime", *(str(tmp_path / n) for n in ("bad.yaml", "good.yaml", "broken.json")))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert f"{tmp_path / 'bad.yaml'}: nasConfig.mountPoints[0].mountDir: must be an absolute path" in lines
    assert f"{tmp_path / 'bad.yaml'}: port: must be at least 1" in lines
    assert any(line.startswith(f"{tmp_path / 'broken.json'}: cannot read") for line in lines)
    assert not any("good.yaml" in line for line in lines)
    assert "Traceback" not in result.stdout + result.stderr


def test_unknown_type(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("{}")
    result = run("--type", "Nope", str(tmp_path / "a.yaml"))
    assert result.returncode == 2
    assert "no definition 'Nope'" in result.stderr


def test_the_examples_config_files_are_valid() -> None:
    examples = Path(__file__).resolve().parents[1] / "examples"
    for folder, type_name in (("agentrun-runtime", "AgentRuntime"), ("qoder-agent", "Agent")):
        result = run("--type", type_name, str(examples / folder / "config.example.yaml"))
        assert result.returncode == 0, result.stdout


def test_non_finite_numbers_are_named(tmp_path: Path) -> None:
    text = yaml.safe_dump(code_runtime()).replace("cpu: 2", "cpu: .nan")
    (tmp_path / "nan.yaml").write_text(text)
    (tmp_path / "inf.json").write_text(json.dumps(code_runtime(memory=float("inf"))))  # json writes Infinity
    result = run("--type", "AgentRuntime", str(tmp_path / "nan.yaml"), str(tmp_path / "inf.json"))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'nan.yaml'}: cpu: must be a finite number",
        f"{tmp_path / 'inf.json'}: memory: must be a finite number",
    ]


def test_the_upload_kinds_are_known(tmp_path: Path) -> None:
    """Every kind is a schema.json definition, which --type takes: a File and a Skill included."""
    (tmp_path / "file.yaml").write_text(yaml.safe_dump({"file": "docs/guide.md", "expires_in_seconds": 0}))
    (tmp_path / "skill.yaml").write_text(yaml.safe_dump({"files": "skills/docs-style", "display_title": ""}))
    (tmp_path / "good.yaml").write_text(yaml.safe_dump({"files": "skills/docs-style", "display_title": "Docs"}))
    for type_name, bad, said in (
        ("File", "file.yaml", "expires_in_seconds: must be at least 1"),
        ("Skill", "skill.yaml", "display_title: must be at least 1 character"),
    ):
        result = run("--type", type_name, str(tmp_path / bad), str(tmp_path / "good.yaml"))
        lines = result.stdout.splitlines()
        assert result.returncode == 1 and lines[0].startswith(f"{tmp_path / bad}: {said}"), result.stdout
        assert ("good.yaml" in result.stdout) == (type_name == "File")  # a skill's inputs, not a file's
