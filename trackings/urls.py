from django.urls import include, path

urlpatterns = [
    path("", include("trackings.api.trackings_urls")),
    path("", include("trackings.api.deployments_urls")),
]
