"""Re-encrypt every Google connection's tokens with the newest TOKEN_ENCRYPTION_KEYS key.

Rotation: prepend a new key to TOKEN_ENCRYPTION_KEYS, deploy, run this, then drop the old key.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from customers.models import GoogleConnection
from integrations.google.services.tokens import connection_rotate_token_keys
from oneclicktag.core.crypto import TokenDecryptionError


class Command(BaseCommand):
    help = "Re-encrypt stored Google tokens with the newest key of TOKEN_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        ids = list(
            GoogleConnection.objects.exclude(refresh_token_encrypted="", access_token_encrypted="")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        rotated, failed = 0, []
        for connection_id in tqdm(
            ids, desc="Re-encrypting", unit="connection", disable=options["verbosity"] < 1
        ):
            try:
                rotated += connection_rotate_token_keys(connection_id=connection_id)
            except TokenDecryptionError:
                failed.append(str(connection_id))
        self.stdout.write(f"{rotated} of {len(ids)} connections re-encrypted with the newest key.")
        if failed:
            raise CommandError(
                f"{len(failed)} connections hold tokens no configured key opens "
                f"(was a key dropped too early?): {', '.join(failed)}"
            )
