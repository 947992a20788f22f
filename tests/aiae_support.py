"""What the AIAE tests share: the emulator's agent addresses, key and a client."""

from __future__ import annotations

from pulumi_agents._http import RetryPolicy
from pulumi_agents.aiae import AiaeClient, Timeouts
from pulumi_agents.aiae.client import DEFAULT_ACCEPT
from tests.conftest import Emulator

API_KEY = "test-api-key"
# Generous: only the timeout tests use short ones.
TIMEOUTS = Timeouts(connect=5, idle=20, total=60)


def agent_url(emulator: Emulator, agent_id: str = "demo-agent") -> str:
    return f"{emulator.url}/v1/routes/open/{agent_id}/execute"


def client(
    emulator: Emulator,
    agent_id: str = "demo-agent",
    *,
    api_key: str = API_KEY,
    timeouts: Timeouts = TIMEOUTS,
    accept: str = DEFAULT_ACCEPT,
    retry: RetryPolicy | None = None,
) -> AiaeClient:
    return AiaeClient(agent_url(emulator, agent_id), api_key, timeouts=timeouts, accept=accept, retry=retry)
