from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from tenants.api.api_keys import ApiKeyViewSet
from tenants.api.audit_events import AuditEventViewSet
from tenants.api.invitations import InvitationAcceptView, InvitationViewSet
from tenants.api.me import MeView
from tenants.api.members import MembershipViewSet
from tenants.api.notifications import MyNotificationsView
from tenants.api.organizations import OrganizationViewSet

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
