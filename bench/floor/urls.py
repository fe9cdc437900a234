from django.urls import path

from bench.floor import views

urlpatterns = [
    path("floor/trackings/", views.trackings),
    path("floor/trackings/bulk/", views.trackings_bulk),
    path("floor/trackings/<uuid:pk>/", views.tracking_detail),
]
