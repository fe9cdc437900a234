"""The GTM half of a deployment: our workspace, one bulk_update, create_version, publish.

GTM calls per deployment, whatever the number of trackings: 5 — a new OneClickTag workspace,
bulk_update, the workspace's status (the ownership check, see trackings.engine.ownership),
create_version and publish. Nothing is read to plan: we plan against the version we last saw
live (what publish answered, kept as the ContainerVersion record; trackings.engine.known_live),
and check the version create_version answers (it carries every entity) before publishing it.
The first deployment into a container reads the live version instead of creating a workspace
(the choose step made one, whose id the connection keeps): 5 too, also into a new container
never versioned. A deployment without changes reads the live version and stops there: 1.

When a person changed the container since we last saw it, the answers in hand disagree with
what we planned against, and the run reads what it needs, bounded: GTM refusing a change (an
entity of ours edited or deleted, a name taken) -> our workspace is synced and listed (5 calls)
and planned again; the version we made holding something not ours that is not what we last saw
live -> the live version is read (1); if that still differs, someone's unpublished version would
go out with ours: the version we made is deleted and theirs made the latest again (3), nothing
is published; our entities not as desired in it (a person deleted or edited one of ours and
published) -> one more round from that version (create, bulk_update, status, create_version).
One change is not seen without a read: a person publishing an older version again (no new
version, the latest unchanged). Our version then carries the latest version's entities forward,
as a version a person makes from any workspace would (workspaces start from the latest version,
not the live one); a health check in between sees it (it reads the live version) and the next
run reads it too.

Workspace policy: our workspace is the one whose id the connection keeps ("OneClickTag" when we
create it). `create_version` deletes it; GTM makes a "Default Workspace" in its place only when
no workspace is left (`newWorkspacePath`), and that one is a person's, so we keep no id and the
next run creates a new OneClickTag workspace. A kept workspace (made at choose time, or left by
an interrupted run) is used without reading it first: what it holds beyond what we planned
against shows as GTM refusing our change (then it is read) or in its status (the ownership
check: a person's changes stop the run; merge conflicts are surfaced, never overwritten).

No per-entity fallback: every refusal of a whole bulk_update we know of would refuse the same
entity per entity too (a stale fingerprint: we re-read and re-plan instead; an invalid entity:
Google names it and the deployment fails with that message, rather than publishing half a
change; quota: per-entity calls would need N times the calls). The one reason per-entity calls
would avoid is a request too large for one call; 100 trackings make about 170 KiB of changes, and
neither Google's documentation nor the emulator sets a limit we could meet, so it is not built.
"""

from __future__ import annotations

import logging
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
from integrations.google.gtm_client import WORKSPACE_NAME
from integrations.google.services.choices import connection_remember_workspace
from trackings.compiler.types import DesiredContainer
from trackings.engine.context import STEP_ATTEMPTS, DeploymentFailed, RunContext, with_retries
from trackings.engine.known_live import (
    KnownLive,
    known_live,
    read_live,
    unless_absent,
    version_entities,
    version_id,
)
from trackings.engine.ownership import foreign_differences, ownership_check
from trackings.engine.references import reference_problems
from trackings.models import DeploymentStatus
from trackings.planner import plan_workspace
from trackings.planner.normalize import lower_camel
from trackings.planner.plan import WorkspacePlan

__all__ = [
    "GtmOutcome",
    "gtm_apply",
    "latest_version_header_or_none",
    "read_version_of",
    "stored_workspace_path",
    "unless_absent",
    "version_entities",
    "version_id",
]

logger = logging.getLogger(__name__)


@dataclass
class Workspace:
    path: str
    # What we believe the workspace holds: the version it was made from as we know it (the one
    # we last saw live), or, once read, its listing.
    entities: dict[str, list[dict[str, Any]]]
    # True while `entities` is believed, not listed: GTM refusing a change planned against it
    # (a name in use, an entity gone) means it holds something else, so it is read then.
    assumed: bool = True
    # Not made by this run (kept from the choose step or an interrupted run, or an existing
    # "OneClickTag" adopted) and not synced by it: it may be out of date with the latest version.
    kept: bool = False


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


def latest_version_header_or_none(ctx: RunContext) -> dict[str, Any] | None:
    """The latest version's header (the plan preview reads it), None before the first version."""
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


def _remember_workspace(ctx: RunContext, workspace_id: str) -> None:
    connection_remember_workspace(connection=ctx.connection, workspace_id=workspace_id)


def stored_workspace_path(ctx: RunContext) -> str | None:
    """The path of the workspace whose id the connection keeps (ours), if it keeps one."""
    workspace_id = ctx.connection.gtm_workspace_id
    return f"{ctx.container_path}/workspaces/{workspace_id}" if workspace_id else None


def _new_workspace(ctx: RunContext, entities: dict[str, list[dict[str, Any]]]) -> Workspace:
    """A new OneClickTag workspace (one call). GTM makes it from the latest version, which we
    believe holds `entities`."""
    made, created = _create_workspace(ctx)
    _remember_workspace(ctx, str(made["workspaceId"]))
    # One adopted (a lost answer, a person's of that name) may hold anything: treated as kept.
    return Workspace(path=str(made["path"]), entities=entities, kept=not created)


