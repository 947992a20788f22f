"""Credentials: where the agentrun provider finds them, and one cheap read that checks them.

AgentRun takes the access key configured (``agentrun:accessKeyId`` and ``accessKeySecret``, or
their environment variables); with neither, Alibaba Cloud's own default credential chain
(``alibabacloud-credentials``): a profile file, an ECS RAM role, an OIDC role (a CI job's
token, no long-lived key). The chain is one per process, so temporary credentials are asked for
once and renewed by the library before they expire.

The check (``verify``): a preview that sends nothing passes with a wrong key, and the merge's
``up`` then fails. So before the first resource a process checks, each provider that holds
credentials (agentrun, qoder) makes one authenticated read, a list of one item, once per process
and set of credentials, as terraform-provider-aws checks its credentials when configured; a
refusal is one line that names the setting and where it was read. ``<package>:
skipCredentialsValidation`` turns it off, for previews with no network.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pulumi_agents import _config
from pulumi_agents._schema import UNKNOWN
from pulumi_agents.errors import AuthenticationError, ConfigurationError, PulumiAgentsError, TransportError

if TYPE_CHECKING:
    from pulumi_agents.agentrun.client import Credentials

log = logging.getLogger("pulumi_agents.credentials")

CHECKED = ("agentrun", "qoder")  # the packages whose credentials a read can check
SKIP = "skipCredentialsValidation"


# -- where a setting was read ---------------------------------------------------------------------


def read_from(package: str, name: str, stack_config: Mapping[str, Any]) -> str:
    """``stack config agentrun:accessKeyId`` or ``the environment variable ALIBABA_CLOUD_...``."""
    origin, _ = _config.source(package, name, stack_config)
    return f"stack config {origin}" if ":" in origin else f"the environment variable {origin}"


# -- AgentRun: the key configured, else Alibaba Cloud's default credential chain ------------------

_chain: Any = None
_chain_lock = threading.Lock()


def _chain_origin(provider_name: str) -> str:
    """What the default chain's provider name (``default/oidc_role_arn``) means to a reader."""
    name = provider_name.removeprefix("default/")
    if name.startswith("oidc"):
        role = os.environ.get("ALIBABA_CLOUD_ROLE_ARN", "")
        found = f"an OIDC role (ALIBABA_CLOUD_ROLE_ARN {role}, ALIBABA_CLOUD_OIDC_TOKEN_FILE)"
    elif name.startswith("cli_profile"):
        found = "the Alibaba Cloud CLI's profile (~/.aliyun/config.json)"
    elif name.startswith("profile"):
        path = os.environ.get("ALIBABA_CLOUD_CREDENTIALS_FILE") or "~/.alibabacloud/credentials.ini"
        found = f"the profile file {path}"
    elif name.startswith("ecs_ram_role"):
        found = "the ECS instance's RAM role"
    else:
        found = name
    return f"Alibaba Cloud's default credential chain, from {found}"


def _from_chain() -> tuple[str, str, str | None, str]:
    global _chain
    try:
        from alibabacloud_credentials.provider.default import DefaultCredentialsProvider
    except ImportError:  # pragma: no cover - a dependency of the package
        raise ConfigurationError(
            "agentrun has no access key (agentrun:accessKeyId and agentrun:accessKeySecret), and the default "
            "credential chain needs the package alibabacloud-credentials"
        ) from None
    with _chain_lock:
        if _chain is None:
            # The library logs each provider it tried that failed, with a traceback: the one line
            # below says what the chain found instead.
            logging.getLogger("credentials").setLevel(logging.CRITICAL)
            _chain = DefaultCredentialsProvider()
        chain = _chain
    try:
        found = chain.get_credentials()
    except Exception as exc:  # the library raises CredentialException, or what its HTTP client raised
        # Its reasons name each provider tried; a URL's query is cut, as it can carry a secret
        # (the OIDC token, sent to STS in the query string).
        reasons = re.sub(r"\?[^\s'\"]*", "?...", str(exc))
        if len(reasons) > 600:
            reasons = reasons[:600] + "..."
        raise ConfigurationError(
            "agentrun has no credentials: set agentrun:accessKeyId and agentrun:accessKeySecret "
            f"({_config.where('agentrun', 'accessKeyId')}; and the same for accessKeySecret), or give Alibaba "
            "Cloud's default credential chain a profile file, an ECS RAM role or an OIDC role "
            f"(ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE); it found none: "
            f"{reasons}"
        ) from None
    origin = _chain_origin(found.get_provider_name())
    return found.get_access_key_id(), found.get_access_key_secret(), found.get_security_token() or None, origin


def alibaba(found: Mapping[str, Any], stack_config: Mapping[str, Any]) -> Credentials:
    """The AgentRun credentials of the settings ``found`` (``_config.read``), each with where it came from."""
    from pulumi_agents.agentrun.client import Credentials

    given = [name for name in ("accessKeyId", "accessKeySecret") if found.get(name)]
    if len(given) == 1:
        [missing] = {"accessKeyId", "accessKeySecret"} - set(given)
        raise ConfigurationError(
            f"agentrun:{missing} is not set: set it with {_config.where('agentrun', missing)} (an access key "
            f"needs both its id and its secret; with neither, Alibaba Cloud's default credential chain is used)"
        )
    if given:
        names = ("accessKeyId", "accessKeySecret", "securityToken")
        origins = {n: read_from("agentrun", n, stack_config) for n in names if found.get(n)}
        return Credentials(found["accessKeyId"], found["accessKeySecret"], found.get("securityToken"), origins)
    key_id, secret, token, origin = _from_chain()
    return Credentials(
        key_id, secret, token, dict.fromkeys(("accessKeyId", "accessKeySecret", "securityToken"), origin)
    )


