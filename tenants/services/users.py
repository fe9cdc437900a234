"""People: the user behind a Firebase identity."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from tenants.models import User


def user_get_or_create_from_firebase(*, claims: dict[str, Any], found: User | None = None) -> User:
    """The first valid token creates the user; later ones find it by Firebase uid.

    An e-mail address counts only when Firebase says it is verified (`email_verified` true):
    anyone can put any address on a Firebase account, so an unverified one never binds a token
    to an existing user, creates a user or changes a stored address (issue 13: an unverified
    `staff@example.com` took the superuser over).

    `found`: the user with this uid when the caller already read it (with its memberships).
    """
    uid = claims.get("uid") or claims.get("sub")
    raw_email = claims.get("email") or ""
    name = claims.get("name") if isinstance(claims.get("name"), str) else ""
    if not isinstance(uid, str) or not uid or len(uid) > 128:
        raise ValueError("The ID token has no usable subject.")
    if not isinstance(raw_email, str):
        raise ValueError("The ID token's email claim is not an address.")
    email = raw_email.strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValueError("The ID token's email claim is not an address.") from exc
    verified = claims.get("email_verified") is True
    user = found if found is not None else User.objects.filter(firebase_uid=uid).first()
    if user is not None:
        # Keep the stored address current when it changed (and was verified) at the provider.
        email_changed = verified and bool(email) and user.email != email
        if email_changed and not User.objects.filter(email=email).exclude(pk=user.pk).exists():
            User.objects.filter(pk=user.pk).update(email=email)
            user.email = email
        return user
    if not email:
        raise ValueError("The ID token carries no email address.")
    if not verified:
        raise ValueError("Verify your email address with the sign-in provider, then sign in again.")
    try:
        with transaction.atomic():
            existing = User.objects.select_for_update().filter(email=email).first()
            if existing is not None:
                if existing.firebase_uid and existing.firebase_uid != uid:
                    raise ValueError("This email address belongs to another identity.")
                existing.firebase_uid = uid
                existing.save(update_fields=["firebase_uid"])
                return existing
            return User.objects.create_user(
                email=email, firebase_uid=uid, display_name=(name or "")[:200]
            )
    except IntegrityError:
        # Two first requests raced; the other one created the user.
        return User.objects.get(firebase_uid=uid)
