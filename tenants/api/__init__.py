"""The tenants REST API (/me, organizations, members, invitations, API keys, audit events):
serializers, views/ (one module per resource), urls, and the organization-scoped viewset every
tenant API builds on (viewsets)."""
