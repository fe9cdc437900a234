"""Container versions: create_version/quick_preview from a workspace, publish, live, headers."""

from __future__ import annotations

import copy
from typing import Any

from ..errors import failed_precondition, not_found
from ..handlers import Call, handles
from . import render
from .compiler import compile_errors
from .entities import WS, check_fingerprint, locate_workspace
from .store import Container, Version, get_container, new_fingerprint, split_path
from .workspaces import refuse_while_conflicted, sync

_VERSIONS = "tagmanager.accounts.containers.versions"
_HEADERS = "tagmanager.accounts.containers.version_headers"
_SYNC_OK = {"mergeConflict": False, "syncError": False}


def _container(path: str) -> Container:
    ids = split_path(path)
    return get_container(ids[0], ids[1])


def _version_at(path: str, *, allow_deleted: bool = True) -> tuple[Container, Version]:
    c = _container(path)
    v = c.versions.get(path.rsplit("/", 1)[1])
    if v is None or (v.deleted and not allow_deleted):
        raise not_found(path)
    return c, v


@handles(f"{WS}.create_version")
def create_version(call: Call) -> tuple[int, Any]:
    c, ws = locate_workspace(call.param("path"))
    sync(c, ws)  # Google merges the latest version in first
    refuse_while_conflicted(c, ws)
    problems = compile_errors(ws.entities, ws.builtins)
    if problems:
        return 200, {"compilerError": True, "syncStatus": _SYNC_OK, "compilerErrors": problems}
    options = call.body or {}
    version = Version(
        version_id=c.allocate("version"),
        name=options.get("name", ""),
        description=options.get("notes", ""),
        fingerprint=new_fingerprint(),
        entities=copy.deepcopy(ws.entities),
        builtins=copy.deepcopy(ws.builtins),
        container=copy.deepcopy(c.data),
    )
    c.versions[version.version_id] = version
    c.latest_version_id = version.version_id
    # The workspace becomes the version; a fresh one takes its place, based on the new version.
    del c.workspaces[ws.workspace_id]
    fresh = c.new_workspace(ws.name, ws.description)
    return 200, {
        "containerVersion": render.version(c, version),
        "compilerError": False,
        "newWorkspacePath": f"{c.path}/workspaces/{fresh.workspace_id}",
        "syncStatus": _SYNC_OK,
    }


@handles(f"{WS}.quick_preview")
def quick_preview(call: Call) -> tuple[int, Any]:
    c, ws = locate_workspace(call.param("path"))
    problems = compile_errors(ws.entities, ws.builtins)
    sync_status = {**_SYNC_OK, "mergeConflict": bool(ws.conflicts)}
    if problems:
        return 200, {"compilerError": True, "syncStatus": sync_status, "compilerErrors": problems}
    preview = Version("0", "", "", new_fingerprint(), ws.entities, ws.builtins, c.data)
    return 200, {
        "containerVersion": render.version(c, preview),
        "compilerError": False,
        "syncStatus": sync_status,
    }


@handles(f"{_VERSIONS}.get")
def versions_get(call: Call) -> tuple[int, Any]:
    path = call.param("path")
    if call.param("containerVersionId"):
        path = f"{path.rsplit('/', 1)[0]}/{call.param('containerVersionId')}"
    c, v = _version_at(path)
    return 200, render.version(c, v)


@handles(f"{_VERSIONS}.live")
def versions_live(call: Call) -> tuple[int, Any]:
    c = _container(call.param("parent"))
    live = c.version(c.live_version_id)
    if live is None:
        raise not_found(f"live version of {c.path} (nothing is published)")
    return 200, render.version(c, live)


@handles(f"{_VERSIONS}.publish")
def versions_publish(call: Call) -> tuple[int, Any]:
    c, v = _version_at(call.param("path"))
    check_fingerprint(call.param("fingerprint"), v.fingerprint, call.param("path"))
    if v.deleted:
        raise failed_precondition(f"{call.param('path')} is deleted and cannot be published")
    c.live_version_id = v.version_id
    return 200, {"containerVersion": render.version(c, v), "compilerError": False}


@handles(f"{_VERSIONS}.set_latest")
def versions_set_latest(call: Call) -> tuple[int, Any]:
    c, v = _version_at(call.param("path"), allow_deleted=False)
    c.latest_version_id = v.version_id
    return 200, render.version(c, v)


@handles(f"{_VERSIONS}.delete")
def versions_delete(call: Call) -> tuple[int, Any]:
    c, v = _version_at(call.param("path"))
    if v.version_id == c.live_version_id:
        raise failed_precondition("The published version cannot be deleted.")
    v.deleted = True
    return 200, None


@handles(f"{_VERSIONS}.undelete")
def versions_undelete(call: Call) -> tuple[int, Any]:
    c, v = _version_at(call.param("path"))
    v.deleted = False
    return 200, render.version(c, v)


@handles(f"{_VERSIONS}.update")
def versions_update(call: Call) -> tuple[int, Any]:
    c, v = _version_at(call.param("path"), allow_deleted=False)
    check_fingerprint(call.param("fingerprint"), v.fingerprint, call.param("path"))
    body = call.body or {}
    # Only the version's name and description are editable; the content is immutable.
    v.name = body.get("name", v.name)
    v.description = body.get("description", v.description)
    v.fingerprint = new_fingerprint()
    return 200, render.version(c, v)


@handles(f"{_HEADERS}.list")
def headers_list(call: Call) -> tuple[int, Any]:
    c = _container(call.param("parent"))
    include_deleted = bool(call.param("includeDeleted"))
    ordered = sorted(c.versions.values(), key=lambda v: int(v.version_id))
    found = [render.version_header(c, v) for v in ordered if include_deleted or not v.deleted]
    return 200, ({"containerVersionHeader": found} if found else {})


@handles(f"{_HEADERS}.latest")
def headers_latest(call: Call) -> tuple[int, Any]:
    c = _container(call.param("parent"))
    latest = c.version(c.latest_version_id)
    if latest is None:
        raise not_found(f"latest version of {c.path} (no version yet)")
    return 200, render.version_header(c, latest)
