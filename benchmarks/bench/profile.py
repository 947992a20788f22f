"""``--profile DIR``: where a read's time goes in each front door. One no-change preview and one
refresh of a stack at ``--size`` per door, every thread of every provider process under cProfile
(the stacks' ``sitecustomize``); prints each command's top entries, by own time and cumulative."""

from __future__ import annotations

import io
import pstats
from pathlib import Path

from bench.emulator import BenchState
from bench.measure import Log
from bench.rows import MakeStack
from bench.stacks import program

TOP = 25


def profile_rows(stack: MakeStack, lib: Path, state: BenchState, count: int, out: Path, log: Log) -> None:
    half = count // 2
    doors = {
        "dynamic": stack(f"pdynamic{count}", program("pulumi_agents", half, "pd", agents=True)),
        "plugin": stack(f"pplugin{count}", program("pulumi_agents.plugin", half, "pp", agents=True)),
    }
    with state.quick():
        for made in doors.values():
            made.up("--parallel", "32")
    for door, made in doors.items():
        for args in (("preview", "--expect-no-changes"), ("refresh", "--yes")):
            where = out / f"{door}-{args[0]}"
            where.mkdir(parents=True, exist_ok=True)
            for old in where.glob("*.prof"):
                old.unlink()
            sample = made.sample(*args, env={"BENCH_PROFILE_DIR": str(where)})
            log(f"{door} {args[0]}: {sample.wall:.1f} s, provider processes {sample.providers:.1f} CPU s (profiled)")
            files = sorted(str(p) for p in where.glob("*.prof"))
            if not files:
                print(f"\n== {door} {args[0]}: no profile written")
                continue
            stats = pstats.Stats(*files, stream=io.StringIO())
            for order in ("tottime", "cumulative"):
                text = io.StringIO()
                stats.stream = text  # type: ignore[attr-defined]
                stats.sort_stats(order).print_stats(TOP)
                body = text.getvalue().split("\n", 1)[-1]
                print(f"\n== {door} {args[0]} ({len(files)} processes, {sample.wall:.1f} s), by {order}\n{body}")
    with state.quick():  # nor are the deletes
        for made in doors.values():
            made.destroy()
