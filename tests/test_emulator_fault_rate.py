"""Fault rules with a rate strike about that share of the matching requests (the fault storm)."""

from __future__ import annotations

import httpx

from tests.conftest import QODER_TOKEN, Emulator


def test_a_rate_strikes_about_that_share(emulator: Emulator) -> None:
    emulator.fault(kind="status", status=503, path="/api/v1/cloud/agents", rate=0.2, times=1000, seed=11)
    headers = {"authorization": f"Bearer {QODER_TOKEN}"}
    with httpx.Client(base_url=emulator.url, headers=headers, timeout=10) as client:
        answers = [client.get("/api/v1/cloud/agents").status_code for _ in range(300)]
    struck = answers.count(503)
    assert set(answers) == {200, 503} and 30 <= struck <= 90  # 20% of 300 is 60


def test_a_bad_rate_is_refused(emulator: Emulator) -> None:
    answer = httpx.post(emulator.url + "/_emulator/faults", json={"kind": "status", "rate": 1.5}, timeout=10)
    assert answer.status_code == 400 and "rate must be a number from 0 to 1" in answer.text
