"""The GTM half of a deployment: our workspace, one bulk_update, create_version, publish.

GTM calls per deployment, whatever the number of trackings: a new OneClickTag workspace (or the
status of the one whose id we keep: made at choose time, or left by an interrupted run), the live
version, the latest version's header (plus that version when it is not the live one),
bulk_update, the workspace's status again (the ownership check: every change is one we wrote,
see trackings.engine.ownership), create_version and publish (whose answer is the version now
live, so it is not read again): 7. Into a container never versioned: status, the latest header
(none), bulk_update, status, create_version, publish: 6.

Workspace policy: our workspace is the one whose id the connection keeps ("OneClickTag" when we
create it). `create_version` deletes it; GTM makes a "Default Workspace" in its place only when
no workspace is left (`newWorkspacePath`), and that one is a person's, so we keep no id and the
next run creates a new OneClickTag workspace. A workspace without changes holds the latest version,
so the version is read instead of listing the workspace (two calls instead of four). One with
changes (an interrupted run, a person) is synced and listed; its merge conflicts are surfaced,
never overwritten. Without a kept id (or when GTM deleted that workspace) a new one is created,
or an existing "OneClickTag" adopted.

No per-entity fallback: every refusal of a whole bulk_update we know of would refuse the same
entity per entity too (a stale fingerprint: we re-read and re-plan instead; an invalid entity:
Google names it and the deployment fails with that message, rather than publishing half a
change; quota: per-entity calls would need N times the calls). The one reason per-entity calls
would avoid is a request too large for one call; 100 trackings make about 170 KiB of changes, and
neither Google's documentation nor the emulator sets a limit we could meet, so it is not built.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from integrations.google.errors import (
    GoogleInsufficientPermission,
    GtmCompilerError,
    GtmFingerprintConflict,
    GtmMergeConflict,
    PermanentGoogleError,
    TransientGoogleError,
)
from integrations.google.gtm_client import ENTITY_KINDS, WORKSPACE_NAME
from integrations.google.services.choices import connection_remember_workspace
from trackings.compiler.types import DesiredContainer
from trackings.engine.context import STEP_ATTEMPTS, DeploymentFailed, RunContext, with_retries
from trackings.engine.ownership import ownership_check, refuse_unpublished_foreign_version
from trackings.engine.references import reference_problems
from trackings.models import DeploymentStatus
from trackings.planner import plan_workspace
from trackings.planner.normalize import lower_camel

logger = logging.getLogger(__name__)


@dataclass
class Workspace:
    path: str
    # The workspace's entities as list_entities returns them (or the version it was made from).
    entities: dict[str, list[dict[str, Any]]]
    # The live version, when it was read while opening (a fresh workspace).
    live_version: dict[str, Any] | None = None
    # True when the workspace holds exactly the live version (fresh from it, nothing changed).
    based_on_live: bool = False
    # A workspace we kept from an earlier run, with no changes of its own: it holds the version
    # it was made from, which is the latest one unless someone versioned since (then GTM
    # refuses our changes, e.g. a name still in use there, until it is synced).
    maybe_stale: bool = False


def version_entities(version: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {kind: list(version.get(kind) or []) for kind in ENTITY_KINDS}


def version_id(version: dict[str, Any] | None) -> str:
    return str((version or {}).get("containerVersionId") or "")


def _merge_conflict_message(conflicts: list[dict[str, Any]]) -> str:
    names = []
    for conflict in conflicts:
        for side in ("entityInWorkspace", "entityInBaseVersion"):
            entity = conflict.get(side) or {}
            for kind in ("tag", "trigger", "variable"):
                if kind in entity and entity[kind].get("name"):
                    names.append(f"{kind} '{entity[kind]['name']}'")
    listed = ", ".join(sorted(set(names))) or "some entities"
    return (
        f"The OneClickTag workspace in GTM has merge conflicts ({listed}). Resolve them in Tag "
        "Manager (or delete the OneClickTag workspace), then deploy again."
    )


def _sync(ctx: RunContext, path: str) -> None:
    try:
        answer = with_retries("sync_workspace", lambda: ctx.clients.gtm.sync_workspace(path))
    except GtmMergeConflict as error:
        message = _merge_conflict_message(error.conflicts)
        raise DeploymentFailed("gtm_merge_conflict", message) from error
    conflicts = (answer or {}).get("mergeConflict") or []
    if conflicts:
        raise DeploymentFailed("gtm_merge_conflict", _merge_conflict_message(conflicts))


def _list_workspaces(ctx: RunContext) -> list[dict[str, Any]]:
    return list(
        with_retries("list_workspaces", lambda: ctx.clients.gtm.list_workspaces(ctx.container_path))
        or []
    )


def _named_ours(workspaces: list[dict[str, Any]]) -> dict[str, Any] | None:
    for workspace in workspaces:
        if workspace.get("name") == WORKSPACE_NAME:
            return dict(workspace)
    return None


def _find_workspace(ctx: RunContext) -> dict[str, Any] | None:
    return _named_ours(_list_workspaces(ctx))


def _create_workspace(ctx: RunContext) -> tuple[dict[str, Any], bool]:
    """A new OneClickTag workspace, or (when one turns out to exist: a lost answer, a person's
    workspace of that name) the existing one. True when it is new."""
    gtm = ctx.clients.gtm
    for attempt in range(1, STEP_ATTEMPTS + 1):
        try:
            created = gtm.create_our_workspace(ctx.container_path)
            return dict(created), True
        except TransientGoogleError:
            # The workspace may have been created before the answer was lost: look first.
            existing = _find_workspace(ctx)
            if existing is not None:
                return existing, False
            if attempt == STEP_ATTEMPTS:
                raise
        except PermanentGoogleError as error:
            workspaces = _list_workspaces(ctx)
            existing = _named_ours(workspaces)
            if existing is not None:
                return existing, False
            if "workspace" in error.message.lower():
                names = ", ".join(f"'{w.get('name')}'" for w in workspaces)
                raise DeploymentFailed(
                    "gtm_workspace_limit",
                    "This GTM container has no free workspace slot for OneClickTag to work in "
                    f"(a standard container allows 3; it has {names}). Nothing was published. "
                    "Delete or publish one of them in Tag Manager, then deploy again. "
                    f"(GTM said: {error.message})",
                ) from error
            raise
    raise AssertionError("unreachable")


def unless_absent(step: str, read: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    """A read GTM answers 404 while there is nothing to read (no version yet, none published)."""
    try:
        return with_retries(step, read)
    except PermanentGoogleError as error:
        if error.status == 404:
            return None
        raise


def latest_version_header_or_none(ctx: RunContext) -> dict[str, Any] | None:
    header = unless_absent(
        "latest_version_header",
        lambda: ctx.clients.gtm.latest_version_header(ctx.container_path),
    )
    # Some containers report a version "0" before their first version.
    if header is None or str(header.get("containerVersionId") or "0") == "0":
        return None
    return header


def read_version_of(ctx: RunContext, header: dict[str, Any]) -> dict[str, Any]:
    """The whole version a version header stands for."""
    path = header.get("path") or f"{ctx.container_path}/versions/{header['containerVersionId']}"
    return dict(with_retries("get_version", lambda: ctx.clients.gtm.get_version(path)))


def _entities_of_changes(changes: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """A workspace's entities from its changes, when it was made from no version at all."""
    entities: dict[str, list[dict[str, Any]]] = {kind: [] for kind in ENTITY_KINDS}
    for change in changes:
        if change.get("changeStatus") == "deleted":
            continue
        for kind in ENTITY_KINDS:
            if kind in change:
                entities[kind].append(change[kind])
    return entities


