"""Regular expressions as GTM reads them: with JavaScript's engine, not Python's.

GTM matches a trigger's "matches RegEx" condition in the browser, with `new RegExp(value)`.
Python's `re` accepts patterns JavaScript refuses (`(?i)…`, `(?P<name>…)`) and reads some
differently (`\\A`, `\\Z` are anchors to Python, letters to JavaScript); so a pattern is
compiled by V8 itself (mini-racer, the engine Chrome runs GTM with). Compiling never runs the
pattern, so a hostile one costs nothing; the answers are cached.
"""

from __future__ import annotations

import threading
from functools import cache, lru_cache
from typing import Any

_LOCK = threading.Lock()
_SOURCE = "(p) => { try { new RegExp(p); return null } catch (e) { return String(e.message) } }"
# Python-only escapes that JavaScript (without the `u` flag GTM does not set) reads as letters.
_PYTHON_ONLY = {"\\A": "the start of the text", "\\Z": "the end of the text"}


@cache
def _racer() -> Any:
    """One V8 isolate for the process, made on first use and kept (closing it stops its loop)."""
    from py_mini_racer import MiniRacer

    return MiniRacer()


@cache
def _checker() -> Any:
    return _racer().eval(_SOURCE)


@lru_cache(maxsize=4096)
def js_regex_problem(pattern: str) -> str | None:
    """Why GTM (JavaScript) cannot use this pattern as meant, or None."""
    with _LOCK:
        error = _checker()(pattern)
    if error:
        return f"JavaScript (GTM) cannot compile this regular expression: {error}."
    for escape, meaning in _PYTHON_ONLY.items():
        if escape in pattern.replace("\\\\", ""):
            return (
                f"{escape} means {meaning} in Python but the letter {escape[1]} in JavaScript "
                "(GTM); use ^ or $."
            )
    return None
