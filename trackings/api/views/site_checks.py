"""Site checks over REST: ask for one (202 + the check to poll), list and read them."""

from __future__ import annotations

from typing import Any

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import Customer
from oneclicktag.core.filters import ChoiceFilter, FilterSet
from oneclicktag.core.idempotency import idempotent
from tenants.api.viewsets import OrganizationScopedViewSet
from trackings.api.serializers.site_checks import SiteCheckSerializer
from trackings.models import SiteCheck, SiteCheckStatus
from trackings.services.site_checks import site_check_request


class SiteCheckFilter(FilterSet):
    customer = filters.UUIDFilter(field_name="customer_id")
    status = ChoiceFilter(choices=SiteCheckStatus.choices)

    class Meta:
        model = SiteCheck
        fields = ("customer", "status")


class SiteCheckViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet):
    """`/site-checks/`: the organization's site checks, newest first; poll one until it ends."""

    queryset = SiteCheck.objects.all()
    serializer_class = SiteCheckSerializer
    filterset_class = SiteCheckFilter
    ordering_fields = ("created_at", "finished_at")


class CustomerSiteCheckViewSet(OrganizationScopedViewSet):
    """`POST /customers/{id}/site-check/`."""

    queryset = SiteCheck.objects.all()
    serializer_class = SiteCheckSerializer

    @extend_schema(
        request=None,
        responses={202: SiteCheckSerializer},
        description="Load the customer's pages (the website, and each tracking's own page where "
        "its page condition names one) in a sandboxed headless browser: is the GTM snippet with "
        "the customer's container id there, does each tracking's selector match, and does "
        "clicking or submitting the match make its trigger fire (the live container is not run "
        "and nothing is sent to the site). Answers 202 with the check (`Location` names it); "
        "poll `GET /site-checks/{id}/` until `succeeded` or `failed`, then read each tracking's "
        "`site_status` and `site_check`. A check already queued or running for the customer is "
        "answered instead of a second one. 400 names `website_url` (not http(s), or not a public "
        "address) or `gtm_container_id` (no container chosen yet).",
    )
    @idempotent
    def create(self, request: Request, customer_pk: Any = None) -> Response:
        customer = self.get_scoped_object(Customer.objects.all(), customer_pk)
        assert isinstance(customer, Customer)
        check = site_check_request(customer=customer, actor=self.tenant.actor)
        return Response(
            SiteCheckSerializer(check).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/api/v1/site-checks/{check.pk}/"},
        )
