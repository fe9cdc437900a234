"""What one emulator process was started with: where it keeps its files, which redirect URIs
its OAuth side accepts besides loopback ones. Set once by ``python -m google_emulator``; the
emulator reads no settings of any other program (it is not part of the product)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR_ENV = "GOOGLE_EMULATOR_DATA_DIR"


@dataclass
class ProcessOptions:
    # Certificate (and, later, lasting state) live here; `var/emulator` of the working directory
    # unless told otherwise, so `make run` keeps them across restarts.
    data_dir: Path = field(
        default_factory=lambda: Path(os.environ.get(DATA_DIR_ENV) or "var/emulator")
    )
    # Exact redirect URIs, and prefixes (a deployment's public callback base), accepted by the
    # authorization endpoint besides loopback http URIs.
    redirect_uris: list[str] = field(default_factory=list)
    redirect_prefixes: list[str] = field(default_factory=list)


OPTIONS = ProcessOptions()


def configure(
    *,
    data_dir: Path | None = None,
    redirect_uris: list[str] | None = None,
    redirect_prefixes: list[str] | None = None,
) -> ProcessOptions:
    if data_dir is not None:
        OPTIONS.data_dir = data_dir
    if redirect_uris is not None:
        OPTIONS.redirect_uris = list(redirect_uris)
    if redirect_prefixes is not None:
        OPTIONS.redirect_prefixes = [p.rstrip("/") + "/" for p in redirect_prefixes if p]
    return OPTIONS
