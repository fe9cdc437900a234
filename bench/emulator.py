"""Start the Google emulator for a benchmark run, as `make run` would: its own process."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningEmulator:
    http_url: str
    grpc_target: str

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(f"{self.http_url}{path}", timeout=10) as response:
            return bytes(response.read())

    def configure(self, body: dict[str, Any]) -> None:
        request = urllib.request.Request(
            f"{self.http_url}/_emulator/config",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()


@contextlib.contextmanager
def running_emulator(workdir: Path) -> Iterator[RunningEmulator]:
    http_port, grpc_port = free_port(), free_port()
    emulator = RunningEmulator(f"http://127.0.0.1:{http_port}", f"127.0.0.1:{grpc_port}")
    log = workdir / "emulator.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "google_emulator",
                "--http",
                f"127.0.0.1:{http_port}",
                "--grpc",
                emulator.grpc_target,
                "--data-dir",
                str(workdir / "emulator"),
            ],
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the emulator exited:\n{log.read_text()}")
            with contextlib.suppress(OSError):
                emulator.get("/_emulator/stats")
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the emulator did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield emulator
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
