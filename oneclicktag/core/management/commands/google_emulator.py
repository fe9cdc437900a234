"""`python manage.py google_emulator [--http HOST:PORT] [--grpc HOST:PORT]`: the local Google.

The emulator is not part of the product (`google_emulator/`, absent from the production image):
this command only starts `python -m google_emulator` in place of itself, with the addresses,
redirect URIs and data directory this deployment's settings name.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

EMULATOR_MODULE = "google_emulator"


def emulator_command(*, http: str, grpc: str) -> list[str]:
    """The emulator's command line for this project's settings (also used by `run_embedded`)."""
    command = [sys.executable, "-m", EMULATOR_MODULE, "--http", http, "--grpc", grpc]
    command += ["--data-dir", str(Path(settings.VAR_DIR) / "emulator")]
    for uri in settings.ALLOWED_REDIRECT_URIS:
        command += ["--redirect-uri", uri]
    if settings.PUBLIC_BASE_URL:
        command += ["--redirect-prefix", str(settings.PUBLIC_BASE_URL)]
    return command


def emulator_is_installed() -> bool:
    return (Path(settings.BASE_DIR) / EMULATOR_MODULE / "__main__.py").is_file()


class Command(BaseCommand):
    help = "Run the Google emulator: GTM v2, GA4 Admin and OAuth over HTTP, Google Ads over gRPC."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--http", default=settings.GOOGLE_EMULATOR_URL, help="HOST:PORT")
        parser.add_argument("--grpc", default=settings.GOOGLE_EMULATOR_GRPC, help="HOST:PORT")

    def handle(self, *args: Any, **options: Any) -> None:
        if not emulator_is_installed():
            raise CommandError(
                "The Google emulator is not installed here (it ships with the source tree, "
                "never in the production image)."
            )
        command = emulator_command(http=options["http"], grpc=options["grpc"])
        os.chdir(settings.BASE_DIR)
        # Replaces this process: signals and the exit status are the emulator's own.
        os.execv(command[0], command)  # noqa: S606 - a fixed argv, no shell
