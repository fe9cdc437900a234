"""E-mail to an organization's owners and admins: alerts as they happen (a customer needs
reconnecting, a deployment failed, a webhook endpoint was turned off) and the daily digest.
Each person can opt out of either, per organization. Sent after the caller's transaction
commits; a mail server that fails loses only the e-mail (webhooks and the audit trail keep
the event)."""

from __future__ import annotations

import logging
import smtplib
from typing import Any, Literal

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from tenants.models import Membership, Role

logger = logging.getLogger(__name__)

Kind = Literal["alert", "digest"]


def organization_admin_emails(*, organization_id: Any, kind: Kind) -> list[str]:
    """Owners and admins (active people) who did not opt out of `kind`."""
    memberships = Membership.objects.filter(
        organization_id=organization_id,
        role__in=(Role.OWNER, Role.ADMIN),
        user__is_active=True,
    )
    if kind == "alert":
        memberships = memberships.filter(email_alerts=True)
    else:
        memberships = memberships.filter(email_daily_digest=True)
    return sorted(memberships.values_list("user__email", flat=True))


def organization_email_admins(
    *, organization_id: Any, subject: str, message: str, kind: Kind = "alert"
) -> None:
    """E-mail the owners and admins once the current transaction commits."""
    transaction.on_commit(
        lambda: _send(organization_id=organization_id, subject=subject, message=message, kind=kind)
    )


def _send(*, organization_id: Any, subject: str, message: str, kind: Kind) -> None:
    recipients = organization_admin_emails(organization_id=organization_id, kind=kind)
    if not recipients:
        return
    try:
        # One message per person: nobody learns who else is an admin.
        for recipient in recipients:
            send_mail(
                subject=subject,
                message=message,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[recipient],
                fail_silently=False,
            )
    except (smtplib.SMTPException, OSError):
        logger.warning("Could not e-mail owners and admins", extra={"subject": subject})
