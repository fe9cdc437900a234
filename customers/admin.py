"""Staff view of customers, soft-deleted ones included, with a restore action. Edits save
through `customer_update` (validated, version-checked, audited with the staff user)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from customers import services
from customers.models import Customer
from oneclicktag.core.exceptions import DomainError
from tenants.admin import (
    DeletedFilter,
    ExpectedVersionForm,
    OrganizationAdmin,
    ReadOnlyInline,
    ServiceAdmin,
    staff_actor,
)


class CustomerInline(ReadOnlyInline):
    model = Customer
    fields = ("name", "slug", "status", "website_url", "created_at", "deleted")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # Soft-deleted customers too, so staff see the whole picture.
        return Customer.all_objects.all()


# An organization's page lists its customers; the inline is added from here because tenants
# sits below customers in the dependency direction and cannot import them.
OrganizationAdmin.inlines = (*OrganizationAdmin.inlines, CustomerInline)


@admin.register(Customer)
class CustomerAdmin(ServiceAdmin):
    form = ExpectedVersionForm
    list_display = (
        "name",
        "slug",
        "organization",
        "status",
        "publish_policy",
        "website_url",
        "tag_list",
        "created_at",
        "deleted",
    )
    list_filter = (DeletedFilter, "status", "drift_policy", "publish_policy", "created_at")
    search_fields = ("name", "slug", "website_url", "contact_email", "organization__name")
    list_select_related = ("organization",)
    readonly_fields = (
        "id",
        "organization",
        "version",
        "next_health_check_at",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "deleted",
    )
    fields = (
        "id",
        "organization",
        *services.EDITABLE_FIELDS,
        "next_health_check_at",
        "version",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "deleted",
        "expected_version",
    )
    ordering = ("-created_at",)
    # Websites are https today; a bare "acme.example" becomes https://acme.example.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ("restore_customers",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        # Staff see soft-deleted customers too, so they can restore them.
        return Customer.all_objects.select_related("organization")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Customers are created through the API, which enforces plan limits and slugs.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        # Deleting must also remove trackings from GTM; the API does that, the admin does not.
        return False

    @admin.display(description="tags")
    def tag_list(self, customer: Customer) -> str:
        return ", ".join(customer.tags or [])

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A deleted customer cannot change (the service refuses); restore it first.
        if obj is not None and obj.deleted is not None:
            return (*self.readonly_fields, *services.EDITABLE_FIELDS)
        return self.readonly_fields

    def service_write(self, request: HttpRequest, obj: Any, form: Any) -> str | None:
        data = {
            field: form.cleaned_data[field]
            for field in form.changed_data
            if field in services.EDITABLE_FIELDS
        }
        services.customer_update(
            customer=obj,
            actor=staff_actor(request),
            data=data,
            expected_version=form.cleaned_data.get("expected_version"),
        )
        return None

    @admin.action(description="Restore the selected deleted customers")
    def restore_customers(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        restored = 0
        for customer in queryset.filter(deleted__isnull=False):
            try:
                services.customer_restore(customer=customer, actor=staff_actor(request))
            except DomainError as error:
                self.message_user(
                    request, f"{customer.name} not restored: {error}", level=messages.ERROR
                )
            else:
                restored += 1
        self.message_user(request, f"Restored {restored} customer(s).")
