"""Alibaba Cloud V3 request signature (ACS3-HMAC-SHA256), for signing and for verifying.

CanonicalRequest = METHOD, path, canonical query, canonical headers, signed header names and
hex(SHA-256(body)), joined by newlines; the signature is hex(HMAC-SHA256(secret,
"ACS3-HMAC-SHA256\\n" + hex(SHA-256(CanonicalRequest)))).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote

ALGORITHM = "ACS3-HMAC-SHA256"
API_VERSION = "2025-09-10"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _encode(value: str) -> str:
    return quote(value, safe="~")


def canonical_query(query: Mapping[str, str]) -> str:
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(query.items()) if v is not None)


def canonical_request(
    method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], signed: list[str], payload_hash: str
) -> str:
    lowered = {k.lower(): str(v).strip() for k, v in headers.items()}
    canonical_headers = "".join(f"{name}:{lowered.get(name, '')}\n" for name in signed)
    return "\n".join(
        [method.upper(), path or "/", canonical_query(query), canonical_headers, ";".join(signed), payload_hash]
    )


def signature(secret: str, request: str) -> str:
    string_to_sign = f"{ALGORITHM}\n{sha256_hex(request.encode())}"
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def sign(
    *,
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
    action: str,
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None = None,
) -> dict[str, str]:
    """``headers`` plus the x-acs-* headers and the Authorization that sign the request."""
    out = {k.lower(): v for k, v in headers.items()}
    out.update(
        {
            "x-acs-action": action,
            "x-acs-version": API_VERSION,
            "x-acs-date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "x-acs-signature-nonce": uuid.uuid4().hex,
            "x-acs-content-sha256": sha256_hex(body),
        }
    )
    if security_token:
        out["x-acs-accesskey-id"] = access_key_id
        out["x-acs-security-token"] = security_token
    signed = sorted(k for k in out if k in ("host", "content-type") or k.startswith("x-acs-"))
    request = canonical_request(method, path, query, out, signed, out["x-acs-content-sha256"])
    out["authorization"] = (
        f"{ALGORITHM} Credential={access_key_id},SignedHeaders={';'.join(signed)},"
        f"Signature={signature(access_key_secret, request)}"
    )
    return out


class SignatureError(Exception):
    """Why a request's signature is not acceptable, with Alibaba Cloud's error code and status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def parse_authorization(value: str) -> tuple[str, list[str], str]:
    """(access key id, signed header names, signature) from an Authorization header."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SignatureError(400, "IncompleteSignature", f"unsupported signature algorithm {algorithm!r}")
    fields = dict(part.strip().partition("=")[::2] for part in rest.split(","))
    try:
        return fields["Credential"], fields["SignedHeaders"].split(";"), fields["Signature"]
    except KeyError as missing:
        raise SignatureError(400, "IncompleteSignature", f"Authorization lacks {missing.args[0]}") from None


def verify(
    *,
    method: str,
    raw_path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
    secrets: Mapping[str, str],
) -> str:
    """Check a signed request; return the access key id or raise SignatureError."""
    lowered = {k.lower(): v for k, v in headers.items()}
    auth = lowered.get("authorization")
    if not auth:
        raise SignatureError(400, "MissingAuthorization", "Authorization is mandatory for this action.")
    key_id, signed, given = parse_authorization(auth)
    if key_id not in secrets:
        raise SignatureError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    unsigned = [h for h in lowered if (h == "host" or h.startswith("x-acs-")) and h not in signed]
    if unsigned:
        raise SignatureError(400, "IncompleteSignature", f"header {unsigned[0]} must be signed")
    if lowered.get("x-acs-content-sha256") != sha256_hex(body):
        raise SignatureError(400, "IncompleteSignature", "x-acs-content-sha256 does not match the body")
    expected = signature(secrets[key_id], canonical_request(method, raw_path, query, lowered, signed, sha256_hex(body)))
    if not hmac.compare_digest(expected, given):
        raise SignatureError(400, "SignatureDoesNotMatch", "Specified signature does not match our calculation.")
    return key_id
