"""Making this process's gRPC trust the Google emulator's certificate.

The Google Ads client speaks gRPC over TLS only, and gRPC reads its trust roots from
``GRPC_DEFAULT_SSL_ROOTS_FILE_PATH`` once per process, before its first channel. So the
emulator's certificate (from ``GOOGLE_EMULATOR_CA_FILE``, else from the emulator's
``/_emulator/ca.pem``) is written into a bundle together with the roots already configured, and
the variable points at the bundle. One bundle a process, removed when the process ends; bundles
left by processes that died are removed by the next one.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import threading
from functools import cache
from pathlib import Path

import requests
from django.conf import settings

from integrations.google.calls import http_timeout
from integrations.google.errors import TransientGoogleError

GRPC_ROOTS_ENV = "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"
_BUNDLE_NAME = re.compile(r"^grpc-roots-(\d+)\.pem$")
_lock = threading.Lock()


def ensure_emulator_trust() -> None:
    """With GOOGLE_BACKEND=emulator, make gRPC trust the emulator (once per process)."""
    if settings.GOOGLE_BACKEND == "emulator":
        _trust_emulator(
            str(settings.GOOGLE_EMULATOR_URL).rstrip("/"), str(settings.GOOGLE_EMULATOR_CA_FILE)
        )


@cache
def _trust_emulator(emulator_url: str, ca_file: str) -> None:
    with _lock:
        certificate = _emulator_certificate(emulator_url, ca_file)
        current = os.environ.get(GRPC_ROOTS_ENV)
        if current and Path(current).is_file() and certificate in Path(current).read_bytes():
            return
        folder = Path(settings.VAR_DIR) / "emulator-trust"
        _remove_bundles_of_dead_processes(folder)
        bundle = install_grpc_trust(certificate, folder / f"grpc-roots-{os.getpid()}.pem")
        atexit.register(_remove, bundle)


def _emulator_certificate(emulator_url: str, ca_file: str) -> bytes:
    if ca_file:
        return Path(ca_file).read_bytes().strip()
    try:
        response = requests.get(emulator_url + "/_emulator/ca.pem", timeout=http_timeout())
        response.raise_for_status()
    except requests.RequestException as exc:
        raise TransientGoogleError(
            "Could not fetch the Google emulator's certificate.", api="ads"
        ) from exc
    return response.content.strip()


def install_grpc_trust(cert_pem: bytes, bundle_path: Path | str) -> Path:
    """Make this process's gRPC trust ``cert_pem``; call it before the first channel exists.

    The variable may already be set (this machine points it at the system bundle), so "set it
    if absent" is not enough: the bundle holds the certificate plus the roots already named
    there, so real Google hosts stay trusted too.
    """
    bundle = Path(bundle_path)
    previous = os.environ.get(GRPC_ROOTS_ENV)
    roots = cert_pem.rstrip(b"\n") + b"\n"
    if previous and Path(previous).is_file() and Path(previous) != bundle:
        roots += Path(previous).read_bytes()
    bundle.parent.mkdir(parents=True, exist_ok=True)
    tmp = bundle.with_name(f".{bundle.name}.tmp")
    tmp.write_bytes(roots)
    os.replace(tmp, bundle)
    os.environ[GRPC_ROOTS_ENV] = str(bundle)
    return bundle


def _remove_bundles_of_dead_processes(folder: Path) -> None:
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        match = _BUNDLE_NAME.match(path.name)
        if match and not _process_exists(int(match.group(1))):
            _remove(path)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
