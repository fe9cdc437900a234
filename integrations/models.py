"""State of the Google integration that is not a customer's connection itself."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class OAuthState(models.Model):
    """One authorization attempt: the server half of the signed `state` and the PKCE verifier.

    The callback consumes the row with a conditional UPDATE (single use), checks it against the
    signed payload (organization, customer, user) and its expiry.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "tenants.Organization", on_delete=models.CASCADE, related_name="+"
    )
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey(
        "tenants.ApiKey", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Encrypted like the tokens: with it and a leaked code, anyone could redeem the grant.
    code_verifier_encrypted = models.TextField()
    redirect_uri = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Google sign-in state"
        verbose_name_plural = "Google sign-in states"
        indexes = [
            # The hourly purge deletes expired attempts.
            models.Index(fields=["expires_at"], name="oauthstate_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"OAuth attempt {self.pk} for customer {self.customer_id}"


class GtmQuotaBucket(models.Model):
    """The GTM quota bucket of one Google Cloud project in embedded mode (no Redis).

    Mirrors the Redis layout of integrations.google.quota: the tokens in the sliding window
    with their stamps, the Pacific day's count and who is waiting for how many calls. `served`
    (when each organization was last served) is no longer read: turns are ordered by calls in
    the window now.
    """

    project = models.CharField(max_length=200, unique=True)
    grants = models.JSONField(default=list)
    day = models.CharField(max_length=10, blank=True)
    day_count = models.PositiveIntegerField(default=0)
    served = models.JSONField(default=dict)
    waiting = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"GTM quota of {self.project}"
