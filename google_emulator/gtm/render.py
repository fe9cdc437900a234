"""Entities as the API answers them: stored body plus the fields Google derives on output."""

from __future__ import annotations

import copy
from typing import Any

from .builtins import builtin_name
from .store import KINDS, UI, Account, Container, Version, Workspace


def account(acc: Account) -> dict[str, Any]:
    return {
        "path": f"accounts/{acc.account_id}",
        "accountId": acc.account_id,
        "name": acc.name,
        "shareData": False,
        "fingerprint": acc.fingerprint,
        "tagManagerUrl": f"https://tagmanager.google.com/#/admin/accounts/{acc.account_id}/",
        "features": {"supportUserPermissions": True, "supportMultipleContainers": True},
    }


def container(c: Container, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "path": c.path,
        "accountId": c.account_id,
        "containerId": c.container_id,
        **copy.deepcopy(data if data is not None else c.data),
        "fingerprint": c.fingerprint,
        "tagManagerUrl": f"{UI}/accounts/{c.account_id}/containers/{c.container_id}/",
    }


def workspace(c: Container, ws: Workspace) -> dict[str, Any]:
    out = {
        "path": f"{c.path}/workspaces/{ws.workspace_id}",
        "accountId": c.account_id,
        "containerId": c.container_id,
        "workspaceId": ws.workspace_id,
        "name": ws.name,
        "fingerprint": ws.fingerprint,
        "tagManagerUrl": f"{UI}/{c.path}/workspaces/{ws.workspace_id}?apiLink=workspace",
    }
    if ws.description:
        out["description"] = ws.description
    return out


def entity(c: Container, ws: Workspace, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    collection, id_field = KINDS[kind]
    path = f"{c.path}/workspaces/{ws.workspace_id}/{collection}/{body[id_field]}"
    return {
        "path": path,
        "accountId": c.account_id,
        "containerId": c.container_id,
        "workspaceId": ws.workspace_id,
        **copy.deepcopy(body),
        "tagManagerUrl": f"{UI}/{c.path}/workspaces/{ws.workspace_id}/{collection}/"
        f"{body[id_field]}?apiLink={kind}",
    }


def version_entity(c: Container, v: Version, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    collection, id_field = KINDS[kind]
    return {
        "path": f"{c.path}/versions/{v.version_id}/{collection}/{body[id_field]}",
        "accountId": c.account_id,
        "containerId": c.container_id,
        **copy.deepcopy(body),
        "tagManagerUrl": f"{UI}/{c.path}/versions/{v.version_id}/{collection}/"
        f"{body[id_field]}?apiLink={kind}",
    }


def builtin(c: Container, ws: Workspace | None, bi_type: str) -> dict[str, Any]:
    out: dict[str, Any] = {"accountId": c.account_id, "containerId": c.container_id}
    if ws is not None:
        out["workspaceId"] = ws.workspace_id
        out["path"] = f"{c.path}/workspaces/{ws.workspace_id}/built_in_variables?type={bi_type}"
    out["type"] = bi_type
    out["name"] = builtin_name(bi_type)
    return out


def _by_id(items: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [items[k] for k in sorted(items, key=lambda i: (len(i), i))]


def version(c: Container, v: Version) -> dict[str, Any]:
    out: dict[str, Any] = {
        "path": f"{c.path}/versions/{v.version_id}",
        "accountId": c.account_id,
        "containerId": c.container_id,
        "containerVersionId": v.version_id,
        "container": container(c, v.container),
        "fingerprint": v.fingerprint,
        "tagManagerUrl": f"{UI}/{c.path}/versions/{v.version_id}?apiLink=version",
    }
    if v.name:
        out["name"] = v.name
    if v.description:
        out["description"] = v.description
    if v.deleted:
        out["deleted"] = True
    for kind in KINDS:
        items = [version_entity(c, v, kind, body) for body in _by_id(v.entities[kind])]
        if items:
            out[kind] = items
    if v.builtins:
        out["builtInVariable"] = [builtin(c, None, t) for t in sorted(v.builtins)]
    return out


def version_header(c: Container, v: Version) -> dict[str, Any]:
    out: dict[str, Any] = {
        "path": f"{c.path}/versions/{v.version_id}",
        "accountId": c.account_id,
        "containerId": c.container_id,
        "containerVersionId": v.version_id,
        "numTags": str(len(v.entities["tag"])),
        "numTriggers": str(len(v.entities["trigger"])),
        "numVariables": str(len(v.entities["variable"])),
        "numCustomTemplates": "0",
        "numZones": "0",
        "numClients": "0",
        "numGtagConfigs": "0",
        "numTransformations": "0",
    }
    if v.name:
        out["name"] = v.name
    if v.deleted:
        out["deleted"] = True
    return out
