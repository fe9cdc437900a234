"""Read-only questions to Google asked while a request waits: the dry run and the rollback check.

Neither changes anything at Google or in our tables. Google's errors reach the person waiting
as domain errors (409 not connected / reconnect, 429, 502, 503), the same as everywhere else.
"""

from __future__ import annotations

from typing import Any

from customers.models import ConnectionStatus, Customer, GoogleConnection
from integrations.google.calls import gtm_calls_all_or_none
from integrations.google.clients import google_clients_for
from integrations.google.errors import (
    GoogleNotConnected,
    GoogleReconnectRequired,
    google_errors_as_domain_errors,
)
from oneclicktag.core.exceptions import Conflict, NotFound
from trackings.desired import (
    compile_desired,
    known_ads_tag_id,
    removing_trackings,
    wanted_trackings,
)
from trackings.engine.apply_ads import ads_validate
from trackings.engine.apply_gtm import (
    latest_version_header_or_none,
    read_version_of,
    stored_workspace_path,
    unless_absent,
    version_entities,
)
from trackings.engine.context import RunContext, with_retries
from trackings.engine.preview_reads import gtm_entities_read
from trackings.engine.rollback import rollback_conflict, rollback_refusal
from trackings.models import ContainerVersion, Deployment
from trackings.planner import plan_workspace


def usable_connection(customer: Customer) -> GoogleConnection:
    """The customer's connection, if it can reach a GTM container; else the 409 that says why."""
    connection = GoogleConnection.objects.filter(
        organization_id=customer.organization_id, customer=customer
    ).first()
    if connection is None or not connection.gtm_container_id:
        raise GoogleNotConnected()
    if connection.status != ConnectionStatus.CONNECTED:
        raise GoogleReconnectRequired("The customer's Google connection must be reconnected.")
    return connection


def customer_plan_preview(*, customer: Customer) -> dict[str, Any]:
    """The dry run of the next deployment; changes nothing at Google or here."""
    connection = usable_connection(customer)
    with google_errors_as_domain_errors():
        return plan_preview(customer=customer, connection=connection)


def customer_rollback_check(*, customer: Customer, gtm_version_id: str, force: bool) -> None:
    """Refuse a rollback request before it is queued: an unknown version is a 404, and unless
    forced, a version whose trackings we do not know is a 409 (`rollback_not_ours`) and someone
    else's publish after our last version too (`gtm_published_elsewhere`); the engine checks
    again when the rollback runs."""
    known = ContainerVersion.objects.filter(
        organization_id=customer.organization_id, customer=customer, gtm_version_id=gtm_version_id
    ).exists()
    if not known:
        raise NotFound("No published version with this id for this customer.")
    connection = usable_connection(customer)
    if force:
        return
    refusal = rollback_refusal(customer, connection.gtm_container_id, gtm_version_id)
    if refusal:
        raise Conflict(refusal, code="rollback_not_ours")
    with google_errors_as_domain_errors():
        conflict = rollback_precheck(customer=customer, connection=connection)
    if conflict:
        raise Conflict(conflict, code="gtm_published_elsewhere")


def read_context(customer: Customer, connection: GoogleConnection) -> RunContext:
    return RunContext(
        deployment=Deployment(organization_id=customer.organization_id, customer=customer),
        customer=customer,
        connection=connection,
        clients=google_clients_for(connection),
    )


# Our workspace's four lists (tags, triggers, variables, built-ins), reserved together; a
# workspace GTM has versioned away costs more, asked one at a time.
PREVIEW_GTM_CALLS = 4


def plan_preview(*, customer: Customer, connection: GoogleConnection) -> dict[str, Any]:
    """What the next deployment would change: our workspace (or, when there is none, the latest
    version a new one would start from) diffed with the desired state, plus Ads validate_only.
    GTM calls: our workspace's four lists, or the latest version's header and the version; none
    when the customer's container was read in the last minute (`gtm_read_at` says when)."""
    ctx = read_context(customer, connection)
    gtm = ctx.clients.gtm
    wanted = wanted_trackings(customer)
    removing = removing_trackings(customer)
    compiled = compile_desired(customer, wanted, connection, known_ads_tag_id(wanted))

    def read() -> dict[str, list[dict[str, Any]]]:
        # Our workspace (found by the id the connection keeps), else the version a new one
        # would start from, else nothing (a container never versioned). All its calls or none.
        with gtm_calls_all_or_none(ctx.clients.context, PREVIEW_GTM_CALLS):
            path = stored_workspace_path(ctx)
            entities = None
            if path is not None:
                entities = unless_absent("list_entities", lambda: gtm.list_entities(path))
            if entities is None:
                entities = {}
                header = latest_version_header_or_none(ctx)
                if header is not None:
                    entities = version_entities(read_version_of(ctx, header))
            return entities

    entities, read_at = gtm_entities_read(
        customer_id=customer.pk, container_id=connection.gtm_container_id, read=read
    )
    plan = plan_workspace(compiled.desired, entities)
    ads = ads_validate(
        ctx,
        wanted=[t for t in wanted if t.pk not in compiled.failures],
        desired_actions=compiled.desired.ads_conversion_actions,
        removing=removing,
    )
    answer: dict[str, Any] = {"gtm": plan.summary(), "ads": ads, "gtm_read_at": read_at}
    if compiled.failures:
        answer["errors"] = {str(k): v for k, v in compiled.failures.items()}
    return answer


def rollback_precheck(*, customer: Customer, connection: GoogleConnection) -> str | None:
    """The reason a rollback would discard someone else's publish, or None."""
    ctx = read_context(customer, connection)
    live = with_retries("live_version", lambda: ctx.clients.gtm.live_version(ctx.container_path))
    return rollback_conflict(customer, connection.gtm_container_id, live)
