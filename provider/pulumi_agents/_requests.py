"""What the generic life cycle asks of a package's client, and the requests it builds from x-api:
every item of a list however the API pages it, and the key that makes a resend the same request."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Protocol

from pulumi_agents._api import Operation

Doc = dict[str, Any]


class Client(Protocol):
    """What the life cycle needs of a package's client."""

    def __enter__(self) -> Client: ...

    def __exit__(self, *exc: object) -> None: ...

    def request(
        self,
        op: Operation,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> Doc: ...


def idempotency_key(*parts: Any) -> str:
    """A stable key for the same parts (canonical JSON), e.g. a resource's seed and its inputs."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return "pulumi-agents-" + hashlib.sha256(canonical.encode()).hexdigest()[:48]


def pages(client: Client, op: Operation, path: str, listing: Mapping[str, Any], query: Mapping[str, str]) -> list[Doc]:
    """Every item of a list, following its paging (``x-api.list``): page numbers up to ``total``,
    or a cursor: ``page`` from ``next_page`` when the answer carries one, else ``after_id`` from
    ``last_id`` while ``has_more`` (two generations of one API)."""
    key, size = str(listing.get("items", "items")), 50
    found: list[Doc] = []
    if listing.get("paging") == "cursor":
        cursor: dict[str, str] = {}
        while True:
            page = client.request(op, path, query={**query, "limit": str(size), **cursor})
            found += page.get(key) or []
            if page.get("has_more") is False:
                return found
            if page.get("next_page"):
                following = {"page": str(page["next_page"])}
            elif page.get("has_more") and page.get("last_id"):
                following = {"after_id": str(page["last_id"])}
            else:
                return found
            if following == cursor:  # a cursor that does not move would loop for ever
                return found
            cursor = following
    number, previous = 1, None
    while True:
        page = client.request(op, path, query={**query, "pageNumber": str(number), "pageSize": str(size)})
        batch = page.get(key) or []
        if not batch or batch == previous:  # the end, or a service that ignores pageNumber
            return found
        found += batch
        # Up to ``total`` items where the answer gives it, else to the first empty page: counted
        # in items, not pages, as a service may cap the page size below what was asked.
        total = page.get("total")
        if (isinstance(total, int) or (isinstance(total, str) and total.isdigit())) and len(found) >= int(total):
            return found
        previous, number = batch, number + 1
