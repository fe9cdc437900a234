"""A person working in GTM beside the product: a second API client, signed in on its own.

What it does is what the GTM UI does through the same API: drafts in a workspace, versions,
publishes, deleting workspaces. The product's own client is never used for it.
"""

from __future__ import annotations

from typing import Any

from google_emulator import seed
from tests.google_emulator.http_support import gtm_service, sign_in

CONTAINER = seed.GTM_CONTAINER_PATH


class Person:
    def __init__(self, http_url: str) -> None:
        self.service = gtm_service(http_url, sign_in(http_url))

    @property
    def _workspaces(self) -> Any:
        return self.service.accounts().containers().workspaces()

    def workspaces(self) -> list[dict[str, Any]]:
        answer = self._workspaces.list(parent=CONTAINER).execute()
        return list(answer.get("workspace") or [])

    def create_workspace(self, name: str) -> dict[str, Any]:
        return dict(self._workspaces.create(parent=CONTAINER, body={"name": name}).execute())

    def delete_workspace(self, path: str) -> None:
        self._workspaces.delete(path=path).execute()

    def draft_tag(self, workspace_path: str, name: str) -> dict[str, Any]:
        """A half-done Custom HTML tag on All Pages, not versioned."""
        body = {
            "name": name,
            "type": "html",
            "parameter": [{"type": "template", "key": "html", "value": "<script>1</script>"}],
            "firingTriggerId": ["2147479553"],
        }
        return dict(self._workspaces.tags().create(parent=workspace_path, body=body).execute())

    def delete_entity(self, kind: str, path: str) -> None:
        getattr(self._workspaces, f"{kind}s")().delete(path=path).execute()

    def version(self, workspace_path: str, name: str) -> dict[str, Any]:
        answer = self._workspaces.create_version(path=workspace_path, body={"name": name}).execute()
        return dict(answer["containerVersion"])

    def publish(self, version: dict[str, Any]) -> None:
        versions = self.service.accounts().containers().versions()
        versions.publish(path=version["path"]).execute()

    def live(self) -> dict[str, Any]:
        versions = self.service.accounts().containers().versions()
        return dict(versions.live(parent=CONTAINER).execute())

    def sync(self, workspace_path: str) -> None:
        self._workspaces.sync(path=workspace_path).execute()

    def entities(self, workspace_path: str, kind: str) -> list[dict[str, Any]]:
        listed = getattr(self._workspaces, f"{kind}s")().list(parent=workspace_path).execute()
        return list(listed.get(kind) or [])

    def default_workspace(self) -> str:
        """The Default Workspace, brought up to date the way the GTM UI offers to.

        Versioning a workspace deletes it, and GTM makes a new Default Workspace only when no
        workspace is left: while ours exists, a person who versioned theirs makes a new one.
        """
        path = next(
            (w["path"] for w in self.workspaces() if w["name"] == "Default Workspace"), None
        )
        if path is None:
            return str(self.create_workspace("Default Workspace")["path"])
        self.sync(path)
        return str(path)
