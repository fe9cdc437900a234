"""Read-only questions to Google asked while a request waits: the dry run and the rollback check.

Neither changes anything at Google or in our tables.
"""

from __future__ import annotations

from typing import Any

from customers.models import Customer, GoogleConnection
from integrations.google.clients import google_clients_for
from trackings.engine.ads import ads_validate
from trackings.engine.context import RunContext, with_retries
from trackings.engine.desired import (
    compile_desired,
    known_ads_tag_id,
    removing_trackings,
    wanted_trackings,
)
from trackings.engine.gtm import WORKSPACE_NAME, latest_version_header_or_none, version_entities
from trackings.engine.sync import rollback_conflict
from trackings.models import Deployment
from trackings.planner import plan_workspace


def _read_context(customer: Customer, connection: GoogleConnection) -> RunContext:
    return RunContext(
        deployment=Deployment(organization_id=customer.organization_id, customer=customer),
        customer=customer,
        connection=connection,
        clients=google_clients_for(connection),
    )


def plan_preview(*, customer: Customer, connection: GoogleConnection) -> dict[str, Any]:
    """What the next deployment would change: our workspace (or, when there is none, the latest
    version a new one would start from) diffed with the desired state, plus Ads validate_only."""
    ctx = _read_context(customer, connection)
    gtm = ctx.clients.gtm
    wanted = wanted_trackings(customer)
    removing = removing_trackings(customer)
    compiled = compile_desired(customer, wanted, connection, known_ads_tag_id(wanted))

    workspaces = with_retries("list_workspaces", lambda: gtm.list_workspaces(ctx.container_path))
    ours = next((w for w in workspaces or [] if w.get("name") == WORKSPACE_NAME), None)
    if ours is not None:
        entities = with_retries("list_entities", lambda: gtm.list_entities(ours["path"]))
    else:
        header = latest_version_header_or_none(ctx)
        entities = {}
        if header is not None:
            path = header.get("path") or (
                f"{ctx.container_path}/versions/{header['containerVersionId']}"
            )
            entities = version_entities(with_retries("get_version", lambda: gtm.get_version(path)))
    plan = plan_workspace(compiled.desired, entities)
    ads = ads_validate(
        ctx,
        wanted=[t for t in wanted if t.pk not in compiled.failures],
        desired_actions=compiled.desired.ads_conversion_actions,
        removing=removing,
    )
    answer: dict[str, Any] = {"gtm": plan.summary(), "ads": ads}
    if compiled.failures:
        answer["errors"] = {str(k): v for k, v in compiled.failures.items()}
    return answer


def rollback_precheck(*, customer: Customer, connection: GoogleConnection) -> str | None:
    """The reason a rollback would discard someone else's publish, or None."""
    ctx = _read_context(customer, connection)
    live = with_retries("live_version", lambda: ctx.clients.gtm.live_version(ctx.container_path))
    return rollback_conflict(customer, connection.gtm_container_id, live)
