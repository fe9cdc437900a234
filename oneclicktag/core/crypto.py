"""Tokens at rest: Fernet with every key of TOKEN_ENCRYPTION_KEYS (newest first).

Encryption always uses the newest key; decryption tries each key, so a prepended key takes over
at once and `manage.py rotate_token_keys` re-encrypts old rows before the old key is dropped.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class TokenDecryptionError(Exception):
    """No configured key opens this token (a key was dropped before rotating)."""


def _fernet() -> MultiFernet:
    keys = list(settings.TOKEN_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS must hold at least one key.")
    try:
        return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS holds a value that is not a Fernet key."
        ) from exc


def encrypt_token(value: str) -> str:
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode()


def decrypt_token(value: str) -> str:
    if not value:
        return ""
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken as exc:
        raise TokenDecryptionError("No configured key decrypts this token.") from exc


def reencrypt_token(value: str) -> str:
    """The same secret under the newest key (unchanged text when it is already)."""
    if not value:
        return ""
    try:
        return _fernet().rotate(value.encode()).decode()
    except InvalidToken as exc:
        raise TokenDecryptionError("No configured key decrypts this token.") from exc


def encrypted_with_newest_key(value: str) -> bool:
    """True when the newest key alone opens `value` (nothing to rotate)."""
    if not value:
        return True
    newest = settings.TOKEN_ENCRYPTION_KEYS[0]
    try:
        Fernet(newest.encode() if isinstance(newest, str) else newest).decrypt(value.encode())
    except InvalidToken:
        return False
    return True
