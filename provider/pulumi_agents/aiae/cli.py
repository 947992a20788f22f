"""``pulumi-agents invoke``: ask a published AIAE agent a question and watch the answer arrive.

    export AIAE_API_KEY=...
    pulumi-agents invoke https://aiae.appstage.myhuaweicloud.com/v1/routes/open/<agent id>/execute \\
        --query "Where is my order?" --user-id u-1 --conversation-id c-9 \\
        --var region=eu --secret-var erp_token="$ERP_TOKEN"

Tool hints and results are shown as they happen and the text as it streams in; ``--json``
prints every chunk as received, one JSON object per line, for scripts. Exit status: 0 for a
complete answer, 1 when the service or the stream fails, 2 for a usage error (no API key,
bad ``--var``, unreadable or invalid ``--memory`` file). Errors are one line on stderr and
never show the API key or a ``--secret-var`` value.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from pulumi_agents.aiae.chunks import AnyChunk, ModelResponseChunk, ToolHintChunk, ToolInvokeChunk
from pulumi_agents.aiae.client import AiaeClient, Timeouts
from pulumi_agents.aiae.errors import InvalidRequestError
from pulumi_agents.aiae.request import AgentRequest, check_memory
from pulumi_agents.errors import PulumiAgentsError

USAGE, FAILED = 2, 1


class UsageError(Exception):
    """A mistake in the command line: exit status 2."""


def _fail(status: int, message: str) -> NoReturn:
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(status)


def parse_pairs(values: list[str] | None, option: str, *, secret: bool) -> dict[str, str]:
    """``NAME=VALUE`` items as a dict; a secret item is named by position, never shown."""
    pairs: dict[str, str] = {}
    for position, item in enumerate(values or [], start=1):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            shown = f"#{position}" if secret else repr(item)
            raise UsageError(f"{option} {shown}: expected NAME=VALUE")
        if name in pairs:
            raise UsageError(f"{option} {name}: given twice")
        pairs[name] = value
    return pairs


def load_memory(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise UsageError(f"--memory {path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"--memory {path}: not valid JSON ({exc})") from None
    try:
        return check_memory(data)
    except InvalidRequestError as exc:
        raise UsageError(f"--memory {path}: {exc}") from None


def _summary(value: Any, limit: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False) if value is not None else ""
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Printer:
    """Shows chunks for a person: tool lines as they happen, the text as it streams."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.mid_line = False  # the answer's text left the cursor in the middle of a line

    def show(self, chunk: AnyChunk) -> None:
        if isinstance(chunk, ModelResponseChunk):
            if chunk.content:
                self.console.print(chunk.content, end="")
                self.mid_line = not chunk.content.endswith("\n")
            if chunk.url:
                self.line(Text(f"[url] {_summary(chunk.url)}", style="cyan"))
        elif isinstance(chunk, ToolHintChunk):
            self.line(Text(f"[hint] calling {chunk.tool_type or 'tool'} {chunk.name} ({chunk.id})", style="dim"))
        elif isinstance(chunk, ToolInvokeChunk):
            style = "green" if chunk.ok else "red"
            self.line(Text(f"[{chunk.type}] {chunk.name}: {chunk.status} {_summary(chunk.response)}", style=style))
        else:
            self.line(Text(f"[{chunk.type}] {_summary(chunk.data)}", style="dim"))

    def line(self, text: Text) -> None:
        self.end()
        self.console.print(text)

    def end(self) -> None:
        if self.mid_line:
            self.console.print()
            self.mid_line = False


def invoke(
    url: Annotated[str, typer.Argument(help="The agent's published address, .../v1/routes/open/<agent id>/execute.")],
    query: Annotated[str, typer.Option("--query", "-q", help="The question.")],
    api_key_env: Annotated[str, typer.Option(help="Environment variable holding the API key.")] = "AIAE_API_KEY",
    user_id: Annotated[str | None, typer.Option(help="Your user id (with --conversation-id: recall).")] = None,
    conversation_id: Annotated[str | None, typer.Option(help="Conversation to continue.")] = None,
    memory: Annotated[Path | None, typer.Option(help="JSON file: a list of {role, content}; wins over recall.")] = None,
    var: Annotated[list[str] | None, typer.Option("--var", help="A common variable, NAME=VALUE (repeat).")] = None,
    secret_var: Annotated[
        list[str] | None, typer.Option("--secret-var", help="A sensitive variable, NAME=VALUE (repeat).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print each chunk as one JSON line.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds for the whole call (also bounds silences).")] = 300.0,
) -> None:
    """Ask a published AIAE agent a question and stream its answer."""
    try:
        api_key = os.environ.get(api_key_env, "")
        if not api_key:
            raise UsageError(f"set {api_key_env} to the agent's API key (or name another variable with --api-key-env)")
        if not timeout > 0:
            raise UsageError("--timeout: must be a positive number of seconds")
        request = AgentRequest(
            query,
            memory=load_memory(memory) if memory else None,
            user_id=user_id,
            conversation_id=conversation_id,
            common_variables=parse_pairs(var, "--var", secret=False),
            sensitive_variables=parse_pairs(secret_var, "--secret-var", secret=True),
        )
        timeouts = Timeouts(connect=min(10.0, timeout), idle=min(60.0, timeout), total=timeout)
        client = AiaeClient(url, api_key, timeouts=timeouts)
    except (UsageError, InvalidRequestError) as exc:
        _fail(USAGE, str(exc))
    printer = Printer(Console(highlight=False, markup=False, emoji=False, soft_wrap=True))
    try:
        with client, client.send(request) as answer:
            for chunk in answer:
                if json_output:
                    sys.stdout.write(json.dumps(chunk.envelope, ensure_ascii=False) + "\n")
                    sys.stdout.flush()
                else:
                    printer.show(chunk)
            result = answer.result()
    except PulumiAgentsError as exc:
        printer.end()
        _fail(FAILED, str(exc))
    except KeyboardInterrupt:
        printer.end()
        _fail(130, "interrupted")
    if not json_output:
        printer.end()
        rid = f", request id {result.request_id}" if result.request_id else ""
        typer.echo(f"{result.chunk_count} chunks in {result.latency_seconds:.2f}s{rid}", err=True)
