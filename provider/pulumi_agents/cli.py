"""The ``pulumi-agents`` command: run the emulator, validate configuration files, invoke a published agent.

Needs the ``cli`` extra (typer, rich, pyyaml); the ``emulator`` command needs the ``emulator`` extra
too. The console script enters through ``pulumi_agents.__main__.main``, which checks the first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

import pulumi_agents
from pulumi_agents import _schema
from pulumi_agents._lazy import need_extra
from pulumi_agents.aiae.cli import invoke

app = typer.Typer(
    help="Pulumi resources for cloud AI agents: emulator and tools.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.command()
def emulator(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    data: Annotated[Path, typer.Option(help="Folder for the SQLite state (survives restarts).")] = Path(
        ".emulator-data"
    ),
    transition_seconds: Annotated[float, typer.Option(help="How long CREATING/UPDATING/DELETING last.")] = 2.0,
    access_key_id: Annotated[str, typer.Option(help="AgentRun access key id accepted.")] = "test-access-key-id",
    access_key_secret: Annotated[str, typer.Option(help="AgentRun access key secret.")] = "test-access-key-secret",
    qoder_token: Annotated[str, typer.Option(help="Qoder bearer token accepted.")] = "test-qoder-token",
    aiae_api_key: Annotated[str, typer.Option(help="API key accepted by published AIAE agents.")] = "test-api-key",
) -> None:
    """Serve the emulated APIs on one port: AgentRun under /2025-09-10, Qoder under /api/v1/cloud,
    published AIAE agents under /v1/routes/open."""
    need_extra("emulator", "the emulator needs", ("fastapi", "uvicorn"))
    import uvicorn

    from pulumi_agents.emulator import EmulatorConfig, create_app

    config = EmulatorConfig(
        data_dir=data,
        transition_seconds=transition_seconds,
        access_keys={access_key_id: access_key_secret},
        qoder_tokens={qoder_token},
        aiae_api_keys={aiae_api_key},
    )
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning")


def _load(path: Path) -> Any:
    text = path.read_text("utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="YAML or JSON files written with the wire names.")],
    type_: Annotated[str, typer.Option("--type", help="Definition in schema.json, e.g. AgentRuntime.")],
) -> None:
    """Check files against schema.json; print FILE: path: reason for every failure."""
    try:
        _schema.definition(type_)
    except KeyError as exc:
        typer.echo(exc.args[0], err=True)
        raise typer.Exit(2) from None
    bad = False
    for path in files:
        try:
            document = _load(path)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            typer.echo(f"{path}: cannot read: {exc}")
            bad = True
            continue
        for failure in pulumi_agents.validate(type_, document):
            typer.echo(f"{path}: {failure.path or '(root)'}: {failure.reason}")
            bad = True
    raise typer.Exit(1 if bad else 0)


app.command()(invoke)
