"""Staff view of trackings, deployments and published versions: plans and errors readable, with
actions to redeploy a customer's trackings or run a health check. Deployment and version
history is never deleted here; removed (soft-deleted) trackings stay visible and filterable.
A customer's page lists its trackings, deployments and versions (read-only, linked).
Editing a tracking saves through `tracking_update`, as the API's PATCH does: validated (errors on
the form's fields), audited with the staff user, version bumped, deployment queued."""

from __future__ import annotations

import base64
import json
from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from customers.admin import CustomerAdmin
from customers.models import Customer
from oneclicktag.core.admin_site import IndexAlert, add_index_alerts
from oneclicktag.core.exceptions import DomainError
from tenants.admin import (
    DeletedFilter,
    ExpectedVersionForm,
    ReadOnlyInline,
    ServiceAdmin,
    staff_actor,
)
from trackings.engine import customer_rollback_check
from trackings.models import (
    ContainerVersion,
    Deployment,
    DeploymentKind,
    Destination,
    PendingChange,
    SiteCheck,
    SiteScreenshot,
    Tracking,
    TrackingStatus,
)
from trackings.selectors import (
    DRIFTED_HEALTH,
    deployments_failed_recently,
    deployments_stuck,
    trackings_drifted,
)
from trackings.services.deployments import (
    deployment_enqueue,
    deployment_request_health_check,
    deployment_request_rollback,
)
from trackings.services.site_checks import site_check_request
from trackings.services.trackings import tracking_update

# What staff may edit: the fields the API's PATCH changes (TrackingRequest's, `type` excepted).
TRACKING_EDITABLE_FIELDS = (
    "name",
    "config",
    "destinations",
    "ga4_event_name",
    "ga4_parameters",
    "key_event",
    "ads_value",
    "ads_currency",
    "ads_category",
    "ads_primary",
)


def pretty_json(value: Any) -> str:
    return format_html(
        '<pre style="white-space: pre-wrap; max-height: 40em; overflow: auto">{}</pre>',
        json.dumps(value, indent=2, sort_keys=True, default=str),
    )


def _customers_of(queryset: QuerySet[Any]) -> list[Customer]:
    ids = set(queryset.values_list("customer_id", flat=True))
    return list(Customer.objects.filter(pk__in=ids))


def _queue_for_customers(
    request: HttpRequest, customers: list[Customer], *, kind: str
) -> list[Deployment]:
    actor = staff_actor(request)
    queued = []
    for customer in customers:
        if kind == DeploymentKind.CHECK:
            queued.append(deployment_request_health_check(customer=customer, actor=actor))
        else:
            queued.append(deployment_enqueue(customer=customer, actor=actor, kind=kind))
    return queued


def _deployment_links(deployments: list[Deployment]) -> str:
    return format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        (
            (reverse("admin:trackings_deployment_change", args=[d.pk]), d.customer.name)
            for d in deployments
        ),
    )


