"""Credentials (issue 22, finding 3): one authenticated read per provider and process checks them
before the first resource is checked, in both front doors; a refusal names the setting and where
it was read; a switch turns it off. And Alibaba Cloud's default credential chain when no key is
configured (a profile file, the CLI's profile with an STS token, an OIDC role), run in a fresh
process each: the library reads its environment variables when first imported."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi.provider.experimental.provider import CheckRequest

from pulumi_agents import _credentials
from pulumi_agents._http import RetryPolicy
from pulumi_agents._plugin_sdk import PluginProvider, value_map
from pulumi_agents.agentrun import AgentRuntimeProvider
from pulumi_agents.agentrun.client import AgentRunClient, Settings
from pulumi_agents.qoder import AgentProvider
from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, QODER_TOKEN, Emulator, free_port
from tests.runtimes import code_runtime

URN = "urn:pulumi:dev::proj::agentrun:index:AgentRuntime::rt"
STS = {"id": "STS.test-sts-key-id", "secret": "test-sts-key-secret", "token": "test-sts-security-token"}


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    """Each test starts as a new provider process would: nothing checked yet."""
    from pulumi_agents import _dynamic

    _credentials._checked.clear()
    yield
    _credentials._checked.clear()
    with _dynamic._config_lock:
        _dynamic._config_values.clear()


def dynamic_failures(config: dict[str, Any] | None = None) -> list[str]:
    from pulumi_agents import _dynamic

    with _dynamic._config_lock:
        _dynamic._config_values.clear()
        _dynamic._config_values.update(config or {})
    return [f.reason for f in AgentRuntimeProvider().check({}, code_runtime()).failures]


def plugin_failures(config: dict[str, Any], package: str = "agentrun") -> list[str]:
    provider = PluginProvider(package)
    provider.config = config
    if package == "agentrun":
        urn, news = URN, value_map("AgentRuntime", code_runtime(), set())
    else:
        urn = "urn:pulumi:dev::proj::qoder:index:Agent::a"
        news = value_map("Agent", {"name": "a", "model": "ultimate", "instructions": "hi"}, set())
    response = asyncio.run(provider.check(CheckRequest(urn, {}, news, b"")))
    return [f.reason for f in response.failures or []]


def agentrun_config(emulator: Emulator, **settings: str) -> dict[str, Any]:
    base = {
        "agentrun:endpoint": emulator.url,
        "agentrun:accessKeyId": ACCESS_KEY_ID,
        "agentrun:accessKeySecret": ACCESS_KEY_SECRET,
    }
    return {**base, **{f"agentrun:{k}": v for k, v in settings.items()}}


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("ALIBABA_CLOUD_", "AGENTRUN_", "QODER_")):
            monkeypatch.delenv(name)


# -- the check, in both front doors ----------------------------------------------------------------


def test_a_wrong_secret_fails_the_first_check_in_both_doors_naming_the_setting(
    emulator: Emulator, no_env: None
) -> None:
    config = agentrun_config(emulator, accessKeySecret="a-wrong-secret")
    [plugin] = plugin_failures(config)
    _credentials._checked.clear()
    [dynamic] = dynamic_failures(config)
    # The same words from both doors (each read has its own request id).
    assert re.sub(r"request id [\w-]+", "", plugin) == re.sub(r"request id [\w-]+", "", dynamic)
    assert plugin.startswith("the agentrun credentials were refused: AgentRun ListAgentRuntimes failed: HTTP 400")
    assert "SignatureDoesNotMatch" in plugin
    assert plugin.endswith("check agentrun:accessKeySecret (read from stack config agentrun:accessKeySecret)")
    assert "a-wrong-secret" not in plugin and "--run-program" not in plugin


def test_a_wrong_key_id_from_the_environment_names_the_variable(
    emulator: Emulator, no_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI-not-a-key")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET)
    [said] = dynamic_failures({"agentrun:endpoint": emulator.url})
    assert "InvalidAccessKeyId.NotFound" in said
    assert said.endswith("check agentrun:accessKeyId (read from the environment variable ALIBABA_CLOUD_ACCESS_KEY_ID)")


def test_a_wrong_or_missing_qoder_token(emulator: Emulator, no_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    base = {"qoder:baseUrl": emulator.url + "/api/v1/cloud"}
    monkeypatch.setenv("QODER_PAT", "pt-wrong")
    [wrong] = plugin_failures(base, "qoder")
    assert wrong.startswith("the qoder credentials were refused: Qoder list agents failed: HTTP 401")
    assert (
        wrong.endswith("check qoder:token (read from the environment variable QODER_PAT)") and "pt-wrong" not in wrong
    )
    monkeypatch.delenv("QODER_PAT")
    [missing] = plugin_failures(base, "qoder")
    assert missing.startswith(
        "qoder is not configured: qoder:token is not set: set it with `pulumi config set --secret"
    )
    assert plugin_failures({**base, "qoder:token": QODER_TOKEN}, "qoder") == []
    assert [f.reason for f in AgentProvider().check({}, {"name": "a", "model": "m", "instructions": "hi"}).failures]


def test_an_unreachable_service_says_so_not_wrong_key(no_env: None) -> None:
    config = {"agentrun:endpoint": f"http://127.0.0.1:{free_port()}", "agentrun:accessKeyId": "a"}
    config["agentrun:accessKeySecret"] = "b"

    def once(package: str, stack_config: Any) -> None:  # one attempt: the default retries take seconds
        AgentRunClient(Settings.from_sources(stack_config), retry=RetryPolicy(attempts=1)).check_credentials()

    with pytest.raises(Exception) as failed:
        _credentials.verify("agentrun", config, read=once)
    said = str(failed.value)
    assert said.startswith("the agentrun credentials could not be checked: AgentRun ListAgentRuntimes: cannot connect")
    assert config["agentrun:endpoint"] in said and "the address comes from the setting agentrun:endpoint" in said
    assert "set agentrun:skipCredentialsValidation true" in said and "AGENTRUN_SKIP_CREDENTIALS_VALIDATION=true" in said
    assert "credentials were refused" not in said and "check agentrun:access" not in said


def test_the_switch_turns_it_off(emulator: Emulator, no_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = agentrun_config(emulator, accessKeySecret="a-wrong-secret")
    before = _credentials.reads
    assert plugin_failures({**wrong, "agentrun:skipCredentialsValidation": "true"}) == []
    monkeypatch.setenv("AGENTRUN_SKIP_CREDENTIALS_VALIDATION", "true")
    assert dynamic_failures(wrong) == []
    assert _credentials.reads == before  # nothing was sent
    monkeypatch.setenv("AGENTRUN_SKIP_CREDENTIALS_VALIDATION", "false")
    assert len(dynamic_failures(wrong)) == 1


def test_one_read_per_process_for_many_concurrent_checks(emulator: Emulator, no_env: None) -> None:
    provider = PluginProvider("agentrun")
    provider.config = agentrun_config(emulator)
    news = value_map("AgentRuntime", code_runtime(), set())
    before = _credentials.reads

    async def twenty() -> list[Any]:
        return list(
            await asyncio.gather(*(provider.check(CheckRequest(f"{URN}{i}", {}, news, b"")) for i in range(20)))
        )

    assert all(not r.failures for r in asyncio.run(twenty()))
    assert dynamic_failures(provider.config) == []
    assert _credentials.reads == before + 1
    # Other credentials are other reads; a refusal is remembered too (one line per resource, one read).
    wrong = agentrun_config(emulator, accessKeySecret="wrong")
    assert len(dynamic_failures(wrong)) == len(dynamic_failures(wrong)) == 1
    assert _credentials.reads == before + 2


def test_the_plugin_asks_again_when_its_settings_change(emulator: Emulator, no_env: None) -> None:
    # A plugin keeps what the check said of its settings for the Checks after the first; a new
    # Configure (other credentials) is checked anew, however many Checks passed before it.
    provider = PluginProvider("agentrun")
    news = value_map("AgentRuntime", code_runtime(), set())

    def failures() -> list[str]:
        response = asyncio.run(provider.check(CheckRequest(URN, {}, news, b"")))
        return [f.reason for f in response.failures or []]

    def configure(**settings: str) -> None:  # as the engine's Configure sends them: by name, typed
        config = agentrun_config(emulator, **settings)
        provider.configure_plain({}, {k.removeprefix("agentrun:"): v for k, v in config.items()})

    before = _credentials.reads
    configure()
    assert failures() == failures() == []
    assert _credentials.reads == before + 1
    configure(accessKeySecret="wrong")
    [refused] = failures()
    assert refused.startswith("the agentrun credentials were refused") and failures() == [refused]
    assert _credentials.reads == before + 2


def test_an_sts_token_is_signed_and_sent(emulator: Emulator, no_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", STS["id"])
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", STS["secret"])
    config = {"agentrun:endpoint": emulator.url}
    [missing] = dynamic_failures(config)  # the emulator wants the key's token, as the service does
    assert "MissingSecurityToken" in missing and "check agentrun:securityToken (not set: " in missing
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "not-its-token")
    _credentials._checked.clear()
    [wrong] = dynamic_failures(config)
    assert "InvalidSecurityToken.MismatchWithAccessKey" in wrong
    assert wrong.endswith(
        "check agentrun:securityToken (read from the environment variable ALIBABA_CLOUD_SECURITY_TOKEN)"
    )
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", STS["token"])
    assert dynamic_failures(config) == []
    assert AgentRunClient(Settings.from_sources(config)).list_runtimes() == []


# -- the rotated-credential advice fits the command ----------------------------------------------------


def test_the_run_program_advice_only_where_the_settings_may_be_stored_ones(
    emulator: Emulator, no_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dynamic provider that checked nothing runs a refresh or a destroy, whose settings may be
    those the last update stored; after a check the program ran, with the stack config of now."""
    from pulumi_agents import _dynamic
    from pulumi_agents._dynamic import ProviderError

    monkeypatch.setattr(_dynamic, "_program_ran", __import__("threading").Event())
    with _dynamic._config_lock:
        _dynamic._config_values.clear()
        _dynamic._config_values.update(agentrun_config(emulator, accessKeySecret="rotated-away"))
    with pytest.raises(ProviderError) as refresh:
        AgentRuntimeProvider().read("ar-1", code_runtime())
    said = str(refresh.value)
    assert "SignatureDoesNotMatch" in said and "without --run-program use the provider settings stored" in said
    assert "check agentrun:accessKeySecret (read from stack config agentrun:accessKeySecret)" in str(refresh.value)
    monkeypatch.setenv("AGENTRUN_SKIP_CREDENTIALS_VALIDATION", "true")
    AgentRuntimeProvider().check({}, code_runtime())  # the program ran
    with pytest.raises(ProviderError) as up:
        AgentRuntimeProvider().create(code_runtime())
    assert "SignatureDoesNotMatch" in str(up.value) and "--run-program" not in str(up.value)


