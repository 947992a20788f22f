"""The table: each row's median with its spread, its goal, and whether it is met."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def spread(values: Sequence[float], fmt: str = "{:.2f}", unit: str = " s") -> str:
    middle, low, high = (fmt.format(v) for v in (statistics.median(values), min(values), max(values)))
    return f"{middle}{unit} ({low}-{high})"


@dataclass
class Row:
    what: str
    measured: str
    goal: str
    met: bool | None  # None: a row without a goal (what the row above it cost)


def table(rows: list[Row]) -> str:
    cells = [("what", "measured: median (min-max)", "goal", "")]
    cells += [(r.what, r.measured, r.goal, {True: "met", False: "NOT met", None: ""}[r.met]) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(4)).rstrip() for c in cells]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])
