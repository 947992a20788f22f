"""The ``pulumi-agents`` command (``python -m pulumi_agents``); its tools come with the ``cli`` extra.

This module imports nothing beyond the standard library before checking that the extra is
installed, so that without it the command says how to get it instead of showing a traceback.
"""

from __future__ import annotations

import sys

from pulumi_agents._lazy import need_extra


def main() -> None:
    """Run the command line, or exit 2 with one line naming the extra to install."""
    if sys.argv[1:] == ["--version"]:  # answers without the cli extra too
        from pulumi_agents import __version__

        print(__version__)
        return
    need_extra("cli", "the command-line tools need", ("typer", "rich", "yaml"))
    from pulumi_agents.cli import app

    app()


if __name__ == "__main__":
    main()
