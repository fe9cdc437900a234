"""Trackings (what a customer wants measured), Deployments (the work of making GTM and Ads match)
and ContainerVersions (what we published, for history and rollback)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler

from oneclicktag.core.models import SoftDeletableTenantModel, TenantOwnedModel


class Destination(models.TextChoices):
    GA4 = "ga4", "Google Analytics 4"
    GOOGLE_ADS = "google_ads", "Google Ads"


class TrackingStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Pending"
    DEPLOYING = "deploying", "Deploying"
    LIVE = "live", "Live"
    FAILED = "failed", "Failed"
    REMOVING = "removing", "Removing"
    REMOVED = "removed", "Removed"


# The statuses of a tracking that should exist in GTM after the next deployment. A failed
# tracking stays wanted: the next deployment retries it, so no change is ever lost.
WANTED_STATUSES = (
    TrackingStatus.PENDING,
    TrackingStatus.DEPLOYING,
    TrackingStatus.LIVE,
    TrackingStatus.FAILED,
)


class TrackingHealth(models.TextChoices):
    UNCHECKED = "unchecked", "Unchecked"
    HEALTHY = "healthy", "Healthy"
    DRIFTED = "drifted", "Drifted"
    MISSING = "missing", "Missing"


class VolumeStatus(models.TextChoices):
    """How a live tracking's daily count compares with its usual volume. The stats app judges
    it and keeps it (`tracking.volume`); a tracking it never judged is `learning`."""

    LEARNING = "learning", "Learning"
    NORMAL = "normal", "Normal"
    LOW = "low", "Low"
    SILENT = "silent", "Silent"


class SiteStatus(models.TextChoices):
    """What the last site check saw on the customer's page for a tracking (None: never checked).

    verified: the page has our GTM snippet, the tracking's selector matches, and a click or a
    submission there made its trigger fire in the sandbox. The others name the first thing that
    was wrong: the page did not load (or was refused: not http(s), not a public address), it
    has no snippet with our container id, or the selector matches nothing (or the interaction
    never reached the dataLayer).
    """

    VERIFIED = "verified", "Verified"
    SELECTOR_NOT_FOUND = "selector_not_found", "Selector not found"
    SNIPPET_MISSING = "snippet_missing", "Snippet missing"
    UNREACHABLE = "unreachable", "Unreachable"


class Tracking(SoftDeletableTenantModel):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="trackings"
    )
    name = models.CharField(max_length=200)
    # A key of the tracking-type catalog (trackings.catalog).
    type = models.CharField(max_length=64)
    config = models.JSONField(default=dict, blank=True)
    # A subset of Destination values.
    destinations = models.JSONField(default=list, blank=True)
    ga4_event_name = models.CharField(verbose_name="GA4 event name", max_length=40, blank=True)
    ga4_parameters = models.JSONField(verbose_name="GA4 parameters", default=dict, blank=True)

    ads_conversion_action_id = models.CharField(
        verbose_name="Ads conversion action ID", max_length=32, blank=True
    )
    ads_conversion_label = models.CharField(
        verbose_name="Ads conversion label", max_length=64, blank=True
    )
    # The account's conversion tracking id (the digits of `AW-…` in tag_snippets); the awct tag
    # needs it next to the label.
    ads_tag_conversion_id = models.CharField(
        verbose_name="Ads tag conversion ID", max_length=32, blank=True
    )
    ads_value = models.DecimalField(
        verbose_name="Ads value", max_digits=12, decimal_places=2, null=True, blank=True
    )
    ads_currency = models.CharField(verbose_name="Ads currency", max_length=3, blank=True)
    ads_category = models.CharField(verbose_name="Ads category", max_length=40, blank=True)
    # Whether the GA4 event is a key event (a conversion in GA4), and whether the Ads action is
    # primary (counted in "Conversions", used by Smart Bidding) or secondary (reported only).
    # Resolved from the type's defaults when the client does not say.
    key_event = models.BooleanField(default=False)
    ads_primary = models.BooleanField(verbose_name="Ads primary", default=False)

    status = models.CharField(
        max_length=16, choices=TrackingStatus.choices, default=TrackingStatus.PENDING
    )
    health = models.CharField(
        max_length=16, choices=TrackingHealth.choices, default=TrackingHealth.UNCHECKED
    )
    # The GTM entities we manage for this tracking (ids as GTM assigned them in the live version).
    gtm_trigger_ids = models.JSONField(verbose_name="GTM trigger IDs", default=list, blank=True)
    gtm_tag_ids = models.JSONField(verbose_name="GTM tag IDs", default=list, blank=True)
    gtm_variable_ids = models.JSONField(verbose_name="GTM variable IDs", default=list, blank=True)
    gtm_version_id = models.CharField(verbose_name="GTM version ID", max_length=32, blank=True)
    last_error = models.TextField(blank=True)
    last_deployed_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    # The last site check's verdict on the customer's own page (trackings.sitecheck), when, and
    # what it saw: {"page_url", "message", "matched": [...], "event": ...}. Empty: never
    # checked (the API says null).
    site_status = models.CharField(max_length=24, choices=SiteStatus.choices, blank=True)
    site_checked_at = models.DateTimeField(null=True, blank=True)
    site_detail = models.JSONField(default=dict, blank=True)
    # The volume alarm's state as the stats app last judged it (stats.TrackingVolume keeps the
    # judgment itself; only stats.services.stats writes either). A column here, so that
    # `?volume_status=` is a range of one index in the list's order: joined from the stats
    # table, the list read and sorted every judged tracking of that state in the organization
    # (2,000 silent ones at 1M: 9 ms of SQL).
    volume_status = models.CharField(
        max_length=16, choices=VolumeStatus.choices, default=VolumeStatus.LEARNING
    )
    # Optimistic locking: PATCH carries the version it read; a stale one is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        # Every list filter and ordering, each ending in the cursor's (created_at, id) or the
        # ordered field and id: a page is a range of one index, however deep. Partial: lists
        # and the engine read live rows only (the default manager). `?ordering=status|type`
        # read the filters' indexes (the view's `ordering_ties`). `?search=` has a trigram
        # index on one expression, made by migration 0015 (trackings/search.py).
        indexes = [
            # The default list, newest first.
            models.Index(
                fields=["organization", "-created_at", "-id"],
                name="tracking_org_created_idx",
                condition=models.Q(deleted__isnull=True),
            ),
            # ?customer=&status= (and ?customer= alone), and the engine's wanted trackings.
            models.Index(
                fields=["organization", "customer", "status", "-created_at", "-id"],
                name="tracking_org_cust_status_idx",
                condition=models.Q(deleted__isnull=True),
            ),
            # ?status= across customers.
            models.Index(
                fields=["organization", "status", "-created_at", "-id"],
                name="tracking_org_status_idx",
                condition=models.Q(deleted__isnull=True),
            ),
            # ?type=
            models.Index(
                fields=["organization", "type", "-created_at", "-id"],
                name="tracking_org_type_idx",
                condition=models.Q(deleted__isnull=True),
            ),
            # ?health=
            models.Index(
                fields=["organization", "health", "-created_at", "-id"],
                name="tracking_org_health_idx",
                condition=models.Q(deleted__isnull=True),
            ),
            # ?site_status= (the trackings a site check found broken).
            models.Index(
                fields=["organization", "site_status", "-created_at", "-id"],
                name="tracking_org_site_status_idx",
                condition=models.Q(deleted__isnull=True),
            ),
            # ?volume_status= for a judged state. Without the `learning` rows, where every
            # tracking starts: a create writes nothing into it, and `?volume_status=learning`
            # (most trackings) reads the list's own order with a filter instead.
            models.Index(
                fields=["organization", "volume_status", "-created_at", "-id"],
                name="tracking_org_volume_idx",
                condition=models.Q(deleted__isnull=True) & ~models.Q(volume_status="learning"),
            ),
            # ?ordering=name
            models.Index(
                fields=["organization", "name", "id"],
                name="tracking_org_name_idx",
                condition=models.Q(deleted__isnull=True),
            ),
            # ?ordering=-updated_at (recently changed first)
            models.Index(
                fields=["organization", "-updated_at", "-id"],
                name="tracking_org_updated_idx",
                condition=models.Q(deleted__isnull=True),
            ),
        ]
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name} ({self.type})"


class DeploymentKind(models.TextChoices):
    DEPLOY = "deploy", "Deploy"
    REMOVE = "remove", "Remove"
    REPAIR = "repair", "Repair"
    ROLLBACK = "rollback", "Rollback"
    CHECK = "check", "Health check"


# What one run spends on GTM in the usual case, reserved before it starts (engine/apply_gtm.py
# counts a sync's 5, the first one into a container included; a check reads the live version;
# a rollback reads the live version, publishes, sets the latest version and syncs our workspace
# to it). More only when a person changed the container since we last saw it (apply_gtm.py says
# how much): those calls ask the bucket one at a time. The health-check scheduler budgets its
# share of the GTM quota with it.
GTM_CALLS_PER_RUN: dict[str, int] = {
    DeploymentKind.DEPLOY: 5,
    DeploymentKind.REMOVE: 5,
    DeploymentKind.REPAIR: 5,
    DeploymentKind.CHECK: 1,
    DeploymentKind.ROLLBACK: 4,
}


class DeploymentStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PLANNING = "planning", "Planning"
    APPLYING = "applying", "Applying"
    PUBLISHING = "publishing", "Publishing"
    SUCCEEDED = "succeeded", "Succeeded"
    # A version was published, but some trackings did not go live (each says why).
    PARTIALLY_FAILED = "partially_failed", "Partially failed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


RUNNING_STATUSES = (
    DeploymentStatus.PLANNING,
    DeploymentStatus.APPLYING,
    DeploymentStatus.PUBLISHING,
)
FINISHED_STATUSES = (
    DeploymentStatus.SUCCEEDED,
    DeploymentStatus.PARTIALLY_FAILED,
    DeploymentStatus.FAILED,
    DeploymentStatus.CANCELLED,
)
# Kinds that make GTM match the trackings; a queued one absorbs later changes of the customer.
SYNC_KINDS = (
    DeploymentKind.DEPLOY,
    DeploymentKind.REMOVE,
    DeploymentKind.REPAIR,
    DeploymentKind.CHECK,
)


class Deployment(TenantOwnedModel):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="deployments"
    )
    kind = models.CharField(
        max_length=16, choices=DeploymentKind.choices, default=DeploymentKind.DEPLOY
    )
    status = models.CharField(
        max_length=16, choices=DeploymentStatus.choices, default=DeploymentStatus.QUEUED
    )
    # The stored plan: {"gtm": {"create": [...], ...}, "ads": {...}} as the API shows it.
    plan = models.JSONField(default=dict, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    google_calls = models.JSONField(verbose_name="Google calls", default=dict, blank=True)
    gtm_version_id = models.CharField(verbose_name="GTM version ID", max_length=32, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Quota reschedules: the deployment waits in `queued` until then.
    not_before = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Rollback: the GTM version to republish, and whether a foreign publish may be overridden.
    target_gtm_version_id = models.CharField(max_length=32, blank=True)
    force = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # Later changes coalesce into the queued deployment: at most one waits per customer.
            # Rollbacks are explicit requests for one version and never absorb other changes.
            models.UniqueConstraint(
                fields=["organization", "customer"],
                condition=models.Q(status="queued") & ~models.Q(kind="rollback"),
                name="deployment_one_queued_per_customer",
            ),
        ]
        indexes = [
            # GET /deployments/?customer=&status=, newest first.
            models.Index(
                fields=["organization", "customer", "-created_at"], name="deploy_org_cust_idx"
            ),
            models.Index(
                fields=["organization", "status", "-created_at"], name="deploy_org_status_idx"
            ),
            # The beat sweep of queued deployments whose not_before has passed (all tenants).
            models.Index(
                fields=["status", "not_before"],
                condition=models.Q(status="queued"),
                name="deploy_queued_sweep_idx",
            ),
        ]
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.kind} {self.status} ({self.pk})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def requested_tracking_ids(self) -> list[str]:
        """Trackings whose changes asked for this deployment, in the order they asked (the
        engine always syncs the whole customer; this says why it ran). Read from the
        prefetched `requested` rows when a list prefetched them, or as the write that just
        added some read them back (`requested_tracking_ids_known`)."""
        known = self.__dict__.get("_requested_known")
        if known is not None:
            return list(known)
        return requested_in_order(row.tracking_ids for row in self.requested.all())

    def requested_tracking_ids_known(self, ids: list[str] | None) -> None:
        """What the `requested` rows hold now, as a write read it back (None: not known). Like
        a prefetch, it is what was true then; `refresh_from_db` forgets it."""
        self.__dict__["_requested_known"] = ids

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        self.__dict__.pop("_requested_known", None)
        super().refresh_from_db(*args, **kwargs)


def requested_in_order(texts: Iterable[str]) -> list[str]:
    """The tracking ids of `DeploymentRequest` texts (oldest first), each once where it was
    first named."""
    joined = ",".join(text for text in texts if text)
    return list(dict.fromkeys(joined.split(","))) if joined else []


class DeploymentRequest(models.Model):
    """The trackings one write asked a deployment for, in the order it named them. A row a
    write, not an element of a JSON list on the deployment: joining a queued deployment costs
    one INSERT whatever it already carries, instead of rewriting a list that grows with every
    coalesced write. The ids are one text, not a row each: the write's answer names everything
    the deployment carries, and reading that back from a row per tracking (a heap visit, a
    sort and a UUID formatted each) was the largest cost that grew with the deployment, done
    while the customers were locked (a bulk create of 100 at c=8: 0.55x of the floor, 0.62x
    without it). A tracking named by several writes counts where it was first named
    (`Deployment.requested_tracking_ids`)."""

    id = models.BigAutoField(primary_key=True)
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="requested")
    # Canonical UUIDs joined by commas. No foreign key: a tracking removed since stays named
    # here, as it did in the list.
    tracking_ids = models.TextField()

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        named = self.tracking_ids.count(",") + 1 if self.tracking_ids else 0
        return f"{named} trackings asked for {self.deployment_id}"


class CustomerTrackingCount(models.Model):
    """At least as many as the customer's kept trackings (not removing, removed or deleted), so
    a create far below the limit counts nothing (trackings/write_lock.py). No row: unknown, the
    next create counts them. Creates add to it, removals leave it high, and whatever brings
    trackings back without a create (a rollback, a restored customer) drops it. A table of its
    own, written only by those statements: a save of the customer never writes an old value
    back."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    kept_at_most = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.customer_id} keeps at most {self.kept_at_most} trackings"


