"""Registry of API method handlers, keyed by discovery method id.

A handler gets a `Call` (validated parameters and body) and answers `(status, body)`; it raises
`ApiError` for Google errors. The HTTP pipeline (http/api.py) does authentication, quota, faults,
validation and accounting around it, the same way for every method.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .discovery import MethodSpec
from .state import TokenInfo


@dataclass(frozen=True)
class Call:
    spec: MethodSpec
    params: dict[str, Any]
    body: dict[str, Any] | None
    token: TokenInfo

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


Handler = Callable[[Call], tuple[int, Any]]
HANDLERS: dict[str, Handler] = {}


def handles(*method_ids: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for method_id in method_ids:
            HANDLERS[method_id] = fn
        return fn

    return register
