"""Exceptions raised by the clients and providers: one clear message each, never a secret."""

from __future__ import annotations


class PulumiAgentsError(Exception):
    """Base of every error this package raises on purpose."""


class ApiError(PulumiAgentsError):
    """A service answered with an error envelope."""

    def __init__(
        self,
        service: str,
        operation: str,
        status: int,
        code: str,
        message: str,
        request_id: str | None = None,
        param: str | None = None,
    ) -> None:
        self.service, self.operation, self.status = service, operation, status
        self.code, self.message, self.request_id, self.param = code, message, request_id, param
        where = f" (parameter {param})" if param else ""
        rid = f" [request id {request_id}]" if request_id else ""
        super().__init__(f"{service} {operation} failed: HTTP {status} {code}: {message}{where}{rid}")


class ConfigurationError(PulumiAgentsError):
    """Provider configuration is missing or invalid; nothing was sent to the service."""


class AuthenticationError(ApiError):
    """The service refused the credentials. The client says which setting and where it was read
    (``blame``); a front door adds what it knows of how the command got them (``advice``)."""

    blame = ""
    advice = ""

    def __str__(self) -> str:
        return "; ".join(part for part in (super().__str__(), self.blame, self.advice) if part)


class NotFoundError(ApiError):
    """The resource does not exist (any more)."""


class ConflictError(ApiError):
    """The request conflicts with the resource's current state (name taken, version moved on)."""


class BusyError(ApiError):
    """The resource is in the middle of another operation (409 "is UPDATING"): wait, then look."""


class TransportError(PulumiAgentsError):
    """The service could not be reached, or its answer was lost, after every retry."""


class WaitTimeout(PulumiAgentsError):
    """A resource did not reach the awaited state in time; ``last`` is what was seen last."""

    def __init__(self, message: str, last: object = None) -> None:
        super().__init__(message)
        self.last = last


class PartialFailure(PulumiAgentsError):
    """An operation failed after the resource came to exist (or changed): the engine should record
    it, with its id and outputs, so that the next run resumes instead of creating another."""

    def __init__(self, message: str, resource_id: str, outputs: dict[str, object]) -> None:
        super().__init__(message)
        self.resource_id, self.outputs = resource_id, outputs


class ResourceFailed(PulumiAgentsError):
    """The service reports that an asynchronous operation failed."""
