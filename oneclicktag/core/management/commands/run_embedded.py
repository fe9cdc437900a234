"""`python manage.py run_embedded [--port N]`: the whole product on one machine, no servers.

What `make run` starts after `migrate`: the Google emulator, a Celery worker and Celery beat
(on the broker the settings chose: a filesystem broker without REDIS_URL) and the API on
127.0.0.1:PORT, each as a child process. When any child dies, or on SIGINT/SIGTERM, every
child is stopped, so nothing is left running in the background.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from oneclicktag.core.management.commands.google_emulator import (
    emulator_command,
    emulator_is_installed,
)

STOP_GRACE_SECONDS = 10.0
READY_TIMEOUT_SECONDS = 60.0
POLL_SECONDS = 0.2


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None


class Stop(Exception):
    """Raised by the signal handlers to leave the supervision loop."""


def _manage_py() -> str:
    return str(Path(settings.BASE_DIR) / "manage.py")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _host_port(address: str) -> tuple[str, int]:
    if "://" in address:
        parts = urlsplit(address)
        if parts.hostname is None or parts.port is None:
            raise CommandError(f"Cannot tell host and port from {address!r}.")
        return parts.hostname, parts.port
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise CommandError(f"Cannot tell host and port from {address!r}.")
    return host, int(port)


def _base_url(host: str, port: int) -> str:
    """How a browser on this machine reaches the API (a wildcard bind is reached on loopback)."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - compared, not bound
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