# What each AgentRun refusal blames: the first code prefix that matches names the setting.
_BLAME = (
    ("InvalidAccessKeyId", "accessKeyId"),
    ("SignatureDoesNotMatch", "accessKeySecret"),
    ("InvalidSecurityToken", "securityToken"),
    ("MissingSecurityToken", "securityToken"),
)


def blame(package: str, code: str, origins: Mapping[str, str]) -> str:
    """What to check after a refusal: the setting the code points at and where it was read
    (``check agentrun:accessKeySecret (read from stack config agentrun:accessKeySecret)``), or
    the chain's source when the key came from Alibaba Cloud's default credential chain."""
    if package == "qoder":
        names = ["token"]
    else:
        names = [name for prefix, name in _BLAME if code.startswith(prefix)] or ["accessKeyId", "accessKeySecret"]
    chained = sorted({origins[n] for n in origins if "credential chain" in origins[n]})
    if chained:
        return f"check the credentials of {chained[0]}"
    if not any(origins.values()):  # credentials a program built itself: nothing to say of where
        return "check " + " and ".join(f"{package}:{n}" for n in names)
    said = [
        f"{package}:{n} (read from {origins[n]})"
        if origins.get(n)
        else f"{package}:{n} (not set: {_config.where(package, n)})"
        for n in names
    ]
    return "check " + " and ".join(said)


# -- the check --------------------------------------------------------------------------------------

# (package, digest of the settings that reach the service) -> None when they passed, else the error.
_checked: dict[tuple[str, str], PulumiAgentsError | None] = {}
_locks: dict[tuple[str, str], threading.Lock] = {}
_locks_lock = threading.Lock()
reads = 0  # authenticated reads made by verify() in this process (the tests count them)


def _key(package: str, settings: Mapping[str, Any]) -> tuple[str, str]:
    reach = {k: v for k, v in settings.items() if k not in (SKIP, "httpTimeout")}
    digest = hashlib.sha256(json.dumps(reach, sort_keys=True, default=str).encode()).hexdigest()
    return package, digest


def _read(package: str, stack_config: Mapping[str, Any]) -> None:
    """The one read: a list of one runtime (AgentRun) or one agent (Qoder)."""
    if package == "agentrun":
        from pulumi_agents.agentrun.client import AgentRunClient, Settings

        AgentRunClient(Settings.from_sources(stack_config)).check_credentials()
    else:
        from pulumi_agents.qoder.client import QoderClient
        from pulumi_agents.qoder.client import Settings as QoderSettings

        QoderClient(QoderSettings.from_sources(stack_config)).check_credentials()


def verify(
    package: str, stack_config: Mapping[str, Any], read: Callable[[str, Mapping[str, Any]], None] = _read
) -> None:
    """Check the credentials of ``package`` with one read, unless this process already has or the
    setting turns it off; raise the one-line error a preview shows. Unknown settings (an explicit
    provider's, from another resource's output) are not checked."""
    global reads
    if package not in CHECKED or any(v == UNKNOWN for k, v in stack_config.items() if k.startswith(f"{package}:")):
        return
    if _config.value(package, SKIP, stack_config):
        return
    settings = _config.read(package, stack_config)  # a missing setting fails here, named
    key = _key(package, settings)
    with _locks_lock:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:  # concurrent checks of one provider wait for the one read
        if key not in _checked:
            reads += 1
            _checked[key] = _outcome(package, stack_config, read)
        failure = _checked[key]
    if failure is not None:
        raise failure


def _outcome(
    package: str, stack_config: Mapping[str, Any], read: Callable[[str, Mapping[str, Any]], None]
) -> PulumiAgentsError | None:
    skip = f"{package}:{SKIP}"
    env = _config.settings(package)[SKIP].schema["x-env"][0]
    try:
        read(package, stack_config)
    except AuthenticationError as exc:
        return ConfigurationError(f"the {package} credentials were refused: {exc}")
    except TransportError as exc:
        return ConfigurationError(
            f"the {package} credentials could not be checked: {exc}; to preview without the service, set {skip} "
            f"true (`pulumi config set {skip} true`, or {env}=true)"
        )
    except ConfigurationError as exc:
        return exc
    except PulumiAgentsError as exc:
        # Any other answer (a 403 for the list, a 5xx) came from the service after it took the
        # credentials, or says nothing of them: the resources' own calls will say what it is.
        log.info("%s: the credentials check got %s; not a refusal of the credentials", package, exc)
    return None


def failure(package: str, stack_config: Mapping[str, Any]) -> str | None:
    """``verify`` as a check failure's text: what both front doors report on the first resource."""
    try:
        verify(package, stack_config)
    except PulumiAgentsError as exc:
        return str(exc)
    return None
