"""Staff views: organizations with their members and customers, people, API keys (revoke only,
never the hash), invitations, and the audit log (read-only)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from oneclicktag.core.exceptions import DomainError
from tenants import services
from tenants.actors import Actor
from tenants.models import ApiKey, AuditEvent, Invitation, Membership, Organization, User


def _staff_actor(request: HttpRequest) -> Actor:
    user = request.user
    return Actor(user=user) if isinstance(user, User) else Actor.system_actor("admin")


class DeletedFilter(admin.SimpleListFilter):
    """Soft-deleted rows: live, deleted, or both (the admin's queryset must include them)."""

    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Live"), ("yes", "Deleted")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(deleted__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted__isnull=True)
        return queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(ReadOnlyInline):
    # Read-only: role changes go through the API, which protects the last owner.
    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = fields


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ("name", "slug", "member_count", "max_customers", "created_at", "deleted")
    list_filter = ("created_at",)
    search_fields = ("name", "slug", "memberships__user__email")
    fields = (
        "id",
        "name",
        "slug",
        "max_customers",
        "max_trackings_per_customer",
        "version",
        "created_at",
        "created_by",
        "deleted",
    )
    readonly_fields = ("id", "slug", "version", "created_at", "created_by", "deleted")
    # customers.admin adds its CustomerInline: tenants sits below customers and cannot name it.
    inlines: ClassVar[tuple[type[admin.options.InlineModelAdmin[Any, Any]], ...]] = (
        MembershipInline,
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        from django.db.models import Count

        return Organization.all_objects.annotate(members=Count("memberships"))

    @admin.display(description="members", ordering="members")
    def member_count(self, organization: Organization) -> int:
        return int(getattr(organization, "members", 0))

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Organizations are created over the API, where the creator becomes the owner.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        # Through the service, so the change is version-checked and audited.
        try:
            services.organization_update(
                organization=Organization.all_objects.get(pk=obj.pk),
                actor=_staff_actor(request),
                expected_version=obj.version,
                name=form.cleaned_data.get("name"),
                max_customers=form.cleaned_data.get("max_customers"),
                max_trackings_per_customer=form.cleaned_data.get("max_trackings_per_customer"),
            )
        except DomainError as error:
            self.message_user(request, f"Not saved: {error}", level=messages.ERROR)


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    list_display = ("email", "display_name", "is_staff", "is_active", "date_joined", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "date_joined")
    search_fields = ("email", "display_name", "firebase_uid")
    ordering = ("email",)
    fields = (
        "id",
        "email",
        "display_name",
        "firebase_uid",
        "is_active",
        "is_staff",
        "is_superuser",
        "groups",
        "date_joined",
        "last_login",
    )
    readonly_fields = ("id", "firebase_uid", "date_joined", "last_login")
    filter_horizontal = ("groups",)


@admin.action(description="Revoke the selected API keys")
def revoke_api_keys(
    modeladmin: admin.ModelAdmin[ApiKey], request: HttpRequest, queryset: QuerySet[ApiKey]
) -> None:
    actor = _staff_actor(request)
    revoked = 0
    for api_key in queryset.filter(revoked_at__isnull=True):
        services.api_key_revoke(api_key=api_key, actor=actor)
        revoked += 1
    modeladmin.message_user(request, f"Revoked {revoked} API key(s).", messages.SUCCESS)


class RevokedFilter(admin.SimpleListFilter):
    title = "revoked"
    parameter_name = "revoked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Active"), ("yes", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=True)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[ApiKey]):
    list_display = ("name", "organization", "prefix", "role", "last_used_at", "revoked_at")
    list_filter = (RevokedFilter, "role", "created_at")
    search_fields = ("name", "prefix", "organization__name", "organization__slug")
    list_select_related = ("organization",)
    # Never the secret hash.
    fields = (
        "id",
        "organization",
        "name",
        "prefix",
        "role",
        "last_used_at",
        "revoked_at",
        "created_at",
        "created_by",
    )
    readonly_fields = fields
    actions = (revoke_api_keys,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A key's secret is shown once, to whoever creates it over the API.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ("email", "organization", "role", "expires_at", "accepted_at", "revoked_at")
    list_filter = ("role", "created_at")
    search_fields = ("email", "organization__name")
    list_select_related = ("organization",)
    fields = (
        "id",
        "organization",
        "email",
        "role",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
        "created_at",
        "created_by",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ("created_at", "organization", "actor_label", "action", "object_type")
    list_filter = ("action", "object_type", "created_at")
    search_fields = ("actor_label", "action", "object_type", "object_id", "request_id")
    list_select_related = ("organization",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "id",
        "created_at",
        "organization",
        "actor_user",
        "actor_api_key",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "before",
        "after",
        "request_id",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