class ContainerVersion(TenantOwnedModel):
    """A GTM container version we saw published (by us, or by someone else, found at deploy)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="container_versions"
    )
    gtm_container_id = models.CharField(verbose_name="GTM container ID", max_length=32, blank=True)
    gtm_version_id = models.CharField(verbose_name="GTM version ID", max_length=32)
    name = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField()
    deployment = models.ForeignKey(
        Deployment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="container_versions",
    )
    # What was live: the version's tags, triggers and variables as GTM returned them.
    snapshot = models.JSONField(default=dict, blank=True)
    published_by_us = models.BooleanField(default=True)
    # The trackings this version published (their desired fields, see trackings.engine.restore):
    # what rolling back to it restores. None for a version whose trackings we do not know (not
    # ours, or published before they were kept): rolling back to it needs `force`.
    trackings = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = "GTM container version"
        verbose_name_plural = "GTM container versions"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "customer", "gtm_container_id", "gtm_version_id"],
                name="containerversion_unique_version",
            ),
        ]
        indexes = [
            # GET /customers/{id}/versions/, newest first; rollback's "who published last".
            models.Index(
                fields=["organization", "customer", "-published_at"], name="cversion_org_cust_idx"
            ),
        ]
        ordering = ("-published_at",)

    def __str__(self) -> str:
        return f"GTM version {self.gtm_version_id} of {self.customer_id}"


class PendingChangeStatus(models.TextChoices):
    # Waiting for review: tracking writes of the customer extend it, its plan is recomputed.
    PENDING = "pending", "Pending review"
    # An admin approved its plan; `deployment` publishes exactly it.
    APPROVED = "approved", "Approved"


class PendingChange(TenantOwnedModel):
    """A customer's tracking writes held for review (`publish_policy: review`).

    Writes extend the open change (at most one per customer) and bump `revision`; the plan is
    computed from GTM's live version and Google Ads (trackings.engine.review) and kept with what
    it was computed from: the desired state's fingerprint and the live GTM version. Approving
    checks both again, so it publishes what was reviewed or nothing (409 with a fresh plan)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="pending_changes"
    )
    status = models.CharField(
        max_length=16, choices=PendingChangeStatus.choices, default=PendingChangeStatus.PENDING
    )
    # Bumped by every write it absorbs: a plan is stored only for the revision it was made for.
    revision = models.PositiveIntegerField(default=1)
    # The field-level plan (None until computed, and again after each write it absorbs).
    plan = models.JSONField(null=True, blank=True)
    planned_revision = models.PositiveIntegerField(null=True, blank=True)
    planned_at = models.DateTimeField(null=True, blank=True)
    # What the plan was computed from (trackings.desired.desired_fingerprint) and against.
    desired_fingerprint = models.CharField(max_length=64, blank=True)
    gtm_live_version_id = models.CharField(
        verbose_name="GTM live version ID", max_length=32, blank=True
    )
    plan_fingerprint = models.CharField(max_length=64, blank=True)
    deployment = models.ForeignKey(
        Deployment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pending_changes",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Who approved it, as the audit log names actors (a person's e-mail, `api-key:<prefix>`).
    approved_by = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            # Writes extend the open change: one waits for review per customer.
            models.UniqueConstraint(
                fields=["organization", "customer"],
                condition=models.Q(status="pending"),
                name="pending_change_one_open_per_customer",
            ),
        ]
        indexes = [
            # GET /customers/{id}/changes/, newest first.
            models.Index(
                fields=["organization", "customer", "-created_at", "-id"],
                name="pending_change_org_cust_idx",
            ),
        ]
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"pending change {self.status} ({self.pk})"

    @property
    def tracking_ids(self) -> list[str]:
        """The trackings whose writes it carries, in the order they came (the plan covers the
        whole customer, as a deployment does). Rows of their own (`PendingChangeTracking`):
        from the query's `CarriedTrackingIds` annotation when it made one, else read now."""
        carried = self.__dict__.get(CARRIED_TRACKING_IDS)
        if carried is None:
            carried = list(self.carried.values_list("tracking_id", flat=True))
        # PostgreSQL's JSON says a UUID with dashes, SQLite's (embedded mode) without.
        return [str(uuid.UUID(str(value))) for value in carried]

    def carry(self, tracking_ids: Iterable[str]) -> None:
        """What the change carries is known without reading it (it was just opened with them)."""
        self.__dict__[CARRIED_TRACKING_IDS] = list(tracking_ids)

    def refresh_from_db(
        self,
        using: str | None = None,
        fields: Iterable[str] | None = None,
        from_queryset: models.QuerySet[Any] | None = None,
    ) -> None:
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None:
            # Writes since may have added trackings: read them again when asked.
            self.__dict__.pop(CARRIED_TRACKING_IDS, None)