class CustomerDeploymentActions(admin.ModelAdmin[Any]):
    """Admin actions on the customers of the selected rows (trackings or deployments)."""

    actions = ("redeploy", "run_health_check", "run_site_check")

    @admin.action(description="Redeploy the customers of the selected rows")
    def redeploy(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._queue(request, queryset, DeploymentKind.REPAIR, "a redeployment")

    @admin.action(description="Run a health check for the customers of the selected rows")
    def run_health_check(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._queue(request, queryset, DeploymentKind.CHECK, "a health check")

    @admin.action(description="Run a site check for the customers of the selected rows")
    def run_site_check(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        actor = staff_actor(request)
        links = []
        for customer in _customers_of(queryset):
            try:
                check = site_check_request(customer=customer, actor=actor)
            except DomainError as error:
                self.message_user(request, f"{customer.name}: {error}", messages.ERROR)
                continue
            links.append((reverse("admin:trackings_sitecheck_change", args=[check.pk]), customer))
        if links:
            self.message_user(
                request,
                format_html(
                    "Queued a site check for {} customer(s): {}",
                    len(links),
                    format_html_join(", ", '<a href="{}">{}</a>', links),
                ),
                messages.SUCCESS,
            )

    def _queue(self, request: HttpRequest, queryset: QuerySet[Any], kind: str, what: str) -> None:
        queued = _queue_for_customers(request, _customers_of(queryset), kind=kind)
        # Each customer's deployment is linked, so staff can follow it to its end.
        self.message_user(
            request,
            format_html(
                "Queued {} for {} customer(s): {}", what, len(queued), _deployment_links(queued)
            ),
            messages.SUCCESS,
        )


class RemovedFilter(DeletedFilter):
    title = "removed"
    parameter_name = "removed"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Not removed"), ("yes", "Removed")]


class HistoryAdmin(admin.ModelAdmin[Any]):
    """Deployments and versions are history (audits, rollbacks): staff read them, never delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TrackingForm(ExpectedVersionForm):
    destinations = forms.MultipleChoiceField(
        choices=Destination.choices, widget=forms.CheckboxSelectMultiple
    )
    allow_auto_collected_event_name = forms.BooleanField(
        required=False,
        label="Allow an event name GA4 collects by itself",
        help_text="As the API's allow_auto_collected_event_name: page_view, scroll, click, ... "
        "double count unless the site turned GA4's own collection off.",
    )

    def clean_config(self) -> dict[str, Any]:
        return _json_object(self.cleaned_data["config"])

    def clean_ga4_parameters(self) -> dict[str, Any]:
        return _json_object(self.cleaned_data["ga4_parameters"])


def _json_object(value: Any) -> dict[str, Any]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise forms.ValidationError('A JSON object, e.g. {"name": "value"}.')
    return value


@admin.register(Tracking)
class TrackingAdmin(ServiceAdmin, CustomerDeploymentActions):
    form = TrackingForm
    list_display = (
        "name",
        "type",
        "customer",
        "organization",
        "status",
        "health",
        "site_status",
        "last_deployed_at",
        "updated_at",
        "deleted",
    )
    list_filter = (RemovedFilter, "status", "health", "site_status", "type", "created_at")
    search_fields = ("name", "type", "customer__name", "organization__name", "last_error")
    list_select_related = ("customer", "organization")
    readonly_fields = (
        "id",
        "organization",
        "customer",
        "type",
        "status",
        "health",
        "gtm_trigger_ids",
        "gtm_tag_ids",
        "gtm_variable_ids",
        "gtm_version_id",
        "ads_conversion_action_id",
        "ads_conversion_label",
        "ads_tag_conversion_id",
        "last_error",
        "last_deployed_at",
        "last_checked_at",
        "site_status",
        "site_checked_at",
        "site_detail_pretty",
        "site_screenshot_image",
        "version",
        "created_at",
        "updated_at",
        "deleted",
    )
    fields = (
        "id",
        "organization",
        "customer",
        "type",
        *TRACKING_EDITABLE_FIELDS,
        "allow_auto_collected_event_name",
        *readonly_fields[4:],
        "expected_version",
    )
    # The service's names for the Ads fields (`ads_conversion.currency`) are the form's here.
    service_error_fields: ClassVar[dict[str, str]] = {
        "ads_conversion.value": "ads_value",
        "ads_conversion.currency": "ads_currency",
        "ads_conversion.category": "ads_category",
        "ads_conversion": "ads_category",
    }

    @admin.display(description="site check detail")
    def site_detail_pretty(self, tracking: Tracking) -> str:
        return pretty_json(tracking.site_detail)

    @admin.display(description="site check screenshot")
    def site_screenshot_image(self, tracking: Tracking) -> str:
        shot = SiteScreenshot.objects.filter(tracking=tracking).first()
        if shot is None:
            return "-"
        # At most SITE_SCREENSHOT_MAX_BYTES: small enough to sit in the page itself.
        return format_html(
            '<img src="data:image/jpeg;base64,{}" width="{}" height="{}" '
            'style="max-width: 100%; height: auto; border: 1px solid #ccc" alt="{}">',
            base64.b64encode(bytes(shot.image)).decode("ascii"),
            shot.width,
            shot.height,
            "What the site check saw",
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tracking]:
        # Removed (soft-deleted) trackings too: staff look into what happened to them.
        return Tracking.all_objects.select_related("customer", "organization")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A tracking on its way out (or gone) cannot change; the service would refuse it.
        if obj is not None and (
            obj.deleted is not None
            or obj.status in (TrackingStatus.REMOVING, TrackingStatus.REMOVED)
        ):
            return (*self.readonly_fields, *TRACKING_EDITABLE_FIELDS)
        return self.readonly_fields

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and TRACKING_EDITABLE_FIELDS[0] in self.get_readonly_fields(
            request, obj
        ):
            return [f for f in self.fields if f != "allow_auto_collected_event_name"]
        return self.fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Trackings are created through the API (catalog, limits, container budget).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting must also remove the entities from GTM; the API does that, the admin not.
        return False

    def service_write(self, request: HttpRequest, obj: Any, form: Any) -> str | None:
        data = form.cleaned_data
        changes = {f: data[f] for f in form.changed_data if f in TRACKING_EDITABLE_FIELDS}
        if not changes:
            return None
        result = tracking_update(
            tracking=obj,
            actor=staff_actor(request),
            changes=changes,
            expected_version=data.get("expected_version"),
            allow_auto_collected_event_name=bool(data.get("allow_auto_collected_event_name")),
        )
        if result.pending_change is not None:
            # The customer reviews before publishing: the edit waits with its other writes.
            return format_html(
                "The change waits for review in {}'s pending change {} (publish policy "
                "'review'); nothing goes to Google until an admin approves it.",
                obj.customer.name,
                result.pending_change.pk,
            )
        if result.deployment is None:
            return None
        return format_html(
            "Queued a deployment of {}: {}",
            obj.customer.name,
            _deployment_links([result.deployment]),
        )


class AttentionFilter(admin.SimpleListFilter):
    """The deployments the admin index counts as failing now (same selectors, same rows)."""

    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("failed", "Failed in the last 24 hours"), ("stuck", "Stuck (15+ minutes)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "failed":
            return deployments_failed_recently(now=timezone.now(), among=queryset)
        if self.value() == "stuck":
            return deployments_stuck(now=timezone.now(), among=queryset)
        return queryset


def _failing_now() -> list[IndexAlert]:
    now = timezone.now()
    deployments = reverse("admin:trackings_deployment_changelist")
    trackings = reverse("admin:trackings_tracking_changelist")
    return [
        IndexAlert(
            label="Deployments failed in the last 24 hours",
            count=deployments_failed_recently(now=now).count(),
            url=f"{deployments}?attention=failed",
        ),
        IndexAlert(
            label="Deployments stuck (queued or running for 15+ minutes)",
            count=deployments_stuck(now=now).count(),
            url=f"{deployments}?attention=stuck",
        ),
        IndexAlert(
            label="Drifted or missing trackings",
            count=trackings_drifted().count(),
            url=f"{trackings}?removed=no&health__in={','.join(DRIFTED_HEALTH)}",
        ),
    ]


add_index_alerts(_failing_now)


@admin.register(Deployment)
class DeploymentAdmin(CustomerDeploymentActions, HistoryAdmin):
    list_display = (
        "id",
        "customer",
        "organization",
        "kind",
        "status",
        "progress",
        "error_code",
        "created_at",
        "finished_at",
    )
    list_filter = (AttentionFilter, "status", "kind", "error_code", "created_at")
    search_fields = ("id", "customer__name", "organization__name", "error_code", "error_message")
    list_select_related = ("customer", "organization")
    readonly_fields = (
        "id",
        "organization",
        "customer",
        "kind",
        "status",
        "progress",
        "plan_pretty",
        "google_calls_pretty",
        "gtm_version_id",
        "error_code",
        "error_message",
        "attempts",
        "not_before",
        "requested_tracking_ids",
        "target_gtm_version_id",
        "force",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    )
    # Deployments are made by the services (coalescing, locks), never by hand.
    exclude = ("plan", "google_calls", "progress_done", "progress_total", "updated_by")

    @admin.display(description="progress")
    def progress(self, deployment: Deployment) -> str:
        return f"{deployment.progress_done}/{deployment.progress_total}"

    @admin.display(description="plan")
    def plan_pretty(self, deployment: Deployment) -> str:
        return pretty_json(deployment.plan)

    @admin.display(description="Google calls")
    def google_calls_pretty(self, deployment: Deployment) -> str:
        return pretty_json(deployment.google_calls)


@admin.register(SiteCheck)
class SiteCheckAdmin(HistoryAdmin):
    list_display = (
        "id",
        "customer",
        "organization",
        "status",
        "summary",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "created_at")
    search_fields = ("id", "customer__name", "organization__name")
    list_select_related = ("customer", "organization")
    readonly_fields = (
        "id",
        "organization",
        "customer",
        "status",
        "summary",
        "pages_pretty",
        "error_message",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    )
    # Checks are asked for through the API or the action on trackings, never made by hand.
    exclude = ("pages", "updated_by")

    @admin.display(description="pages")
    def pages_pretty(self, site_check: SiteCheck) -> str:
        return pretty_json(site_check.pages)


@admin.register(ContainerVersion)
class ContainerVersionAdmin(HistoryAdmin):
    list_display = ("gtm_version_id", "customer", "organization", "published_at", "published_by_us")
    list_filter = ("published_by_us", "published_at")
    search_fields = ("gtm_version_id", "name", "customer__name", "organization__name")
    list_select_related = ("customer", "organization")
    readonly_fields = (
        "id",
        "organization",
        "customer",
        "gtm_container_id",
        "gtm_version_id",
        "name",
        "published_at",
        "deployment",
        "published_by_us",
        "snapshot_pretty",
        "created_at",
    )
    exclude = ("snapshot", "created_by", "updated_by")
    actions = ("roll_back",)

    @admin.action(description="Roll back to the selected version")
    def roll_back(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        versions = list(queryset.select_related("customer")[:2])
        if len(versions) != 1:
            self.message_user(
                request, "Select exactly one version to roll back to.", messages.ERROR
            )
            return
        version = versions[0]
        customer = version.customer
        # The API's path, never forced: staff cannot override someone else's publish from here.
        try:
            customer_rollback_check(
                customer=customer, gtm_version_id=version.gtm_version_id, force=False
            )
            deployment = deployment_request_rollback(
                customer=customer,
                actor=staff_actor(request),
                gtm_version_id=version.gtm_version_id,
            )
        except DomainError as error:
            self.message_user(
                request, f"Rollback of {customer.name} refused: {error}", messages.ERROR
            )
            return
        self.message_user(
            request,
            format_html(
                "Queued a rollback of {} to version {}: {}",
                customer.name,
                version.gtm_version_id,
                _deployment_links([deployment]),
            ),
            messages.SUCCESS,
        )

    @admin.display(description="snapshot")
    def snapshot_pretty(self, version: ContainerVersion) -> str:
        return pretty_json(version.snapshot)


@admin.register(PendingChange)
class PendingChangeAdmin(HistoryAdmin):
    """Review before publish: what waits and what was approved, read only (approving asks
    Google for the plan again: the API's `POST .../changes/{id}/approve/` does it)."""

    list_display = (
        "id",
        "customer",
        "organization",
        "status",
        "revision",
        "planned_at",
        "approved_by",
        "created_at",
    )
    list_filter = ("status", "created_at")
    search_fields = ("id", "customer__name", "organization__name")
    list_select_related = ("customer", "organization")
    readonly_fields = (
        "id",
        "organization",
        "customer",
        "status",
        "revision",
        "tracking_ids",
        "plan_pretty",
        "planned_at",
        "gtm_live_version_id",
        "desired_fingerprint",
        "deployment",
        "approved_at",
        "approved_by",
        "created_by",
        "created_at",
    )
    exclude = (
        "plan",
        "planned_revision",
        "plan_fingerprint",
        "updated_by",
    )

    @admin.display(description="plan")
    def plan_pretty(self, change: PendingChange) -> str:
        return pretty_json(change.plan)

    @admin.display(description="tracking ids")
    def tracking_ids(self, change: PendingChange) -> str:
        # Rows now (PendingChangeTracking); shown as the JSON list it was.
        return json.dumps(change.tracking_ids)


# A customer's page shows the latest rows of its history; the rest is one link away, in the
# changelist filtered to the customer (a customer with years of deployments stays one page).
CUSTOMER_PAGE_ROWS = 20


class LatestRowsFormSet(BaseInlineFormSet):
    """An inline showing the first CUSTOMER_PAGE_ROWS rows of its ordering, no more."""

    def get_queryset(self) -> Any:
        if not hasattr(self, "_latest_rows"):
            self._latest_rows = super().get_queryset()[:CUSTOMER_PAGE_ROWS]
        return self._latest_rows


class LatestRowsInline(ReadOnlyInline):
    formset = LatestRowsFormSet


class TrackingInline(LatestRowsInline):
    model = Tracking
    verbose_name_plural = f"trackings (the first {CUSTOMER_PAGE_ROWS} by name)"
    fields = ("name", "type", "status", "health", "site_status", "last_deployed_at", "deleted")
    readonly_fields = fields
    ordering = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # Removed ones too, marked by `deleted`.
        return Tracking.all_objects.order_by("name", "id")


class DeploymentInline(LatestRowsInline):
    model = Deployment
    verbose_name_plural = f"deployments (the latest {CUSTOMER_PAGE_ROWS})"
    fields = ("kind", "status", "error_code", "created_at", "finished_at")
    readonly_fields = fields
    ordering = ("-created_at", "-id")


class ContainerVersionInline(LatestRowsInline):
    model = ContainerVersion
    verbose_name_plural = f"GTM container versions (the latest {CUSTOMER_PAGE_ROWS})"
    fields = ("gtm_version_id", "name", "published_at", "published_by_us")
    readonly_fields = fields
    ordering = ("-published_at", "-id")


def customer_history_url(model: str, customer: Customer) -> str:
    return f"{reverse(f'admin:trackings_{model}_changelist')}?customer__id__exact={customer.pk}"


@admin.display(description="all of its history")
def customer_history_links(model_admin: Any, customer: Customer) -> str:
    if customer.pk is None:
        return "-"
    return format_html_join(
        " · ",
        '<a href="{}">{}</a>',
        (
            (customer_history_url("tracking", customer), "All its trackings"),
            (customer_history_url("deployment", customer), "All its deployments"),
            (customer_history_url("containerversion", customer), "All its GTM versions"),
        ),
    )


# Added from here: customers sits below trackings in the dependency direction.
CustomerAdmin.customer_history_links = customer_history_links  # type: ignore[attr-defined]
CustomerAdmin.readonly_fields = (*CustomerAdmin.readonly_fields, "customer_history_links")  # type: ignore[assignment]
CustomerAdmin.fields = (*(CustomerAdmin.fields or ()), "customer_history_links")  # type: ignore[assignment]
CustomerAdmin.inlines = (
    *CustomerAdmin.inlines,
    TrackingInline,
    DeploymentInline,
    ContainerVersionInline,
)