def _from_changes(ctx: RunContext, path: str, changes: list[dict[str, Any]] | None) -> Workspace:
    """A container never versioned: nothing to sync with, and every entity of the workspace is
    one of its changes (the default built-in variables at least), so nothing to list either."""
    if changes is None:
        status = with_retries(
            "get_workspace_status", lambda: ctx.clients.gtm.get_workspace_status(path)
        )
        changes = (status or {}).get("workspaceChange") or []
    return Workspace(path=path, entities=_entities_of_changes(changes))


def _from_latest_version(
    ctx: RunContext, path: str, known_changes: list[dict[str, Any]] | None = None
) -> Workspace:
    """A workspace without changes of its own holds the latest version: read that instead of
    listing the workspace (two calls instead of four). `known_changes`: the workspace's changes
    when its status was read already."""
    gtm = ctx.clients.gtm
    live = unless_absent("live_version", lambda: gtm.live_version(ctx.container_path))
    header = latest_version_header_or_none(ctx)
    if header is None:
        return _from_changes(ctx, path, known_changes)
    latest_id = str(header.get("containerVersionId"))
    if latest_id == version_id(live):
        return Workspace(
            path=path, entities=version_entities(live or {}), live_version=live, based_on_live=True
        )
    latest = read_version_of(ctx, header)
    # create_version merges the latest version in: someone's unpublished one would go out too.
    refuse_unpublished_foreign_version(latest, live or {}, str(ctx.customer.pk))
    return Workspace(path=path, entities=version_entities(latest), live_version=live)


