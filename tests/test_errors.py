"""What a user reads when something is wrong (issue 22, findings 6 and 7): an error names what
to fix, as the user wrote it, at a readable length, and the two front doors say the same."""

from __future__ import annotations

import logging
import re

import pytest

from pulumi_agents._http import RetryPolicy
from pulumi_agents.agentrun import AgentRunClient, Credentials, Settings
from pulumi_agents.errors import TransportError
from pulumi_agents.qoder import QoderClient
from pulumi_agents.qoder import Settings as QoderSettings
from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, QODER_TOKEN, unclaimed_port

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)


def test_a_stopped_agentrun_service_is_named_with_its_address_and_setting(caplog: pytest.LogCaptureFixture) -> None:
    url = f"http://127.0.0.1:{unclaimed_port()}"  # nothing listens there
    client = AgentRunClient(Settings(Credentials(ACCESS_KEY_ID, ACCESS_KEY_SECRET), endpoint=url), retry=FAST)
    with caplog.at_level(logging.WARNING, "pulumi_agents"), pytest.raises(TransportError) as raised:
        client.get_runtime("ar-0123")
    message = str(raised.value)
    assert message.startswith(f"AgentRun GetAgentRuntime: cannot connect to {url} (")
    assert "after 3 attempts in " in message
    assert "agentrun:endpoint" in message and "AGENTRUN_ENDPOINT" in message
    retries = [r.getMessage() for r in caplog.records if r.name == "pulumi_agents.http"]
    assert len(retries) == 2, retries  # one line per retry
    for n, line in enumerate(retries, 1):
        assert re.search(rf"cannot connect to {re.escape(url)} .*attempt {n} of 3, retrying in \d", line), line


def test_without_an_endpoint_the_region_is_the_setting_named() -> None:
    client = AgentRunClient(Settings(Credentials("a", "b"), region="cn-nowhere"), retry=RetryPolicy(attempts=1))
    with pytest.raises(TransportError) as raised:
        client.get_runtime("ar-0123")
    message = str(raised.value)
    assert "agentrun.cn-nowhere.aliyuncs.com" in message and "agentrun:region" in message
    assert "attempts" not in message  # one attempt: nothing retried


def test_a_stopped_qoder_service_is_named_with_its_address_and_setting() -> None:
    url = f"http://127.0.0.1:{unclaimed_port()}"
    client = QoderClient(QoderSettings(token=QODER_TOKEN, base_url=url + "/api/v1/cloud"), retry=FAST)
    with pytest.raises(TransportError) as raised:
        client.get_agent("ag-1")
    message = str(raised.value)
    assert f"cannot connect to {url} (" in message
    assert "qoder:baseUrl" in message and "QODER_BASE_URL" in message
