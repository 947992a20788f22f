"""The rows at platform scale: a no-change preview (the credentials check on, and off) and a
refresh of ``count`` resources (half runtimes, half agents) in each front door, against as many
no-I/O dynamic resources that register the same properties, with the CPU seconds of each side's
provider processes beside each ratio and the emulator's apart."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from bench.emulator import BenchState
from bench.measure import Log, Sample, interleaved
from bench.report import Row, spread
from bench.rows import MakeStack
from bench.stacks import SAME_PROGRAM, program, same_properties

SKIP_CHECK = {"AGENTRUN_SKIP_CREDENTIALS_VALIDATION": "true", "QODER_SKIP_CREDENTIALS_VALIDATION": "true"}
DOORS = ("dynamic", "plugin")


def _cpu(samples: Sequence[Sample], part: str) -> str:
    return spread([getattr(s, part) for s in samples], "{:.1f}", "")


def scale_rows(
    stack: MakeStack, lib: Path, state: BenchState, runs: int, count: int, notes: list[str], log: Log
) -> list[Row]:
    half = count // 2
    kinds = f"{half} runtimes + {half} agents"
    log(f"rows at {count}: {kinds} in each front door, and {2 * half} no-I/O with the same properties, created once")
    stacks = {
        "dynamic": stack(f"dynamic{count}", program("pulumi_agents", half, "sd", agents=True)),
        "plugin": stack(f"plugin{count}", program("pulumi_agents.plugin", half, "sp", agents=True)),
    }
    with state.quick():  # the creates are not measured here
        for side in stacks.values():
            side.up("--parallel", "32")
    same_properties(lib, stacks["dynamic"].export())
    stacks["no-I/O"] = stack(f"noio{count}", SAME_PROGRAM, agents=False)
    stacks["no-I/O"].up("--parallel", "32")

    rows = []
    for args, what, env, most in (
        (("preview", "--expect-no-changes"), "no-change `pulumi preview`", None, 1.2),
        (("preview", "--expect-no-changes"), "no-change `pulumi preview`, credentials check off", SKIP_CHECK, 1.2),
        (("refresh", "--yes"), "`pulumi refresh --yes`", None, 1.5),
    ):
        log(f"row at {count}: {what}")
        sides = {name: partial(s.sample, *args, env=env if name in DOORS else None) for name, s in stacks.items()}
        samples = interleaved(runs, sides, log)
        walls = {name: [s.wall for s in got] for name, got in samples.items()}
        for door in DOORS:
            ratios = [a / b for a, b in zip(walls[door], walls["no-I/O"], strict=True)]
            times = f"{spread(walls[door], '{:.1f}')} vs {spread(walls['no-I/O'], '{:.1f}')}"
            measured = f"{spread(ratios, unit='x')}: {times}"
            met = statistics.median(ratios) <= most
            rows.append(Row(f"{what}, {count}: {door} vs no-I/O", measured, f"ratio <= {most}x", met))
        ratios = [p / d for p, d in zip(walls["plugin"], walls["dynamic"], strict=True)]
        rows.append(Row("  plugin / dynamic", spread(ratios, unit="x"), "<= 1.0x", statistics.median(ratios) <= 1.0))
        for part, label in (
            ("providers", "provider processes"),
            ("emulator", "emulator"),
            ("others", "engine+program"),
        ):
            shown = ", ".join(
                f"{name} {_cpu(got, part)}" for name, got in samples.items() if part != "emulator" or name in DOORS
            )
            rows.append(Row(f"  CPU s: {label}", shown, "", None))
    notes.append(
        f"rows at {count}: {kinds} per front door (created once, untimed), against {2 * half} no-I/O dynamic "
        f"resources that register the inputs and answer the outputs the dynamic stack's have in its state; the "
        f"credentials check off = {' and '.join(f'{k}=true' for k in SKIP_CHECK)}; CPU: each provider process's "
        f"own (os.times, written at exit), the emulator's (this process), the rest of the command's tree"
    )
    with state.quick():  # nor are the deletes
        for side in stacks.values():
            side.destroy()
    return rows