# -- Alibaba Cloud's default credential chain, each in a new process ------------------------------------


def chain(tmp_path: Path, emulator: Emulator, env: dict[str, str]) -> dict[str, Any]:
    """In a new process with only ``env`` (and HOME in tmp_path): the settings' credentials as the
    chain found them, a list against the emulator, and the check's failure if any."""
    code = textwrap.dedent(
        f"""
        import json
        from pulumi_agents import _credentials
        from pulumi_agents.agentrun.client import AgentRunClient, Settings
        from pulumi_agents.errors import PulumiAgentsError

        config = {{"agentrun:endpoint": {emulator.url!r}}}
        out = {{}}
        try:
            settings = Settings.from_sources(config)
            out["origin"] = settings.credentials.origins["accessKeyId"]
            out["token"] = settings.credentials.security_token is not None
            out["failure"] = _credentials.failure("agentrun", config)
        except PulumiAgentsError as exc:
            out["error"] = str(exc)
        print(json.dumps(out))
        """
    )
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}
    result = subprocess.run([sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr  # the library's own logging stays quiet
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def test_the_chain_takes_the_cli_profile_with_an_sts_token(tmp_path: Path, emulator: Emulator) -> None:
    (tmp_path / ".aliyun").mkdir()
    profile = {"mode": "StsToken", "access_key_id": STS["id"], "access_key_secret": STS["secret"]}
    profiles = {"current": "default", "profiles": [{"name": "default", **profile, "sts_token": STS["token"]}]}
    (tmp_path / ".aliyun" / "config.json").write_text(json.dumps(profiles))
    found = chain(tmp_path, emulator, {})
    cli = "the Alibaba Cloud CLI's profile (~/.aliyun/config.json)"
    assert found == {
        "origin": f"Alibaba Cloud's default credential chain, from {cli}",
        "token": True,
        "failure": None,  # the emulator took the key with its token, signed
    }


def test_the_chain_takes_a_profile_file_and_a_refusal_names_it(tmp_path: Path, emulator: Emulator) -> None:
    ini = tmp_path / "credentials.ini"
    ini.write_text(
        f"[default]\ntype = access_key\naccess_key_id = {ACCESS_KEY_ID}\naccess_key_secret = wrong-in-file\n"
    )
    env = {"ALIBABA_CLOUD_CREDENTIALS_FILE": str(ini), "ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true"}
    found = chain(tmp_path, emulator, env)
    assert found["origin"] == f"Alibaba Cloud's default credential chain, from the profile file {ini}"
    assert "SignatureDoesNotMatch" in found["failure"]
    assert found["failure"].endswith(
        f"check the credentials of Alibaba Cloud's default credential chain, from the profile file {ini}"
    )
    assert "wrong-in-file" not in json.dumps(found)
    ini.write_text(ini.read_text().replace("wrong-in-file", ACCESS_KEY_SECRET))
    assert chain(tmp_path, emulator, env)["failure"] is None


def test_the_chain_with_an_oidc_role_asks_sts_and_says_so_without_the_token(tmp_path: Path, emulator: Emulator) -> None:
    """As far as a machine with no cloud goes: with the three variables a CI job sets, the chain
    takes the OIDC role and asks Alibaba Cloud's STS for temporary credentials (unreachable here,
    or refusing a made-up token): the error says so in one line and never shows the token. That
    STS answers a real token, and that its credentials then sign, is not proven here."""
    token = tmp_path / "oidc-token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.secret-oidc-token-body.sig")
    env = {
        "ALIBABA_CLOUD_ROLE_ARN": "acs:ram::1234567890123456:role/ci-deploy",
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "acs:ram::1234567890123456:oidc-provider/ci",
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(token),
        "ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true",
    }
    error = chain(tmp_path, emulator, env)["error"]
    assert error.startswith("agentrun has no credentials: set agentrun:accessKeyId and agentrun:accessKeySecret")
    assert "OIDCRoleArnCredentialsProvider" in error and "sts" in error.lower()
    assert "secret-oidc-token-body" not in error and "\n" not in error
