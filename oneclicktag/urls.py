from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from oneclicktag import observability
from oneclicktag.core import health

api_v1 = [
    path("", include("tenants.api.urls")),
    path("", include("customers.api.urls")),
    path("", include("trackings.api.urls")),
    path("", include("integrations.api.urls")),
    path("", include("webhooks.api.urls")),
    path("", include("stats.api.urls")),
]

urlpatterns = [
    # A small page for a person who opens the server's address: where the docs, admin and
    # health are (also the admin's "View site").
    path("", TemplateView.as_view(template_name="oneclicktag/landing.html"), name="landing"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="oneclicktag/redoc.html"),
        name="redoc",
    ),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", observability.metrics, name="metrics"),
]

# Unknown /api/ paths and crashes outside DRF views answer in the API error shape.
handler404 = "oneclicktag.core.error_pages.not_found"
handler500 = "oneclicktag.core.error_pages.server_error"
