"""Google Tag Manager API v2 through googleapiclient (static discovery), one method per use.

Paths are GTM API paths (`accounts/6000000001/containers/7000000001/workspaces/3`). Every request
runs through `google_call`, which takes a quota token first: list methods follow page tokens,
and each page is a call that counts.
"""

from __future__ import annotations

from typing import Any

from integrations.google.calls import CallContext, google_call
from integrations.google.errors import GtmCompilerError, GtmMergeConflict

ENTITY_KINDS = ("tag", "trigger", "variable", "builtInVariable")
# Our workspace in a customer's container: choosing the container creates (or adopts) it, a
# deployment creates it again after GTM deleted it. One name and one description for both.
WORKSPACE_NAME = "OneClickTag"
WORKSPACE_DESCRIPTION = "Managed by OneClickTag. Changes made here may be overwritten."


class GtmClient:
    def __init__(self, service: Any, context: CallContext) -> None:
        self._service = service
        self._context = context
        # googleapiclient builds a Resource (every method, with its docstring) at each step of
        # `accounts().containers().workspaces()`: these are built once per client instead of
        # once per call (a deployment's five calls built 17, ~7 % of a 1,000-tracking run's CPU).
        self._resources: dict[str, Any] = {}

    def _resource(self, name: str) -> Any:
        """A sub-resource of `accounts().containers()` (`workspaces`, `versions`, ...)."""
        if "containers" not in self._resources:
            self._resources["containers"] = self._service.accounts().containers()
        if name not in self._resources:
            self._resources[name] = getattr(self._resources["containers"], name)()
        return self._resources[name]

    def _execute(self, method: str, request: Any, *, fingerprinted: bool = False) -> dict[str, Any]:
        result = google_call(
            self._context,
            api="gtm",
            method=f"tagmanager.{method}",
            call=lambda: request.execute(num_retries=0),
            fingerprinted=fingerprinted,
        )
        return result if isinstance(result, dict) else {}

    def _list_all(self, method: str, make_request: Any, key: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page_token: str | None = None
        while True:
            page = self._execute(method, make_request(page_token))
            items.extend(page.get(key) or [])
            page_token = page.get("nextPageToken")
            if not page_token:
                return items

    # --- accounts and containers ------------------------------------------------------------

    def list_accounts(self) -> list[dict[str, Any]]:
        accounts = self._service.accounts()
        return self._list_all(
            "accounts.list", lambda token: accounts.list(pageToken=token), "account"
        )

    def list_user_permissions(self, account_path: str) -> list[dict[str, Any]]:
        """Who may do what in a GTM account; Google answers only an account administrator
        whose grant holds the tagmanager.manage.users scope."""
        permissions = self._service.accounts().user_permissions()
        return self._list_all(
            "accounts.user_permissions.list",
            lambda token: permissions.list(parent=account_path, pageToken=token),
            "userPermission",
        )

    def list_containers(self, account_path: str) -> list[dict[str, Any]]:
        containers = self._service.accounts().containers()
        return self._list_all(
            "accounts.containers.list",
            lambda token: containers.list(parent=account_path, pageToken=token),
            "container",
        )

    def get_container(self, container_path: str) -> dict[str, Any]:
        request = self._service.accounts().containers().get(path=container_path)
        return self._execute("accounts.containers.get", request)

    def create_container(self, account_path: str, name: str) -> dict[str, Any]:
        request = (
            self._service.accounts()
            .containers()
            .create(parent=account_path, body={"name": name, "usageContext": ["web"]})
        )
        return self._execute("accounts.containers.create", request)

    # --- workspaces -------------------------------------------------------------------------

    def _workspaces(self) -> Any:
        return self._resource("workspaces")

    def list_workspaces(self, container_path: str) -> list[dict[str, Any]]:
        workspaces = self._workspaces()
        return self._list_all(
            "accounts.containers.workspaces.list",
            lambda token: workspaces.list(parent=container_path, pageToken=token),
            "workspace",
        )

    def create_our_workspace(self, container_path: str) -> dict[str, Any]:
        return self.create_workspace(container_path, WORKSPACE_NAME, WORKSPACE_DESCRIPTION)

    def create_workspace(self, container_path: str, name: str, description: str) -> dict[str, Any]:
        request = self._workspaces().create(
            parent=container_path, body={"name": name, "description": description}
        )
        return self._execute("accounts.containers.workspaces.create", request)

    def get_workspace_status(self, workspace_path: str) -> dict[str, Any]:
        request = self._workspaces().getStatus(path=workspace_path)
        return self._execute("accounts.containers.workspaces.getStatus", request)

    def sync_workspace(self, workspace_path: str) -> dict[str, Any]:
        """Bring the workspace up to the latest version; merge conflicts raise GtmMergeConflict."""
        response = self._execute(
            "accounts.containers.workspaces.sync", self._workspaces().sync(path=workspace_path)
        )
        conflicts = response.get("mergeConflict") or []
        if conflicts or (response.get("syncStatus") or {}).get("mergeConflict"):
            raise GtmMergeConflict(
                f"The workspace has {len(conflicts) or 'unresolved'} merge conflict(s) in GTM.",
                conflicts=conflicts,
            )
        return response

    def list_entities(self, workspace_path: str) -> dict[str, list[dict[str, Any]]]:
        """Tags, triggers, variables and enabled built-in variables: four list calls."""
        workspaces = self._workspaces()
        sources = {
            "tag": ("tags", workspaces.tags(), "tag"),
            "trigger": ("triggers", workspaces.triggers(), "trigger"),
            "variable": ("variables", workspaces.variables(), "variable"),
            "builtInVariable": (
                "built_in_variables",
                workspaces.built_in_variables(),
                "builtInVariable",
            ),
        }
        entities: dict[str, list[dict[str, Any]]] = {}
        for kind, (resource, collection, key) in sources.items():
            entities[kind] = self._list_all(
                f"accounts.containers.workspaces.{resource}.list",
                lambda token, c=collection: c.list(parent=workspace_path, pageToken=token),
                key,
            )
        return entities

    def bulk_update(
        self, workspace_path: str, changes: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Apply every change in one call; returns the added and updated entities."""
        request = self._workspaces().bulk_update(path=workspace_path, body={"changes": changes})
        response = self._execute(
            "accounts.containers.workspaces.bulk_update", request, fingerprinted=True
        )
        return list(response.get("changes") or [])

    def create_version(self, workspace_path: str, name: str, notes: str) -> dict[str, Any]:
        request = self._workspaces().create_version(
            path=workspace_path, body={"name": name, "notes": notes}
        )
        response = self._execute("accounts.containers.workspaces.create_version", request)
        if response.get("compilerError"):
            raise GtmCompilerError(
                "GTM could not compile the workspace; no version was created.", response=response
            )
        if (response.get("syncStatus") or {}).get("mergeConflict"):
            raise GtmMergeConflict("The workspace has merge conflicts; no version was created.")
        return response

    # --- versions ---------------------------------------------------------------------------

    def _versions(self) -> Any:
        return self._resource("versions")

    def publish_version(self, version_path: str, fingerprint: str | None = None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"path": version_path}
        if fingerprint:
            kwargs["fingerprint"] = fingerprint
        response = self._execute(
            "accounts.containers.versions.publish",
            self._versions().publish(**kwargs),
            fingerprinted=bool(fingerprint),
        )
        if response.get("compilerError"):
            raise GtmCompilerError(
                "GTM could not compile the version; nothing was published.", response=response
            )
        return response

    def delete_version(self, version_path: str) -> None:
        self._execute(
            "accounts.containers.versions.delete", self._versions().delete(path=version_path)
        )

    def set_latest_version(self, version_path: str) -> dict[str, Any]:
        """Make this version the one new workspaces start from (and sync to)."""
        return self._execute(
            "accounts.containers.versions.set_latest",
            self._versions().set_latest(path=version_path),
        )

    def live_version(self, container_path: str) -> dict[str, Any]:
        return self._execute(
            "accounts.containers.versions.live", self._versions().live(parent=container_path)
        )

    def get_version(self, version_path: str) -> dict[str, Any]:
        return self._execute(
            "accounts.containers.versions.get", self._versions().get(path=version_path)
        )

    def list_version_headers(self, container_path: str) -> list[dict[str, Any]]:
        """Every version's header (deleted ones left out), oldest first."""
        headers = self._resource("version_headers")
        return self._list_all(
            "accounts.containers.version_headers.list",
            lambda token: headers.list(parent=container_path, pageToken=token),
            "containerVersionHeader",
        )

    def latest_version_header(self, container_path: str) -> dict[str, Any]:
        request = self._resource("version_headers").latest(parent=container_path)
        return self._execute("accounts.containers.version_headers.latest", request)
