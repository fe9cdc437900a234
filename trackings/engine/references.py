"""Why GTM refused to compile a workspace, found by us: Google answers a bare
`compilerError: true` (workspaces.create_version reference), naming nothing.

The references GTM's compiler resolves, checked on the workspace as listed: a tag firing on (or
blocked by) a trigger that does not exist, a `{{Name}}` that is neither a user variable nor an
enabled built-in variable. The deployment names what it finds, and the trackings whose entities
are at fault fail alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Built-in triggers every web container has without a trigger entity (All Pages, Consent
# Initialization, Initialization).
BUILT_IN_TRIGGER_IDS = frozenset({"2147479553", "2147479572", "2147479573"})
# `{{_event}}` is always defined (the event of the current dataLayer push).
ALWAYS_DEFINED = frozenset({"_event"})
_REFERENCE = re.compile(r"\{\{([^{}]+)\}\}")
_TRIGGER_LISTS = ("firingTriggerId", "blockingTriggerId")
_SKIPPED_KEYS = frozenset({"name", "notes", "type", "fingerprint", "path", "tagManagerUrl"})


@dataclass(frozen=True)
class ReferenceProblem:
    kind: str  # tag, trigger, variable
    name: str  # the entity's name
    reference: str

    @property
    def message(self) -> str:
        what = "trigger" if self.reference.isdigit() else "variable"
        return (
            f"{self.kind} '{self.name}' references {what} '{self.reference}', which does not exist"
        )


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def reference_problems(entities: dict[str, list[dict[str, Any]]]) -> list[ReferenceProblem]:
    """Dangling references in a workspace listed by `list_entities` (tag, trigger, variable,
    builtInVariable)."""
    trigger_ids = {str(t.get("triggerId")) for t in entities.get("trigger", [])}
    trigger_ids |= BUILT_IN_TRIGGER_IDS
    defined = {str(v.get("name")) for v in entities.get("variable", [])}
    defined |= {str(b.get("name")) for b in entities.get("builtInVariable", [])}
    defined |= ALWAYS_DEFINED
    problems: list[ReferenceProblem] = []
    for kind in ("tag", "trigger", "variable"):
        for entity in entities.get(kind, []):
            name = str(entity.get("name", ""))
            for key in _TRIGGER_LISTS:
                for ref in entity.get(key) or []:
                    if str(ref) not in trigger_ids:
                        problems.append(ReferenceProblem(kind, name, str(ref)))
            for key, value in entity.items():
                if key in _SKIPPED_KEYS or key.endswith("Id"):
                    continue
                for text in _strings(value):
                    for ref in _REFERENCE.findall(text):
                        if ref not in defined:
                            problems.append(ReferenceProblem(kind, name, ref))
    return problems