class Command(BaseCommand):
    help = (
        "Run the embedded mode: Google emulator, Celery worker and beat, and the API on "
        "127.0.0.1:PORT; Ctrl-C stops everything."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT", "8000")), help="API port."
        )
        parser.add_argument("--host", default="127.0.0.1", help="API address to bind.")
        parser.add_argument(
            "--no-emulator",
            action="store_true",
            help="Do not start the Google emulator (GOOGLE_BACKEND=live, or one runs already).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        if not 0 < port < 65536:
            raise CommandError("--port must be between 1 and 65535.")
        if _port_open(host, port):
            raise CommandError(f"{host}:{port} is in use; choose another with --port or PORT.")
        with_emulator = self._wants_emulator(options)
        if with_emulator:
            for address in (settings.GOOGLE_EMULATOR_URL, settings.GOOGLE_EMULATOR_GRPC):
                if _port_open(*_host_port(address)):
                    raise CommandError(
                        f"{address} (the Google emulator's) is in use: set GOOGLE_EMULATOR_URL/"
                        "GOOGLE_EMULATOR_GRPC to free ports, or pass --no-emulator to use the "
                        "emulator that runs there."
                    )
        self._prepare_var_dir()
        children = self._children(host, port, with_emulator=with_emulator)
        env = self._child_env(host, port)
        previous = {
            sig: signal.signal(sig, self._raise_stop) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        exit_code = 0
        try:
            for child in children:
                self._start(child, env)
                if child.name == "emulator":
                    self._wait_for_emulator(child)
            self._wait_for_api(children, host, port)
            self._print_banner(host, port)
            exit_code = self._supervise(children)
        except Stop:
            self.stdout.write("Stopping…")
        finally:
            self._stop_all(children)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if exit_code:
            raise CommandError("A process of the embedded mode stopped; everything was stopped.")

    # --- setup ---------------------------------------------------------------------------
    def _wants_emulator(self, options: dict[str, Any]) -> bool:
        if settings.GOOGLE_BACKEND != "emulator" or options["no_emulator"]:
            return False
        if not emulator_is_installed():
            raise CommandError(
                "GOOGLE_BACKEND=emulator, but the Google emulator is not installed here: "
                "pass --no-emulator and point GOOGLE_EMULATOR_URL at a running one."
            )
        return True

    def _prepare_var_dir(self) -> None:
        var_dir = Path(settings.VAR_DIR)
        folders = [var_dir]
        transport = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            if transport.get(key):
                folders.append(Path(transport[key]))
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
        # Metrics of the previous run's processes would add up with this run's: start empty.
        metrics_dir = self._metrics_dir()
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)

    def _metrics_dir(self) -> Path:
        return Path(settings.VAR_DIR) / "prometheus"

    def _child_env(self, host: str, port: int) -> dict[str, str]:
        env = dict(os.environ)
        # Google's OAuth consent sends the browser back to PUBLIC_BASE_URL: on another --port
        # (or PORT) it must name this server, not the default :8000 (nothing there, or another
        # instance that refuses the state). An explicit PUBLIC_BASE_URL is kept.
        if not os.environ.get("PUBLIC_BASE_URL"):
            env["PUBLIC_BASE_URL"] = _base_url(host, port)
        # Children must see the same configuration, whatever defaults this process used.
        env.update(
            {
                "ENVIRONMENT": settings.ENVIRONMENT,
                "VAR_DIR": str(settings.VAR_DIR),
                "GOOGLE_EMULATOR_URL": settings.GOOGLE_EMULATOR_URL,
                "GOOGLE_EMULATOR_GRPC": settings.GOOGLE_EMULATOR_GRPC,
                "DJANGO_SETTINGS_MODULE": os.environ.get(
                    "DJANGO_SETTINGS_MODULE", "oneclicktag.settings"
                ),
                "PYTHONUNBUFFERED": "1",
                # web, worker and beat write their metrics here; /metrics adds them up.
                "PROMETHEUS_MULTIPROC_DIR": str(self._metrics_dir()),
            }
        )
        return env

    def _children(self, host: str, port: int, *, with_emulator: bool) -> list[Child]:
        python, manage = sys.executable, _manage_py()
        children = []
        if with_emulator:
            children.append(
                Child(
                    "emulator",
                    emulator_command(
                        http=settings.GOOGLE_EMULATOR_URL, grpc=settings.GOOGLE_EMULATOR_GRPC
                    ),
                )
            )
        celery = [python, "-m", "celery", "-A", "oneclicktag"]
        children += [
            # One task at a time: SQLite has one writer, and deployments are serialized anyway.
            Child(
                "worker",
                [
                    *celery,
                    "worker",
                    "-Q",
                    "celery,webhooks,site_checks",
                    "--pool",
                    "solo",
                    "--loglevel",
                    "INFO",
                ],
            ),
            Child(
                "beat",
                [
                    *celery,
                    "beat",
                    "--loglevel",
                    "INFO",
                    "--schedule",
                    str(settings.CELERY_BEAT_SCHEDULE_FILENAME),
                ],
            ),
            Child("web", [python, manage, "runserver", f"{host}:{port}", "--noreload"]),
        ]
        return children

    def _start(self, child: Child, env: dict[str, str]) -> None:
        # A session of its own: a signal for us is not also delivered to it by the terminal,
        # so we stop the children in order and can wait for each.
        child.process = subprocess.Popen(
            child.argv, env=env, cwd=str(settings.BASE_DIR), start_new_session=True
        )
        self.stdout.write(f"started {child.name} (pid {child.process.pid})")

    def _raise_stop(self, signum: int, frame: Any) -> None:
        raise Stop()

    # --- readiness -----------------------------------------------------------------------
    def _wait_for_emulator(self, child: Child) -> None:
        host, port = _host_port(settings.GOOGLE_EMULATOR_URL)
        self._wait(lambda: _port_open(host, port), [child], "the Google emulator")

    def _wait_for_api(self, children: list[Child], host: str, port: int) -> None:
        url = f"http://{host}:{port}/healthz"

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    return bool(response.status == 200)
            except (urllib.error.URLError, OSError):
                return False

        self._wait(healthy, children, "the API")

    def _wait(self, ready: Any, children: list[Child], what: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not ready():
            dead = self._first_dead(children)
            if dead is not None:
                raise CommandError(f"{dead.name} exited while waiting for {what}.")
            if time.monotonic() > deadline:
                raise CommandError(f"{what} was not ready after {READY_TIMEOUT_SECONDS:.0f} s.")
            time.sleep(POLL_SECONDS)

    def _print_banner(self, host: str, port: int) -> None:
        base = f"http://{host}:{port}"
        lines = [
            "",
            f"OneClickTag is running ({settings.ENVIRONMENT}, broker {self._broker_name()}).",
            f"  API:        {base}/api/v1/",
            f"  API docs:   {base}/api/docs/   (ReDoc: {base}/api/redoc/)",
            f"  Admin:      {base}/admin/   (python manage.py createsuperuser makes a login)",
            "  Dev token:  python manage.py dev_token you@example.com",
            f'  First call: curl -H "Authorization: Bearer $TOKEN" {base}/api/v1/me',
        ]
        if settings.GOOGLE_BACKEND == "emulator":
            lines.append(f"  Google emulator: {settings.GOOGLE_EMULATOR_URL}")
        lines.append("Ctrl-C stops everything.")
        self.stdout.write("\n".join(lines))
        self.stdout.flush()

    def _broker_name(self) -> str:
        return str(settings.CELERY_BROKER_URL).split("://", 1)[0]

    # --- supervision ---------------------------------------------------------------------
    def _first_dead(self, children: list[Child]) -> Child | None:
        for child in children:
            if child.process is not None and child.process.poll() is not None:
                return child
        return None

    def _supervise(self, children: list[Child]) -> int:
        while True:
            dead = self._first_dead(children)
            if dead is not None:
                code = dead.process.returncode if dead.process is not None else -1
                self.stderr.write(f"{dead.name} exited with status {code}; stopping the rest.")
                return 1
            time.sleep(POLL_SECONDS * 2.5)

    def _stop_all(self, children: list[Child]) -> None:
        # Ignore further signals while shutting down: a second Ctrl-C must not leave orphans.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        running = [c for c in children if c.process is not None and c.process.poll() is None]
        for child in reversed(running):
            assert child.process is not None
            try:
                os.killpg(child.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in reversed(running):
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{child.name} did not stop in time; killing it.")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
        self.stdout.write("All processes stopped.")
