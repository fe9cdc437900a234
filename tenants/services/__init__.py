"""Writes and business rules for organizations, people, machines and the audit trail.

Every function here is keyword-only, writes inside one transaction and records an AuditEvent.
"""

from tenants.services.api_keys import CreatedApiKey, api_key_create, api_key_revoke
from tenants.services.audit import audit_record
from tenants.services.invitations import (
    CreatedInvitation,
    invitation_accept,
    invitation_create,
    invitation_revoke,
)
from tenants.services.memberships import membership_remove, membership_update_role
from tenants.services.organizations import (
    membership_create,
    organization_create,
    organization_delete,
    organization_update,
)
from tenants.services.users import user_get_or_create_from_firebase

__all__ = [
    "CreatedApiKey",
    "CreatedInvitation",
    "api_key_create",
    "api_key_revoke",
    "audit_record",
    "invitation_accept",
    "invitation_create",
    "invitation_revoke",
    "membership_create",
    "membership_remove",
    "membership_update_role",
    "organization_create",
    "organization_delete",
    "organization_update",
    "user_get_or_create_from_firebase",
]
