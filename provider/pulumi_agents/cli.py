"""The ``pulumi-agents`` command: run the emulator, validate configuration files, invoke a published agent,
review a preview.

Needs the ``cli`` extra (typer, rich, pyyaml); the ``emulator`` command needs the ``emulator`` extra
too. The console script enters through ``pulumi_agents.__main__.main``, which checks the first.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
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


def _print_version(value: bool) -> None:
    if value:
        typer.echo(pulumi_agents.__version__)
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the package version and exit."),
    ] = False,
) -> None:
    pass


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
    sts_access_key_id: Annotated[
        str, typer.Option(help="AgentRun temporary (STS) access key id accepted, with its token.")
    ] = "STS.test-sts-key-id",
    sts_access_key_secret: Annotated[str, typer.Option(help="Its secret.")] = "test-sts-key-secret",
    sts_security_token: Annotated[
        str, typer.Option(help="The security token its requests must carry.")
    ] = "test-sts-security-token",
    region: Annotated[str, typer.Option(help="AgentRun region it plays (in ARNs and addresses).")] = "cn-hangzhou",
    qoder_token: Annotated[str, typer.Option(help="Qoder bearer token accepted.")] = "test-qoder-token",
    aiae_api_key: Annotated[str, typer.Option(help="API key accepted by published AIAE agents.")] = "test-api-key",
    tls: Annotated[
        bool,
        typer.Option(
            "--tls",
            help="Speak HTTPS with a certificate for localhost/127.0.0.1/::1 signed by a CA made in DATA/tls "
            "(clients trust DATA/tls/ca.pem).",
        ),
    ] = False,
    tls_cert: Annotated[
        Path | None, typer.Option(help="Speak HTTPS with this PEM certificate (chain); needs --tls-key.")
    ] = None,
    tls_key: Annotated[Path | None, typer.Option(help="The PEM private key of --tls-cert.")] = None,
) -> None:
    """Serve the emulated APIs on one port: AgentRun under /2025-09-10, Qoder under /api/v1/cloud,
    published AIAE agents under /v1/routes/open. Plain HTTP unless --tls or --tls-cert/--tls-key
    (then HTTPS on the same port, for clients that always speak HTTPS)."""
    need_extra("emulator", "the emulator needs", ("fastapi", "uvicorn"))
    if (tls_cert is None) != (tls_key is None):
        typer.echo("--tls-cert and --tls-key go together", err=True)
        raise typer.Exit(2)
    if tls and tls_cert is None:
        need_extra("emulator", "--tls needs", ("cryptography",))
    import uvicorn

    from pulumi_agents.emulator import EmulatorConfig, create_app

    config = EmulatorConfig(
        data_dir=data,
        transition_seconds=transition_seconds,
        access_keys={access_key_id: access_key_secret, sts_access_key_id: sts_access_key_secret},
        security_tokens={sts_access_key_id: sts_security_token},
        region=region,
        qoder_tokens={qoder_token},
        aiae_api_keys={aiae_api_key},
    )
    tls_options: dict[str, Any] = {}
    if tls_cert is not None and tls_key is not None:
        tls_options = {"ssl_certfile": str(tls_cert), "ssl_keyfile": str(tls_key)}
        typer.echo(f"pulumi-agents emulator: https://{host}:{port} with the certificate {tls_cert}", err=True)
    elif tls:
        from pulumi_agents.emulator.tls import loopback_tls

        files = loopback_tls(data / "tls")
        tls_options = {"ssl_certfile": str(files.cert), "ssl_keyfile": str(files.key)}
        ca = files.ca.resolve()
        typer.echo(
            f"pulumi-agents emulator: https://{host}:{port}; clients trust the CA {ca} "
            f"(e.g. SSL_CERT_FILE={ca} or REQUESTS_CA_BUNDLE={ca})",
            err=True,
        )
    if tls_options:
        # Closing a TLS connection waits for the client's close_notify, up to 30 s, and pooled
        # idle client connections never send it: without a bound, stopping would take that long.
        tls_options["timeout_graceful_shutdown"] = 2
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning", **tls_options)


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


class ReviewFormat(StrEnum):
    markdown = "markdown"
    json = "json"


@app.command()
def review(
    file: Annotated[
        str | None, typer.Argument(help="The output of pulumi preview --json; - or nothing: standard input.")
    ] = None,
    format_: Annotated[
        ReviewFormat, typer.Option("--format", help="markdown: a pull-request comment; json: the same for scripts.")
    ] = ReviewFormat.markdown,
    stack: Annotated[str | None, typer.Option(help="Stack name to show (default: the one in the preview).")] = None,
    max_chars: Annotated[
        int,
        typer.Option(min=1000, help="Longest comment; the detail is trimmed to fit (GitHub allows 65536)."),
    ] = 60000,
) -> None:
    """Write a pull-request comment (Markdown, or JSON) from pulumi preview --json output.

    Run the preview with --show-sames, so that arguments removed from unchanged resources are seen.
    With --policy-pack, set PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true: the streamed events carry the
    policy violations (the comment lists them), the single JSON object does not.
    Exit status 0 whenever it rendered, whatever the preview says; 2 when the input cannot be read.
    """
    from pulumi_agents.review import PreviewError, review_text

    name = "standard input" if file in (None, "-") else file
    try:
        text = sys.stdin.read() if file in (None, "-") else Path(file).read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"pulumi-agents review: cannot read {name}: {getattr(exc, 'strerror', None) or exc}", err=True)
        raise typer.Exit(2) from None
    try:
        rendered = review_text(text, stack=stack, output=format_.value, max_chars=max_chars)
    except PreviewError as exc:
        typer.echo(f"pulumi-agents review: {name}: {exc}", err=True)
        raise typer.Exit(2) from None
    except Exception as exc:  # a preview shaped in a way this version does not know: one line, no traceback
        typer.echo(f"pulumi-agents review: {name}: cannot review this preview ({type(exc).__name__}: {exc})", err=True)
        raise typer.Exit(2) from None
    sys.stdout.write(rendered)
