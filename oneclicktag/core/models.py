"""Base models: audit fields, tenant ownership, soft delete."""

from __future__ import annotations

import uuid
from typing import Any, Self

from django.conf import settings
from django.db import models
from safedelete.config import DELETED_VISIBLE
from safedelete.managers import SafeDeleteAllManager, SafeDeleteDeletedManager, SafeDeleteManager
from safedelete.models import SOFT_DELETE_CASCADE, SafeDeleteModel
from safedelete.queryset import SafeDeleteQueryset


class AuditedModel(models.Model):
    """UUID primary key plus who created/changed the row and when."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True


class TenantQuerySet(models.QuerySet[Any]):
    def for_organization(self, organization: models.Model | uuid.UUID | str) -> Self:
        return self.filter(organization=organization)


class TenantSafeDeleteQuerySet(SafeDeleteQueryset, TenantQuerySet):
    pass


class TenantManager(models.Manager[Any]):
    def get_queryset(self) -> TenantQuerySet:
        return TenantQuerySet(self.model, using=self._db)

    def for_organization(self, organization: models.Model | uuid.UUID | str) -> TenantQuerySet:
        return self.get_queryset().for_organization(organization)


class TenantSafeDeleteManager(SafeDeleteManager):
    """Hides soft-deleted rows; `for_organization` scopes to one tenant."""

    _queryset_class = TenantSafeDeleteQuerySet

    def for_organization(self, organization: models.Model | uuid.UUID | str) -> Any:
        return self.get_queryset().filter(organization=organization)


class TenantSafeDeleteAllManager(SafeDeleteAllManager):
    """Every row, deleted ones included, for UPDATEs too. The installed safedelete narrows a bulk
    `update()` through an all-rows manager to live rows unless visibility is forced, which made
    writes to removed trackings (their Ads ids, errors, restores) silently change nothing."""

    _queryset_class = TenantSafeDeleteQuerySet

    def get_queryset(self) -> Any:
        return super().get_queryset().all(force_visibility=DELETED_VISIBLE)

    def for_organization(self, organization: models.Model | uuid.UUID | str) -> Any:
        return self.get_queryset().filter(organization=organization)


class TenantSafeDeleteDeletedManager(SafeDeleteDeletedManager):
    _queryset_class = TenantSafeDeleteQuerySet

    def for_organization(self, organization: models.Model | uuid.UUID | str) -> Any:
        return self.get_queryset().filter(organization=organization)


class TenantOwnedModel(AuditedModel):
    """A row that belongs to exactly one organization. Every query of it must be scoped.

    The organization model is named by `settings.TENANT_MODEL`, so the core imports no app.
    """

    organization = models.ForeignKey(
        settings.TENANT_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    objects = TenantManager()

    class Meta:
        abstract = True


class SoftDeletableTenantModel(SafeDeleteModel, TenantOwnedModel):
    """Tenant-owned and soft-deleted: `objects` hides deleted rows, `all_objects` shows them."""

    _safedelete_policy = SOFT_DELETE_CASCADE

    objects = TenantSafeDeleteManager()  # type: ignore[assignment,misc]
    all_objects = TenantSafeDeleteAllManager()  # type: ignore[misc]
    deleted_objects = TenantSafeDeleteDeletedManager()  # type: ignore[misc]

    class Meta:
        abstract = True


class IdempotencyRecord(models.Model):
    """The stored answer to a POST sent with an `Idempotency-Key`, replayed to a retry.

    Keys belong to a caller (a person or an API key), not to an organization: a person's key
    means the same thing whichever organization header they send, and the request hash covers
    the rest (method, path, organization header, body).
    """

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey(
        settings.TENANT_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    caller = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True, blank=True)
    response_location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            # The claim: a second request with the same key waits on this index and then
            # finds the first one's answer.
            models.UniqueConstraint(fields=["caller", "key"], name="idempotency_unique_caller_key"),
        ]
        indexes = [
            # The hourly purge of expired records.
            models.Index(fields=["expires_at"], name="idempotency_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.caller} {self.key} -> {self.response_status}"


class ScheduleOutcome(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ScheduledJob(models.Model):
    """The last run of one entry of the beat schedule (oneclicktag/celery.py), recorded by the
    worker that ran it (oneclicktag.core.schedules). What runs and how often is read from the
    code, never stored: this row only remembers what happened."""

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=100, unique=True)
    task = models.CharField(max_length=200)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=16, choices=ScheduleOutcome.choices, blank=True)
    # What the task returned (a count, mostly) or the error it raised, shortened.
    last_result = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "schedule"
        verbose_name_plural = "schedules"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name
