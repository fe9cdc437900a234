"""Lasting state: every store of ``STATE`` kept in one file under the data directory.

`make run` stops and starts the emulator with the product; the product's database still names
the containers, streams, conversion actions and OAuth grants the emulator handed out, so the
emulator must find them again. `attach(path)` loads the file (a missing or unreadable one starts
from the seed, with a log line saying which and why; an unreadable one is kept aside as
``<name>.corrupt-<unix time>`` for a person to look at) and from then on a writer thread saves the
stores shortly after every change (`STATE.changed()`), atomically: a temporary file in the same
directory, flushed and fsynced, then renamed over the old one, so a crash mid-write leaves the
previous state. `flush()` saves now (at shutdown).

Only the stores are kept (Google's data and the OAuth grants). The control config (faults,
latency, quota sizes), call statistics and quota windows are the test harness's and start fresh
with every process, as they do after `/_emulator/reset`.

The format is a pickle of the stores: the file is written and read only by this program, in its
own data directory. A file written by a different emulator version that no longer unpickles is
"unreadable" like a corrupted one.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from .state import STATE

logger = logging.getLogger("google_emulator.persistence")
STATE_FILE_NAME = "state.pickle"
FORMAT = "google_emulator.state/1"
# Changes arriving within this many seconds of each other are saved together.
COALESCE_SECONDS = 0.05


class _Writer:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._io_lock = threading.Lock()  # one write at a time, thread or flush()
        self._thread = threading.Thread(target=self._run, name="emulator-state", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            STATE.wait_for_change()
            time.sleep(COALESCE_SECONDS)
            try:
                self.save()
            except OSError:
                logger.exception("could not save the emulator state to %s", self.path)

    def save(self) -> None:
        with self._io_lock:
            with STATE.lock:  # a consistent picture: no request changes a store meanwhile
                payload = pickle.dumps({"format": FORMAT, "stores": STATE.stores()})
            _atomic_write(self.path, payload)


# The one writer of this process (attach() makes it), in a holder rather than a global statement.
_WRITER: dict[str, _Writer] = {}


def _atomic_write(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # The rename itself lasts only once the directory entry is on disk.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _read(path: Path) -> dict[str, Any] | None:
    """The stores saved in `path`, or None (logged) when there are none to use."""
    if not path.exists():
        logger.info("no emulator state at %s: starting from the seed", path)
        return None
    try:
        # Written by this program into its own data directory (module docstring).
        loaded = pickle.loads(path.read_bytes())  # noqa: S301
        if not isinstance(loaded, dict) or loaded.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        stores = loaded["stores"]
        if not isinstance(stores, dict):
            raise ValueError("no stores in it")
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means: unusable
        aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
        os.replace(path, aside)
        logger.warning(
            "emulator state %s is unreadable (%s: %s): starting from the seed; "
            "the unreadable file is kept as %s",
            path,
            type(exc).__name__,
            exc,
            aside,
        )
        return None
    return stores


def attach(data_dir: Path) -> Path:
    """Load the state file of `data_dir` into `STATE` and keep it saved from now on."""
    path = data_dir / STATE_FILE_NAME
    stores = _read(path)
    if stores is not None:
        kept = STATE.restore(stores)
        logger.info("emulator state loaded from %s (%s)", path, ", ".join(sorted(kept)))
    writer = _WRITER["writer"] = _Writer(path)
    writer.save()  # the file exists (and is readable) from the first moment on
    return path


def flush() -> None:
    """Save now; a no-op when no state file is attached."""
    writer = _WRITER.get("writer")
    if writer is not None:
        writer.save()