def workspace_open(ctx: RunContext, entities: dict[str, list[dict[str, Any]]]) -> Workspace:
    """The workspace of this run: the one whose id we keep (no call), else a new one (one)."""
    path = stored_workspace_path(ctx)
    if path is not None:
        return Workspace(path=path, entities=entities, kept=True)
    return _new_workspace(ctx, entities)


def workspace_reread(ctx: RunContext, workspace: Workspace) -> Workspace:
    """Read the workspace (after a conflict, or a change GTM refused): sync it with the latest
    version, then list it. Gone meanwhile (GTM answers 404): a new one, listed."""
    gtm = ctx.clients.gtm
    path = workspace.path
    try:
        _sync(ctx, path)
    except PermanentGoogleError as error:
        if error.status != 404:
            raise
        _remember_workspace(ctx, "")
        made, _ = _create_workspace(ctx)
        _remember_workspace(ctx, str(made["workspaceId"]))
        path = str(made["path"])
    entities = with_retries("list_entities", lambda: gtm.list_entities(path))
    return Workspace(path=path, entities=entities, assumed=False)


def _bulk_update(
    ctx: RunContext,
    desired: DesiredContainer,
    workspace: Workspace,
    planned: tuple[Any, WorkspacePlan] | None = None,
) -> tuple[WorkspacePlan, Workspace]:
    """Plan and send one bulk_update. A lost answer is never blindly re-sent: the workspace is
    read again and re-planned, so entities created by the lost call are found by marker.
    `planned`: entities already planned against, and that plan (used while the workspace is
    believed to hold exactly those entities)."""
    gtm = ctx.clients.gtm
    for attempt in range(1, STEP_ATTEMPTS + 1):
        if planned is not None and planned[0] is workspace.entities:
            plan = planned[1]
        else:
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
            if not workspace.assumed or error.status not in (400, 404):
                raise
            # It holds something else than we planned against: a person changed the container
            # since we last saw it (deleted one of ours and published: our delete meets a 404;
            # took a name), or an interrupted run of ours left changes in the kept workspace.
            logger.info(
                "Our workspace holds what we did not plan against; reading it",
                extra={"error": error.code},
            )
            workspace = workspace_reread(ctx, workspace)
            continue
        ctx.advance(len(changes))
        return plan, workspace
    raise AssertionError("unreachable")


def _enabled(entities: dict[str, list[dict[str, Any]]] | None) -> set[str]:
    enabled = (entities or {}).get("builtInVariable") or []
    return {lower_camel(str(b.get("type", ""))) for b in enabled}


def _check_ours(
    ctx: RunContext,
    workspace: Workspace,
    plan: WorkspacePlan,
    desired: DesiredContainer,
    live: KnownLive,
) -> None:
    """The ownership check (one getStatus). Built-in variables we want, or enabled live or in
    the workspace as we know it, are no one's change; with nothing live, every built-in the
    workspace enables is accepted: a container never versioned lists Google's default built-ins
    among its changes, and a built-in variable publishes nothing that runs."""
    built_ins = (
        set(desired.built_in_variables) | _enabled(workspace.entities) | _enabled(live.version)
    )
    try:
        ownership_check(
            ctx,
            workspace.path,
            plan,
            built_ins=built_ins,
            any_built_in=live.version is None,
        )
    except DeploymentFailed as error:
        if workspace.kept and error.code == "gtm_foreign_changes":
            # A workspace kept from before may also be out of date: its merge conflicts come
            # first (GTM would refuse the version until a person resolves them).
            _sync(ctx, workspace.path)
        raise


def _withdraw_unpublished(
    ctx: RunContext, version: dict[str, Any], live: KnownLive, differences: list[str]
) -> None:
    """The version we made carries someone's unpublished changes (its workspace was made from
    their version, the latest): delete ours and make theirs the latest again, as it was; nothing
    is published. Three calls (the version headers, set_latest, delete)."""
    gtm = ctx.clients.gtm
    ours = _as_number(version_id(version))
    headers = with_retries(
        "list_version_headers", lambda: gtm.list_version_headers(ctx.container_path)
    )
    earlier = [
        h
        for h in headers
        if not h.get("deleted") and _as_number(version_id(h)) < ours and version_id(h) != "0"
    ]
    previous = max(earlier, key=lambda h: _as_number(version_id(h)), default=None)
    if previous is not None:
        previous_path = str(
            previous.get("path") or f"{ctx.container_path}/versions/{version_id(previous)}"
        )
        with_retries("set_latest_version", lambda: gtm.set_latest_version(previous_path))
    with_retries("delete_version", lambda: gtm.delete_version(str(version["path"])))
    theirs = version_id(previous) or "?"
    live_id = version_id(live.version) or "none"
    listed = ", ".join(differences[:10])
    raise DeploymentFailed(
        "gtm_unpublished_version",
        f"GTM version {theirs} was created but not published (version {live_id} is live), and "
        f"it holds changes OneClickTag did not make ({listed}). Our version would publish them "
        "too, so nothing was published (the version we made from it was deleted). Publish or "
        "delete that version in Tag Manager, then deploy again.",
    )


