"""The trackings views: trackings and tracking types; deployments, plans, versions and rollback."""
