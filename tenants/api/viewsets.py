"""The one place tenant scoping happens for the API.

Every viewset over tenant-owned rows subclasses `OrganizationScopedViewSet`. It resolves the
organization and role before any handler runs, enforces the role the action needs, and filters
every queryset by organization. Subclasses narrow results through `scope_queryset`; overriding
`get_queryset` is refused at class creation so scoping cannot be bypassed by accident.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Model, QuerySet
from rest_framework import exceptions, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request

from tenants.models import Role, role_at_least
from tenants.resolution import Tenant, resolve_tenant

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# `lookup_value_regex` for UUID ids: sibling routes (`accept/`, `bulk/`) never look like a detail.
UUID_LOOKUP = "[0-9a-fA-F-]{36}"


class OrganizationScopedViewSet(viewsets.GenericViewSet):
    # Minimum role for reads and for writes; `action_roles` overrides per action name.
    read_role: ClassVar[str] = Role.VIEWER
    write_role: ClassVar[str] = Role.MEMBER
    action_roles: ClassVar[dict[str, str]] = {}
    # Read by oneclicktag.core.schema to document the X-Organization header.
    uses_organization_header: ClassVar[bool] = True

    tenant: Tenant

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} overrides get_queryset; narrow results in scope_queryset instead."
            )

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.tenant = resolve_tenant(request)
        required = self.required_role(request)
        if not role_at_least(self.tenant.role, required):
            raise exceptions.PermissionDenied(f"This needs the {required} role or higher.")

    def required_role(self, request: Request) -> str:
        action = getattr(self, "action", None)
        if action and action in self.action_roles:
            return self.action_roles[action]
        return self.read_role if request.method in SAFE_METHODS else self.write_role

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            # Schema generation has no request tenant; it only needs the model.
            return queryset.none()
        return self.scope_queryset(queryset.filter(organization=self.tenant.organization))

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Narrow (never widen) the organization's rows: filters, select_related, annotations."""
        return queryset

    def get_scoped_object(self, model_queryset: QuerySet[Any], pk: Any) -> Model:
        """Fetch a related object (e.g. the customer in a nested route) within the tenant."""
        # DRF's get_object_or_404, like get_object: an id that is no UUID ("0000…", 36 characters
        # pass the route's pattern) is a 404 too, not a ValidationError from the query (a 500).
        obj: Model = get_object_or_404(model_queryset, organization=self.tenant.organization, pk=pk)
        return obj
