"""The tenant-scoping base viewset cannot be bypassed by accident."""

import pytest
from rest_framework import mixins

from tenants.api.viewsets import OrganizationScopedViewSet
from tenants.models import Membership


def test_overriding_get_queryset_is_refused_at_class_creation() -> None:
    with pytest.raises(TypeError, match="scope_queryset"):

        class Leaky(mixins.ListModelMixin, OrganizationScopedViewSet):
            queryset = Membership.objects.all()

            def get_queryset(self):
                return Membership.objects.all()


def test_schema_generation_gets_an_empty_queryset() -> None:
    class Members(mixins.ListModelMixin, OrganizationScopedViewSet):
        queryset = Membership.objects.all()

    view = Members()
    view.swagger_fake_view = True  # type: ignore[attr-defined]
    assert view.get_queryset().query.is_empty()
