from django.urls import URLPattern, URLResolver, path

from integrations.api.views import CustomerGoogleViewSet, GoogleOAuthCallbackView

connection = CustomerGoogleViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("customers/<uuid:customer_id>/google/", connection, name="customer-google"),
    path(
        "customers/<uuid:customer_id>/google/authorize/",
        CustomerGoogleViewSet.as_view({"post": "authorize"}),
        name="customer-google-authorize",
    ),
    path(
        "customers/<uuid:customer_id>/google/gtm-containers/",
        CustomerGoogleViewSet.as_view({"get": "gtm_containers"}),
        name="customer-google-gtm-containers",
    ),
    path(
        "customers/<uuid:customer_id>/google/ads-accounts/",
        CustomerGoogleViewSet.as_view({"get": "ads_accounts"}),
        name="customer-google-ads-accounts",
    ),
    path(
        "customers/<uuid:customer_id>/google/ga4-properties/",
        CustomerGoogleViewSet.as_view({"get": "ga4_properties"}),
        name="customer-google-ga4-properties",
    ),
    path("google/oauth/callback", GoogleOAuthCallbackView.as_view(), name="google-oauth-callback"),
]
