"""Prints an unsigned Firebase emulator ID token for EMAIL, for curl and the API docs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from tenants.emulator_tokens import emulator_id_token


class Command(BaseCommand):
    help = "Print a Firebase emulator ID token for EMAIL (development and test only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument(
            "--lifetime", type=int, default=3600, help="Seconds until it expires (max 1 day)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.IS_PRODUCTION or not settings.FIREBASE_AUTH_EMULATOR_HOST:
            raise CommandError(
                "dev_token only works with the Firebase Auth emulator (never in production): "
                "unsigned tokens are refused otherwise."
            )
        email = options["email"].strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"Not an email address: {options['email']!r}.") from exc
        lifetime = options["lifetime"]
        if not 60 <= lifetime <= 86400:
            raise CommandError("--lifetime must be between 60 and 86400 seconds.")
        self.stdout.write(emulator_id_token(email, lifetime_seconds=lifetime))
