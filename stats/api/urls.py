from django.urls import path

from stats.api.views import CustomerStatsViewSet, TrackingStatsViewSet

urlpatterns = [
    path(
        "trackings/<uuid:pk>/stats/",
        TrackingStatsViewSet.as_view({"get": "retrieve"}),
        name="tracking-stats",
    ),
    path(
        "customers/<uuid:pk>/stats/",
        CustomerStatsViewSet.as_view({"get": "retrieve"}),
        name="customer-stats",
    ),
]