def _remember_workspace(ctx: RunContext, workspace_id: str) -> None:
    connection_remember_workspace(connection=ctx.connection, workspace_id=workspace_id)


def stored_workspace_path(ctx: RunContext) -> str | None:
    """The path of the workspace whose id the connection keeps (ours), if it keeps one."""
    workspace_id = ctx.connection.gtm_workspace_id
    return f"{ctx.container_path}/workspaces/{workspace_id}" if workspace_id else None


def _stored_workspace_status(ctx: RunContext) -> tuple[str, dict[str, Any]] | None:
    """Our workspace by its stored id, with its status; None when there is none any more."""
    path = stored_workspace_path(ctx)
    if path is None:
        return None
    status = unless_absent(
        "get_workspace_status", lambda: ctx.clients.gtm.get_workspace_status(path)
    )
    if status is None:
        _remember_workspace(ctx, "")
        return None
    return path, status


def workspace_open(ctx: RunContext) -> Workspace:
    """Open our workspace (by the id we keep) or start a new one, and read what it holds.

    The usual case costs three calls: the status of the workspace GTM made from our last
    version (no changes), then the live version and the latest version's header.
    """
    stored = _stored_workspace_status(ctx)
    if stored is None:
        workspace, created = _create_workspace(ctx)
        _remember_workspace(ctx, str(workspace["workspaceId"]))
        path = str(workspace["path"])
        if created:
            return _from_latest_version(ctx, path)
        status = with_retries(
            "get_workspace_status", lambda: ctx.clients.gtm.get_workspace_status(path)
        )
    else:
        path, status = stored
    conflicts = (status or {}).get("mergeConflict") or []
    if conflicts:
        raise DeploymentFailed("gtm_merge_conflict", _merge_conflict_message(conflicts))
    workspace_changes = (status or {}).get("workspaceChange") or []
    if not workspace_changes:
        # Nothing of its own: it holds the latest version (unless someone versioned since).
        opened = _from_latest_version(ctx, path, known_changes=workspace_changes)
        opened.maybe_stale = True
        return opened
    if latest_version_header_or_none(ctx) is None:
        return _from_changes(ctx, path, workspace_changes)
    # Changes left by an interrupted run (or a person): bring it up to date and list it.
    _sync(ctx, path)
    entities = with_retries("list_entities", lambda: ctx.clients.gtm.list_entities(path))
    return Workspace(path=path, entities=entities)


def workspace_reread(ctx: RunContext, workspace: Workspace) -> Workspace:
    """Read the workspace again (after a conflict): sync with the latest version, then list.
    Gone meanwhile (GTM answers 404): open or start one as a run does."""
    gtm = ctx.clients.gtm
    path = workspace.path
    try:
        _sync(ctx, path)
    except PermanentGoogleError as error:
        if error.status != 404:
            raise
        _remember_workspace(ctx, "")
        return workspace_open(ctx)
    entities = with_retries("list_entities", lambda: gtm.list_entities(path))
    return Workspace(path=path, entities=entities, live_version=workspace.live_version)