def _as_number(value: str) -> int:
    return int(value) if value.isdigit() else -1


def _vet(
    ctx: RunContext, version: dict[str, Any], desired: DesiredContainer, live: KnownLive
) -> tuple[KnownLive, bool]:
    """Before publishing, from create_version's answer (every entity of the version): the
    entities not ours must be those live (else someone's unpublished changes would go out with
    ours), and ours as desired. The live version is read only when the answer disagrees with
    what we last saw live. Returns the live version as known now, and whether ours are as
    desired (if not, a person changed ours since we last saw them: plan again from this one)."""
    owner = str(ctx.customer.pk)
    as_desired = plan_workspace(desired, version_entities(version)).is_empty
    if as_desired and not foreign_differences(version, live.version or {}, owner):
        return live, True
    if not live.fresh:
        live = read_live(ctx)
        try:
            _refuse_unreviewed_live(ctx, live)
        except DeploymentFailed:
            _withdraw_version(ctx, version, live.version)
            raise
    differences = foreign_differences(version, live.version or {}, owner)
    if differences:
        _withdraw_unpublished(ctx, version, live, differences)
    return live, as_desired


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
    # The live version before this run's publish (read, or as we last saw it).
    live_before: dict[str, Any] | None


def _conflict_failure(error: GtmFingerprintConflict | GtmMergeConflict) -> DeploymentFailed:
    merge = isinstance(error, GtmMergeConflict)
    return DeploymentFailed(
        "gtm_merge_conflict" if merge else "gtm_fingerprint_conflict",
        f"GTM entities kept changing while we deployed ({error.message}); "
        "deploy again once the container is not being edited.",
    )


def _refuse_unreviewed_live(ctx: RunContext, live: KnownLive) -> None:
    """Under review the approved plan was made against one live version (trackings.engine
    .review); over another (someone published since) it is not what was reviewed. Checked
    against the live version as we know it: no extra call unless we only remember it and
    remember another one. A version published since that we did not see shows in
    create_version's answer; `_vet` reads live then and checks again."""
    expected = ctx.expected_live_version_id
    if expected is None:
        return
    if not live.fresh and version_id(live.version) != expected:
        live = read_live(ctx)
    found = version_id(live.version)
    if found != expected:
        raise DeploymentFailed(
            "gtm_published_since_review",
            f"GTM version {found or '(none)'} was published after the approved plan was made "
            f"against version {expected or '(none)'}: nothing was published. The change waits "
            "for review again, with a fresh plan.",
            release_trackings=True,
            reopen_review=True,
        )


def gtm_apply(ctx: RunContext, desired: DesiredContainer) -> GtmOutcome:
    """Make the container's managed entities match `desired` and publish them."""
    live = known_live(ctx)
    _refuse_unreviewed_live(ctx, live)
    entities = version_entities(live.version or {})
    plan = plan_workspace(desired, entities)
    if plan.is_empty:
        # Nothing to change against what we last saw live: one read says whether that holds.
        if not live.fresh:
            live = read_live(ctx)
            entities = version_entities(live.version or {})
            plan = plan_workspace(desired, entities)
        if plan.is_empty:
            ctx.deployment.plan = {**ctx.deployment.plan, "gtm": plan.summary()}
            ctx.move(DeploymentStatus.APPLYING, plan=ctx.deployment.plan, progress_total=3)
            ctx.advance(3)
            return GtmOutcome(published=None, live_before=live.version)
    workspace = workspace_open(ctx, entities)
    # The plan just made holds for the workspace while it is believed to hold `entities`.
    planned: tuple[Any, WorkspacePlan] | None = (entities, plan)
    conflicts = rounds = 0
    while True:
        try:
            plan, workspace = _bulk_update(ctx, desired, workspace, planned)
            planned = None
            # What we version must be only what we wrote (one getStatus).
            _check_ours(ctx, workspace, plan, desired, live)
            ctx.move(DeploymentStatus.PUBLISHING)
            version = _create_version(ctx, workspace)
            ctx.advance()
            live, as_desired = _vet(ctx, version, desired, live)
            if not as_desired:
                rounds += 1
                if rounds == 2:
                    raise DeploymentFailed(
                        "gtm_fingerprint_conflict",
                        "GTM entities of ours kept changing while we deployed; deploy again "
                        "once the container is not being edited. Nothing was published.",
                    )
                # A person changed ours since we last saw them (deleted one and published):
                # the version we made holds their change; a workspace made from it is planned
                # against what it holds (no read: the answer carried it).
                logger.info("Our entities changed in GTM meanwhile; one more round")
                workspace = _new_workspace(ctx, version_entities(version))
                continue
            published = _publish(ctx, version, live.version)
            ctx.advance()
            return GtmOutcome(published=published, live_before=live.version)
        except (GtmFingerprintConflict, GtmMergeConflict) as error:
            conflicts += 1
            if conflicts == 2:
                raise _conflict_failure(error) from error
            logger.info("GTM conflict; reading the workspace again", extra={"error": error.code})
            workspace = workspace_reread(ctx, workspace)
