"""Inviting people by email. The token is shown once (and e-mailed); only its hash is kept."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from oneclicktag.core.exceptions import Conflict, InvalidInput, NotAllowed
from tenants.actors import Actor
from tenants.models import Invitation, Membership, Organization, Role, User
from tenants.services.audit import audit_record
from tenants.services.organizations import membership_create

logger = logging.getLogger(__name__)

INVITATION_VALIDITY = timedelta(days=7)


@dataclass(frozen=True)
class CreatedInvitation:
    invitation: Invitation
    token: str


def hash_invitation_token(token: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"invitation:{token}".encode(), hashlib.sha256
    ).hexdigest()


def invitation_snapshot(invitation: Invitation) -> dict[str, Any]:
    return {
        "email": invitation.email,
        "role": invitation.role,
        "expires_at": invitation.expires_at.isoformat(),
        "accepted_at": invitation.accepted_at.isoformat() if invitation.accepted_at else None,
        "revoked_at": invitation.revoked_at.isoformat() if invitation.revoked_at else None,
    }


def _send_invitation_email(*, invitation_id: Any, token: str) -> None:
    """Runs after commit. A mail failure must not fail the request that already created the
    invitation (its answer shows the token), so it is logged instead."""
    try:
        _deliver_invitation_email(invitation_id=invitation_id, token=token)
    except (smtplib.SMTPException, OSError):
        logger.warning(
            "Could not e-mail the invitation", extra={"invitation_id": str(invitation_id)}
        )


def _deliver_invitation_email(*, invitation_id: Any, token: str) -> None:
    invitation = Invitation.objects.select_related("organization").get(pk=invitation_id)
    accept_url = f"{settings.INVITATION_ACCEPT_URL}?token={token}"
    send_mail(
        subject=f"You are invited to {invitation.organization.name} on OneClickTag",
        message=(
            f"You have been invited to join {invitation.organization.name} on OneClickTag as "
            f"{invitation.role}.\n\nAccept the invitation: {accept_url}\n\nOr send this token to "
            f"POST /api/v1/invitations/accept/: {token}\n\n"
            f"The invitation expires on {invitation.expires_at:%Y-%m-%d %H:%M} UTC."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
        fail_silently=False,
    )


@transaction.atomic
def invitation_create(
    *, organization: Organization, email: str, role: str, actor: Actor, actor_role: str
) -> CreatedInvitation:
    email = email.strip().lower()
    if role not in Role.values:
        raise InvalidInput({"role": [f"Choose one of {', '.join(Role.values)}."]})
    if role == Role.OWNER and actor_role != Role.OWNER:
        raise NotAllowed("Only an owner can invite another owner.")
    if Membership.objects.filter(organization=organization, user__email=email).exists():
        raise Conflict("This person is already a member of the organization.")
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=hash_invitation_token(token),
        expires_at=timezone.now() + INVITATION_VALIDITY,
        created_by=actor.user,
        updated_by=actor.user,
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="invitation.create",
        object_type="invitation",
        object_id=invitation.pk,
        after=invitation_snapshot(invitation),
    )
    if settings.EMAIL_ENABLED:
        # After commit: no mail for a rolled-back invitation, and no SMTP inside a transaction.
        invitation_id = invitation.pk
        transaction.on_commit(
            lambda: _send_invitation_email(invitation_id=invitation_id, token=token)
        )
    return CreatedInvitation(invitation=invitation, token=token)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Actor) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already accepted; remove the member instead.")
    if invitation.revoked_at is not None:
        return invitation
    before = invitation_snapshot(invitation)
    invitation.revoked_at = timezone.now()
    invitation.updated_by = actor.user
    invitation.save(update_fields=["revoked_at", "updated_by", "updated_at"])
    audit_record(
        organization=invitation.organization_id,
        actor=actor,
        action="invitation.revoke",
        object_type="invitation",
        object_id=invitation.pk,
        before=before,
        after=invitation_snapshot(invitation),
    )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User, verified_email: str) -> Membership:
    """The signed-in person joins with the invited role. The address their sign-in verified
    (`verified_email`, empty when unverified) must be the invited one: the stored address of an
    account proves nothing about who holds the token now."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organization")
        .filter(token_hash=hash_invitation_token(token), organization__deleted__isnull=True)
        .first()
    )
    # One answer for unknown, revoked, used and expired: a token guesser learns nothing.
    invalid = InvalidInput(
        {"token": ["This invitation is invalid, expired, revoked or already used."]}
    )
    if invitation is None or invitation.revoked_at or invitation.accepted_at:
        raise invalid
    if invitation.expires_at <= timezone.now():
        raise invalid
    if not verified_email:
        raise NotAllowed("Verify your email address with the sign-in provider, then accept.")
    if invitation.email != verified_email.strip().lower() or user.email.lower() != invitation.email:
        raise NotAllowed(
            "This invitation was sent to another email address; sign in as that person."
        )
    actor = Actor(user=user)
    before = invitation_snapshot(invitation)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    audit_record(
        organization=invitation.organization_id,
        actor=actor,
        action="invitation.accept",
        object_type="invitation",
        object_id=invitation.pk,
        before=before,
        after=invitation_snapshot(invitation),
    )
    return membership_create(
        organization=invitation.organization, user=user, role=invitation.role, actor=actor
    )
