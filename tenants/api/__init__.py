"""The tenants REST API: /me, organizations, members, invitations, API keys, audit events."""