def _bulk_update(
    ctx: RunContext, desired: DesiredContainer, workspace: Workspace
) -> tuple[Any, Workspace]:
    """Plan and send one bulk_update. A lost answer is never blindly re-sent: the workspace is
    read again and re-planned, so entities created by the lost call are found by marker."""
    gtm = ctx.clients.gtm
    for attempt in range(1, STEP_ATTEMPTS + 1):
        plan = plan_workspace(desired, workspace.entities)
        changes = plan.bulk_changes()
        ctx.deployment.plan = {**ctx.deployment.plan, "gtm": plan.summary()}
        ctx.move(
            DeploymentStatus.APPLYING, plan=ctx.deployment.plan, progress_total=len(changes) + 3
        )
        if not changes:
            return plan, workspace
        try:
            gtm.bulk_update(workspace.path, changes)
        except TransientGoogleError:
            if attempt == STEP_ATTEMPTS:
                raise
            workspace = workspace_reread(ctx, workspace)
            continue
        except PermanentGoogleError as error:
            if not workspace.maybe_stale or error.status not in (400, 404):
                raise
            # Someone versioned since we made it (a person deleted one of ours and published:
            # our workspace still holds it, so its name is "in use"). Synced, a workspace
            # without changes holds the latest version, which is what we planned against.
            logger.info("Our kept workspace was stale; syncing it", extra={"error": error.code})
            _sync(ctx, workspace.path)
            workspace.maybe_stale = False
            continue
        workspace.based_on_live = False
        ctx.advance(len(changes))
        return plan, workspace
    raise AssertionError("unreachable")


def _create_version(ctx: RunContext, workspace: Workspace) -> dict[str, Any]:
    deployment = ctx.deployment
    name = f"OneClickTag {deployment.created_at:%Y-%m-%d %H:%M} ({str(deployment.pk)[:8]})"
    notes = f"Published by OneClickTag, deployment {deployment.pk}."
    path = workspace.path
    try:
        answer = with_retries(
            "create_version",
            lambda: ctx.clients.gtm.create_version(path, name, notes),
            # A lost answer may mean the version exists and the workspace is gone; the rerun
            # of the deployment converges from the latest version instead of repeating here.
            attempts=1,
        )
    except GoogleInsufficientPermission as error:
        raise DeploymentFailed(
            "google_insufficient_permission",
            "The connected Google account may not create versions of this GTM container: "
            "OneClickTag needs the Publish permission there (the account lacks Approve and "
            "Publish). Ask a container admin to grant Publish, then deploy again. Nothing was "
            "published.",
        ) from error
    except GtmCompilerError as error:
        # Google names nothing: read the workspace and find the dangling references ourselves.
        entities = with_retries("list_entities", lambda: ctx.clients.gtm.list_entities(path))
        problems = reference_problems(entities)
        blamed = tuple(dict.fromkeys(p.name for p in problems if p.kind == "tag"))
        reason = "; ".join(p.message for p in problems[:3]) or error.message
        raise DeploymentFailed(
            "gtm_compiler_error",
            f"GTM could not compile the container version: {reason}. Nothing was published.",
            entity_names=blamed,
            reason=reason,
        ) from error
    sync_status = (answer or {}).get("syncStatus") or {}
    if sync_status.get("mergeConflict"):
        raise GtmMergeConflict("The workspace is out of date with the latest version.")
    version = (answer or {}).get("containerVersion") or {}
    if not version.get("path"):
        raise PermanentGoogleError("GTM created no container version.", api="gtm")
    # GTM deleted the workspace it versioned; a workspace it makes in its place (only when none
    # is left: `newWorkspacePath`) is the container's Default Workspace, a person's, not ours.
    # The next run makes a new OneClickTag workspace (one call, as the status of a kept one).
    _remember_workspace(ctx, "")
    return dict(version)


