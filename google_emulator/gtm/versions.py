"""Container versions: create_version/quick_preview from a workspace, publish, live, headers.

Rules and their sources:
- `create_version` "creates a Container Version from the entities present in the workspace,
  deletes the workspace, and sets the base container version to the newly created version"
  (developers.google.com/tag-platform/tag-manager/api/reference/rest/v2/
  accounts.containers.workspaces/create_version). A container is never left without a workspace
  (the UI always shows one: tagmanager help "Workspaces", answer 7497529), so a new "Default
  Workspace" is made only when the deleted one was the last; `newWorkspacePath` names it, and is
  absent otherwise.
- A compiler error is answered as Google documents it, `compilerError: true` and nothing more
  (same page: "compilerError: boolean"); what the emulator found is readable only on its own
  debug endpoint `GET /_emulator/gtm/compiler-errors?path=<workspace path>`.
- Container size: a web container's configuration may not exceed 200 KB; Tag Manager warns from
  70 % on the Versions page (support.google.com/tagmanager/answer/2772488, "Container size") and
  a version over the limit cannot be created or published. Google counts the compiled gtm.js; the
  emulator counts the compact JSON of the version's tags, triggers, variables and folders
  (README.md, "Differences").
"""

from __future__ import annotations

import copy
import json
from typing import Any

from ..errors import failed_precondition, not_found
from ..handlers import Call, handles
from ..state import GTM_CONTAINER_SIZE_LIMIT_BYTES, STATE
from . import render
from .compiler import compile_errors
from .entities import WS, check_fingerprint, locate_workspace
from .store import Container, Entities, Version, get_container, new_fingerprint, split_path
from .workspaces import refuse_while_conflicted, sync

_VERSIONS = "tagmanager.accounts.containers.versions"
_HEADERS = "tagmanager.accounts.containers.version_headers"
_SYNC_OK = {"mergeConflict": False, "syncError": False}
# 200 KB (support.google.com/tagmanager/answer/2772488), as 200 * 1024 bytes; what a version is
# held to unless a benchmark raised `gtm_container_size_limit_bytes` (README.md, "Differences").
CONTAINER_SIZE_LIMIT_BYTES = GTM_CONTAINER_SIZE_LIMIT_BYTES
DEFAULT_WORKSPACE_NAME = "Default Workspace"


def container_size(entities: Entities) -> int:
    """Bytes the version's configuration takes (compact JSON of its entities)."""
    payload = {kind: sorted(bodies.values(), key=str) for kind, bodies in entities.items()}
    return len(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())


def _refuse_oversized(entities: Entities, what: str) -> None:
    size = container_size(entities)
    limit = STATE.config.gtm_container_size_limit_bytes
    if size > limit:
        raise failed_precondition(
            f"Container size limit exceeded: {what} would be {size} bytes, over the "
            f"{limit} byte limit of a web container."
        )


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
    if compile_errors(ws.entities, ws.builtins):
        return 200, {"compilerError": True, "syncStatus": _SYNC_OK}
    _refuse_oversized(ws.entities, "the version")
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
    # The workspace becomes the version and is deleted; only a container left without any
    # workspace gets a fresh Default Workspace, based on the new version.
    del c.workspaces[ws.workspace_id]
    answer = {
        "containerVersion": render.version(c, version),
        "compilerError": False,
        "syncStatus": _SYNC_OK,
    }
    if not c.workspaces:
        fresh = c.new_workspace(DEFAULT_WORKSPACE_NAME)
        answer["newWorkspacePath"] = f"{c.path}/workspaces/{fresh.workspace_id}"
    return 200, answer


@handles(f"{WS}.quick_preview")
def quick_preview(call: Call) -> tuple[int, Any]:
    c, ws = locate_workspace(call.param("path"))
    sync_status = {**_SYNC_OK, "mergeConflict": bool(ws.conflicts)}
    if compile_errors(ws.entities, ws.builtins):
        return 200, {"compilerError": True, "syncStatus": sync_status}
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
    _refuse_oversized(v.entities, "the published container")
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
