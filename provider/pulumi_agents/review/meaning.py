"""What a change of one of our resources means, in words for a reviewer: the kind says.

Each kind is described by a :class:`Meaning`. The default one reads the kind's ``x-api`` block in
schema.json (its ``noun``, how it is updated, what destroying it does), so a new kind is described
in the review without touching it. A kind with more to say (what an update does to a running
service, where its traffic goes) subclasses :class:`Meaning` in ``pulumi_agents.<package>.meaning``
under the kind's own name; :func:`meaning_of` finds it there.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from pulumi_agents._api import Api, api
from pulumi_agents._fields import fields
from pulumi_agents._schema import resource_types
from pulumi_agents._tree import tree
from pulumi_agents.review.preview import is_secret, is_unknown


@dataclass(frozen=True)
class Other:
    """A resource of the same preview, as another's meaning may read it: what the engine does to
    it, and whether that is known (``certain``) or the engine's guess in a preview that cannot
    tell (a dynamic resource's values known only after apply, a replacement only if they differ)."""

    urn: str
    name: str
    type_name: str | None  # None for another provider's resource
    operation: str
    certain: bool
    delete_first: bool
    old_id: Any
    old_inputs: Mapping[str, Any]
    new_inputs: Mapping[str, Any]
    provider: str = ""  # the engine's provider reference, ``<provider urn>::<id>``
    dependencies: Mapping[str, Sequence[str]] | None = None  # the URNs each input reads

    def reads(self, key: str, urn: str) -> bool | None:
        """Whether its input ``key`` reads the resource ``urn``; None when the preview does not say."""
        return None if self.dependencies is None else urn in self.dependencies.get(key, ())

    def input(self, key: str) -> Any:
        """The new value of the input ``key`` (the old one when it goes)."""
        return (self.old_inputs if self.operation == "delete" else self.new_inputs).get(key)

    @property
    def new_id(self) -> bool:
        """Whether its id certainly changes: a certain replacement that makes the new one before
        the old one goes (both exist at once, so they cannot share an id)."""
        return self.certain and self.operation == "replace" and not self.delete_first


@dataclass(frozen=True)
class Change:
    """One resource's change, as a kind's :class:`Meaning` reads it. ``operation`` is the engine's
    (``create``, ``update``, ``replace``, ``delete``, ...) with a replacement's steps folded into
    one ``replace``, ``delete_first`` when the old resource goes before the new one comes.
    ``others`` are the preview's other resources (with ``--show-sames``, the unchanged ones too:
    ``complete``)."""

    type_name: str
    operation: str
    old_inputs: Mapping[str, Any]
    new_inputs: Mapping[str, Any]
    old_outputs: Mapping[str, Any]
    delete_first: bool = False
    urn: str = ""
    old_id: Any = None
    others: Sequence[Other] = ()
    complete: bool = True
    dependencies: Mapping[str, Sequence[str]] | None = None  # the URNs each of its inputs reads

    def of_type(self, type_name: str) -> list[Other]:
        return [o for o in self.others if o.type_name == type_name]

    def read_by(self, key: str, type_name: str) -> list[Other] | None:
        """The resources of ``type_name`` that its input ``key`` reads; None when the preview
        does not say (no ``propertyDependencies``)."""
        if self.dependencies is None:
            return None
        urns = set(self.dependencies.get(key, ()))
        return [o for o in self.of_type(type_name) if o.urn in urns]

    def old_output(self, python_name: str) -> Any:
        """The old output that the Python name ``python_name`` stands for, whatever its wire name."""
        return self.old_outputs.get(fields(self.type_name).python.get(python_name, python_name))

    def old_option(self, key: str) -> Any:
        """The old value of the input ``key``, else its schema.json default."""
        value = self.old_inputs.get(key)
        return tree(self.type_name).child(key).default if value is None else value


def plain(value: Any) -> bool:
    """Whether ``value`` can be written in a sentence: present, not secret, known."""
    return value is not None and not is_secret(value) and not is_unknown(value)


class Meaning:
    """What a change of the kind ``type_name`` means, from its x-api facts; a kind without x-api
    (served without an API) is named by ``NOUN``, else by its type name in words."""

    NOUN: ClassVar[str | None] = None

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name
        self.api: Api | None = api(type_name)

    @property
    def noun(self) -> str:
        """How a sentence names one (``runtime``), after ``the`` or ``a new``."""
        if self.api is not None:
            return self.api.noun
        return self.NOUN or re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", self.type_name).lower()

    def describe(self, change: Change) -> list[str]:
        """The lines that say what ``change`` does; none when there is nothing to add."""
        step = {"create": self.create, "update": self.update, "replace": self.replace, "delete": self.delete}
        return step[change.operation](change) if change.operation in step else []

    def regardless(self, change: Change) -> list[str]:
        """What holds whatever the values known only after apply turn out to be: all that is
        said of a dynamic resource whose every change shown is one (it may not change at all)."""
        return []

    def create(self, change: Change) -> list[str]:
        return [f"creates the {self.noun}"]

    def update(self, change: Change) -> list[str]:
        if self.api is not None and self.api.update == "none":
            return []  # every input replaces: an update changes only how Pulumi handles it
        return [f"updates the {self.noun} in place"]

    def replace(self, change: Change) -> list[str]:
        destroy = self.destroy(change)
        if destroy == "forget":
            return [f"creates a new {self.noun}; the old one is forgotten, not deleted (the API has no delete)"]
        if destroy != "delete":
            return [f"creates a new {self.noun}; the old one is {destroy}d, not deleted"]
        if change.delete_first:
            line = f"deletes the {self.noun}, then creates it again: unavailable in between, and its id changes"
        else:
            line = f"creates a new {self.noun}, then deletes the old one: the {self.noun} id changes"
        return [line, *self._loses()]

    def delete(self, change: Change) -> list[str]:
        destroy = self.destroy(change)
        if destroy == "forget":
            return [f"forgets the {self.noun}: the service keeps it (the API has no delete)"]
        if destroy != "delete":
            return [f"{destroy}s the {self.noun} (not deleted)"]
        return [f"deletes the {self.noun}", *self._loses()]

    def _loses(self) -> list[str]:
        """What deleting it loses with it, as x-api ``holds`` says: in bold, for a reviewer."""
        holds = self.api.holds if self.api is not None else None
        return [f"**{holds} go with it** (set `protect` or `retain_on_delete` to keep them)"] if holds else []

    def destroy(self, change: Change) -> str:
        """What destroying the old resource does: ``delete``, ``forget`` or the operation the
        resource's own option names (``archive``), as x-api ``destroy`` says."""
        destroy = self.api.destroy if self.api is not None else "delete"
        if isinstance(destroy, Mapping):
            return str(change.old_option(str(destroy["option"])) or "delete")
        return destroy


@cache
def meaning_of(type_name: str) -> Meaning:
    """The :class:`Meaning` of ``type_name``: the class of that name in its package's ``meaning``
    module when there is one, else the default."""
    module_name = f"pulumi_agents.{resource_types()[type_name]}.meaning"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        return Meaning(type_name)
    hook = getattr(module, type_name, Meaning)
    if not (isinstance(hook, type) and issubclass(hook, Meaning)):
        raise TypeError(f"{module_name}.{type_name} is not a review Meaning")
    return hook(type_name)