class PendingChangeTracking(models.Model):
    """One tracking whose writes a pending change carries. A row, not an element of a JSON
    list on the change: extending the open change costs one INSERT whatever it carries
    already, instead of rewriting a list that grows with every write (as DeploymentRequest)."""

    id = models.BigAutoField(primary_key=True)
    # No index of its own: pending_change_tracking_once starts with it.
    change = models.ForeignKey(
        PendingChange, on_delete=models.CASCADE, related_name="carried", db_index=False
    )
    # No foreign key: a tracking removed since stays named here, as it did in the list.
    tracking_id = models.UUIDField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["change", "tracking_id"], name="pending_change_tracking_once"
            ),
        ]
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.tracking_id} waits in {self.change_id}"


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    assert field.column is not None
    return field.column


# The annotation `CarriedTrackingIds` is read under, by `PendingChange.tracking_ids`.
CARRIED_TRACKING_IDS = "carried_tracking_ids"


class CarriedTrackingIds(models.Func):
    """A pending change's tracking ids, in the order they came, as one JSON list read with the
    change's own row: a list of changes and a detail cost no query more for them. Annotate as
    `CARRIED_TRACKING_IDS`."""

    output_field = models.JSONField()

    def __init__(self) -> None:
        super().__init__(models.F("pk"))

    def _carried(self, connection: BaseDatabaseWrapper) -> dict[str, str]:
        quote = connection.ops.quote_name
        columns = {"change": "change", "tracking": "tracking_id", "id": "id"}
        return {
            "table": quote(PendingChangeTracking._meta.db_table),
            **{key: quote(_column(PendingChangeTracking, name)) for key, name in columns.items()},
        }

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> Any:
        template = (
            "(SELECT COALESCE(JSONB_AGG(c.%(tracking)s ORDER BY c.%(id)s), '[]'::jsonb) "
            "FROM %(table)s c WHERE c.%(change)s = %(expressions)s)"
        )
        return self.as_sql(
            compiler, connection, template=template, **self._carried(connection), **extra_context
        )

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> Any:
        # SQLite orders inside an aggregate only from 3.44: it aggregates an ordered subquery.
        template = (
            "(SELECT JSON_GROUP_ARRAY(t) FROM (SELECT c.%(tracking)s AS t FROM %(table)s c "
            "WHERE c.%(change)s = %(expressions)s ORDER BY c.%(id)s))"
        )
        return self.as_sql(
            compiler, connection, template=template, **self._carried(connection), **extra_context
        )


class SiteCheckStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    # The check itself could not run (no browser, a crash); trackings keep their last verdicts.
    FAILED = "failed", "Failed"


class SiteCheck(TenantOwnedModel):
    """One run of the site check for a customer: the pages loaded and what was found there.
    The verdicts themselves are kept on each tracking (`site_status`)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="site_checks"
    )
    status = models.CharField(
        max_length=16, choices=SiteCheckStatus.choices, default=SiteCheckStatus.QUEUED
    )
    # Per page: {"url", "final_url", "reachable", "snippet", "error", "load_ms", "bytes",
    # "refused": [blocked request URLs]}.
    pages = models.JSONField(default=list, blank=True)
    # {"verified": n, "selector_not_found": n, ...} over the trackings checked.
    summary = models.JSONField(default=dict, blank=True)
    error_message = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A second request while one waits or runs gets that one (a browser per customer).
            models.UniqueConstraint(
                fields=["organization", "customer"],
                condition=models.Q(status__in=["queued", "running"]),
                name="sitecheck_one_open_per_customer",
            ),
        ]
        indexes = [
            # GET /site-checks/?customer=, newest first.
            models.Index(
                fields=["organization", "customer", "-created_at"], name="sitecheck_org_cust_idx"
            ),
        ]
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"site check {self.status} ({self.pk})"


class SiteScreenshot(TenantOwnedModel):
    """The last site check's picture of a tracking's match (the page when nothing matched): a
    JPEG of at most SITE_SCREENSHOT_MAX_BYTES, in its own table so tracking rows stay small."""

    tracking = models.OneToOneField(
        Tracking, on_delete=models.CASCADE, related_name="site_screenshot"
    )
    site_check = models.ForeignKey(
        SiteCheck, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    image = models.BinaryField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"screenshot of {self.tracking_id}"


SITE_SCREENSHOT_MAX_BYTES = 300_000
