from django.urls import URLPattern, URLResolver, path, register_converter
from rest_framework.routers import SimpleRouter

from trackings.api.views.changes import CustomerChangeViewSet
from trackings.api.views.deployments import (
    CustomerDeploymentViewSet,
    CustomerVersionViewSet,
    DeploymentViewSet,
)
from trackings.api.views.site_checks import CustomerSiteCheckViewSet, SiteCheckViewSet
from trackings.api.views.trackings import (
    TrackingTypeDetailView,
    TrackingTypeListView,
    TrackingViewSet,
)


class GtmIdConverter:
    """GTM's ids (versions, workspaces) are digits: anything else is not a route (404)."""

    regex = "[0-9]{1,20}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(GtmIdConverter, "gtm_id")

router = SimpleRouter()
router.register("trackings", TrackingViewSet, basename="tracking")
router.register("deployments", DeploymentViewSet, basename="deployment")
router.register("site-checks", SiteCheckViewSet, basename="site-check")

urlpatterns: list[URLPattern | URLResolver] = [
    path("tracking-types/", TrackingTypeListView.as_view(), name="tracking-type-list"),
    path(
        "tracking-types/<str:key>/", TrackingTypeDetailView.as_view(), name="tracking-type-detail"
    ),
    *router.urls,
    path(
        "customers/<uuid:customer_pk>/plan/",
        CustomerDeploymentViewSet.as_view({"get": "plan"}),
        name="customer-plan",
    ),
    path(
        "customers/<uuid:customer_pk>/deploy/",
        CustomerDeploymentViewSet.as_view({"post": "deploy"}),
        name="customer-deploy",
    ),
    path(
        "customers/<uuid:customer_pk>/health-check/",
        CustomerDeploymentViewSet.as_view({"post": "health_check"}),
        name="customer-health-check",
    ),
    path(
        "customers/<uuid:customer_pk>/changes/",
        CustomerChangeViewSet.as_view({"get": "list"}),
        name="customer-changes",
    ),
    path(
        "customers/<uuid:customer_pk>/changes/<uuid:change_id>/",
        CustomerChangeViewSet.as_view({"get": "retrieve"}),
        name="customer-change-detail",
    ),
    path(
        "customers/<uuid:customer_pk>/changes/<uuid:change_id>/approve/",
        CustomerChangeViewSet.as_view({"post": "approve"}),
        name="customer-change-approve",
    ),
    path(
        "customers/<uuid:customer_pk>/site-check/",
        CustomerSiteCheckViewSet.as_view({"post": "create"}),
        name="customer-site-check",
    ),
    path(
        "customers/<uuid:customer_pk>/versions/",
        CustomerVersionViewSet.as_view({"get": "list"}),
        name="customer-versions",
    ),
    path(
        "customers/<uuid:customer_pk>/versions/<gtm_id:gtm_version_id>/rollback/",
        CustomerVersionViewSet.as_view({"post": "rollback"}),
        name="customer-version-rollback",
    ),
]
