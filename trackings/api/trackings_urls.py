from django.urls import path
from rest_framework.routers import SimpleRouter

from trackings.api.trackings import TrackingTypeDetailView, TrackingTypeListView, TrackingViewSet

router = SimpleRouter()
router.register("trackings", TrackingViewSet, basename="tracking")

urlpatterns = [
    path("tracking-types/", TrackingTypeListView.as_view(), name="tracking-type-list"),
    path(
        "tracking-types/<str:key>/", TrackingTypeDetailView.as_view(), name="tracking-type-detail"
    ),
    *router.urls,
]
