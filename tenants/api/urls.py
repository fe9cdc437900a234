from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from tenants.api.views.api_keys import ApiKeyViewSet
from tenants.api.views.audit_events import AuditEventViewSet
from tenants.api.views.invitations import InvitationAcceptView, InvitationViewSet
from tenants.api.views.me import MeView
from tenants.api.views.members import MembershipViewSet
from tenants.api.views.notifications import MyNotificationsView
from tenants.api.views.organizations import OrganizationViewSet

router = SimpleRouter()
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("members", MembershipViewSet, basename="membership")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("api-keys", ApiKeyViewSet, basename="api-key")
router.register("audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns: list[URLPattern | URLResolver] = [
    path("me", MeView.as_view(), name="me"),
    path("me/notifications", MyNotificationsView.as_view(), name="me-notifications"),
    path("invitations/accept/", InvitationAcceptView.as_view(), name="invitation-accept"),
    *router.urls,
]
