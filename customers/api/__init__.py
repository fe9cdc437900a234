"""Customers over REST: serializers, views (list, create, read, update, soft delete,
restore), urls."""
