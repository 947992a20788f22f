"""The parts of ``benchmarks/compare.py``, by job: the in-process emulator (``emulator``), the
stacks and their programs (``stacks``), what is measured and how (``measure``), the rows
(``rows``, ``scale``) and the table (``report``)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the tests' credentials and runtime builders
    sys.path.insert(0, str(ROOT))
