"""Staff views: organizations with their members and customers, people, API keys (revoke only,
never the hash), invitations, and the audit log (read-only). `ServiceAdmin` is the one door for
staff edits of every app: a change form saves through the app's service, as the API does."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from oneclicktag.core.exceptions import DomainError, InvalidInput
from tenants import services
from tenants.actors import Actor
from tenants.models import ApiKey, AuditEvent, Invitation, Membership, Organization, User


def staff_actor(request: HttpRequest) -> Actor:
    """The staff user as the actor of their admin writes (audit events name them)."""
    user = request.user
    return Actor(user=user) if isinstance(user, User) else Actor.system_actor("admin")


class ServiceAdmin(admin.ModelAdmin[Any]):
    """A change form whose save is the service the API calls: the same validation, audit event
    (staff as actor), version check and bump, and whatever the service queues.

    The service runs as the last step of the form's validation, so a refusal is shown on the
    form's fields and nothing is saved; the admin never saves the instance itself. Subclasses
    implement `service_write` (raise the service's DomainError; return a message or None) and
    map the service's dotted error paths to form fields in `service_error_fields`.
    """

    service_error_fields: ClassVar[dict[str, str]] = {}

    def service_write(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm[Any]
    ) -> str | None:
        raise NotImplementedError

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceWriteForm(base):  # type: ignore[valid-type,misc]
            service_message: str | None = None

            def _post_clean(self) -> None:
                super()._post_clean()
                if obj is None:
                    return
                try:
                    if not self._errors and self.has_changed():
                        self.service_message = model_admin.service_write(request, obj, self)
                except InvalidInput as error:
                    model_admin.show_service_errors(self, error.fields)
                except DomainError as error:
                    self.add_error(None, str(error))
                finally:
                    # The form copied the typed values onto the instance; the page shows it
                    # (read-only fields, the success message) as stored, not as typed.
                    obj.refresh_from_db()

        return ServiceWriteForm

    def show_service_errors(self, form: forms.ModelForm[Any], fields: Any) -> None:
        items = fields.items() if isinstance(fields, dict) else [("", fields)]
        for path, messages_ in items:
            texts = [str(m) for m in messages_] if isinstance(messages_, list) else [str(messages_)]
            field = self.service_error_fields.get(path) or path.split(".", 1)[0]
            if field in form.fields and field not in getattr(self, "readonly_fields", ()):
                # `ga4_parameters.plan`: the field, and which part of it.
                rest = path[len(field) + 1 :] if path.startswith(f"{field}.") else ""
                form.add_error(field, [f"{rest}: {t}" if rest else t for t in texts])
            else:
                named = path not in ("", "non_field_errors")
                form.add_error(None, [f"{path}: {t}" if named else t for t in texts])

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The service saved it while validating the form; saving the instance here would write
        # around it.
        if form.service_message:
            self.message_user(request, form.service_message, messages.SUCCESS)


class ExpectedVersionForm(forms.ModelForm[Any]):
    """Carries the version the page was read at, so a concurrent edit is refused (409 in the
    API, a form error here) instead of overwritten."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["expected_version"].initial = self.instance.version

    def has_changed(self) -> bool:
        return any(name != "expected_version" for name in self.changed_data)


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
class OrganizationAdmin(ServiceAdmin):
    form = ExpectedVersionForm
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
        "expected_version",
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

    def service_write(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm[Any]
    ) -> str | None:
        # Through the service, so the change is version-checked and audited.
        data = form.cleaned_data
        expected = data.get("expected_version")
        services.organization_update(
            organization=Organization.all_objects.get(pk=obj.pk),
            actor=staff_actor(request),
            expected_version=obj.version if expected is None else expected,
            name=data.get("name"),
            max_customers=data.get("max_customers"),
            max_trackings_per_customer=data.get("max_trackings_per_customer"),
        )
        return None


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
    actor = staff_actor(request)
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