def _publish(
    ctx: RunContext, version: dict[str, Any], live_before: dict[str, Any] | None
) -> dict[str, Any]:
    """Publish the version; answers the version now live, as publish answers it (no read)."""
    try:
        answer = with_retries(
            "publish_version",
            lambda: ctx.clients.gtm.publish_version(version["path"], version.get("fingerprint")),
        )
    except GoogleInsufficientPermission as error:
        _withdraw_version(ctx, version, live_before)
        raise DeploymentFailed(
            "google_insufficient_permission",
            "The connected Google account may create versions of this GTM container but not "
            "publish them: OneClickTag needs the Publish permission there. Ask a container "
            "admin to grant Publish, then deploy again. The version it made was withdrawn; "
            "nothing was published.",
        ) from error
    if (answer or {}).get("compilerError"):
        raise DeploymentFailed(
            "gtm_compiler_error", "GTM could not compile the version when publishing it."
        )
    return dict((answer or {}).get("containerVersion") or version)


def _withdraw_version(
    ctx: RunContext, version: dict[str, Any], live_before: dict[str, Any] | None
) -> None:
    """Undo an unpublishable version: the live one becomes the latest again (so no person's next
    workspace starts from our unpublished changes), then ours is deleted. Approve allows both."""
    gtm = ctx.clients.gtm
    live = live_before or unless_absent(
        "live_version", lambda: gtm.live_version(ctx.container_path)
    )
    live_path = (live or {}).get("path")
    if live_path:
        with_retries("set_latest_version", lambda: gtm.set_latest_version(str(live_path)))
    with_retries("delete_version", lambda: gtm.delete_version(str(version["path"])))


@dataclass
class GtmOutcome:
    # The version published by this run (as publish answered it: live now), or None when the
    # live version already matched.
    published: dict[str, Any] | None
    # The live version read while opening (still live when nothing was published).
    live_before: dict[str, Any] | None


def _built_ins(desired: DesiredContainer, workspace: Workspace) -> set[str]:
    """Built-in variables we want, and those enabled when we opened the workspace (a container
    never versioned lists Google's defaults among its changes)."""
    enabled = workspace.entities.get("builtInVariable") or []
    found = {lower_camel(str(b.get("type", ""))) for b in enabled}
    return set(desired.built_in_variables) | found


def _refuse_unreviewed_live(ctx: RunContext, workspace: Workspace) -> None:
    """Under review the approved plan was made against one live version (trackings.engine
    .review); over another (someone published since) it is not what was reviewed. Checked
    with the live version read while opening the workspace: no extra call."""
    expected = ctx.expected_live_version_id
    if expected is None or workspace.live_version is None:
        return
    live = version_id(workspace.live_version)
    if live != expected:
        raise DeploymentFailed(
            "gtm_published_since_review",
            f"GTM version {live} was published after the approved plan was made against "
            f"version {expected or '(none)'}: nothing was published. The change waits for "
            "review again, with a fresh plan.",
            release_trackings=True,
            reopen_review=True,
        )


def gtm_apply(ctx: RunContext, desired: DesiredContainer) -> GtmOutcome:
    """Make the container's managed entities match `desired` and publish them."""
    workspace = workspace_open(ctx)
    _refuse_unreviewed_live(ctx, workspace)
    for attempt in (1, 2):
        try:
            plan, workspace = _bulk_update(ctx, desired, workspace)
            if not plan.bulk_changes() and workspace.based_on_live:
                ctx.advance(3)
                return GtmOutcome(published=None, live_before=workspace.live_version)
            # What we versioned must be only what we wrote (one getStatus).
            ownership_check(ctx, workspace.path, plan, built_ins=_built_ins(desired, workspace))
            ctx.move(DeploymentStatus.PUBLISHING)
            version = _create_version(ctx, workspace)
            ctx.advance()
            published = _publish(ctx, version, workspace.live_version)
            ctx.advance()
            return GtmOutcome(published=published, live_before=workspace.live_version)
        except (GtmFingerprintConflict, GtmMergeConflict) as error:
            if attempt == 2:
                code = (
                    "gtm_merge_conflict"
                    if isinstance(error, GtmMergeConflict)
                    else "gtm_fingerprint_conflict"
                )
                raise DeploymentFailed(
                    code,
                    f"GTM entities kept changing while we deployed ({error.message}); "
                    "deploy again once the container is not being edited.",
                ) from error
            logger.info("GTM conflict; reading the workspace again", extra={"error": error.code})
            workspace = workspace_reread(ctx, workspace)
    raise AssertionError("unreachable")
