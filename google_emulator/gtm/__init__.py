"""Tag Manager API v2. Importing the package registers its store and every method handler."""

from . import bulk, containers, entities, versions, workspaces

__all__ = ["bulk", "containers", "entities", "versions", "workspaces"]
