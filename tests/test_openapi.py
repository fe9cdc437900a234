"""The OpenAPI document describes the API truthfully.

It validates against the OpenAPI specification, and schemathesis's engine, run in-process
against the WSGI application with every phase it has (examples, coverage, fuzzing, stateful)
and every check it has, finds nothing: no 5xx, no schema-valid request rejected, no invalid
request accepted, no answer the document does not describe (status, content type, headers,
body), no auth ignored, nothing usable after DELETE.

The budget is fixed and the run derandomized (seed, `deterministic`, no example database, no
cache), so CI sends the same requests every time; `SCHEMATHESIS_EXAMPLES=100` digs deeper and
`SCHEMATHESIS_SEED=<n>` draws other ones. The counts (operations, requests per phase, checks
run and failed) are printed at the end of the pytest run.
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.db import connections
from drf_spectacular.validation import validate_schema
from schemathesis.engine import events, from_schema
from schemathesis.specs.openapi import _auth_retry

from customers.models import Customer
from integrations.google.services.choices import CHOICE_FIELDS
from oneclicktag.core.throttling import AuthFailureThrottle
from oneclicktag.wsgi import application
from tests.fixtures.tenants import make_id_token
from tests.trackings.api_support import create as create_tracking

# CI's fixed budget (examples per operation and phase) and seed.
EXAMPLES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "5"))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20261205"))
PHASES = ("examples", "coverage", "fuzzing", "stateful")

# Rules a JSON Schema cannot carry: uniqueness, allow-lists, values only the server issues,
# parameters that constrain each other, state. A schema-valid request that breaks one is a 400
# naming the field (API.md: bad input), which `positive_data_acceptance` would count as "valid
# data rejected". Such a 400 is let through only when every field it names is listed here for
# that operation; the run counts them apart. Keys: (method, path, field or field prefix).
SEMANTIC_RULES: dict[tuple[str, str, str], str] = {
    ("POST", "/api/v1/organizations/", "slug"): "unique across organizations",
    ("PATCH", "/api/v1/organizations/{id}/", "slug"): "unique across organizations",
    ("POST", "/api/v1/customers/", "slug"): "unique among the organization's customers",
    ("PATCH", "/api/v1/customers/{id}/", "slug"): "unique among the organization's customers",
    ("POST", "/api/v1/customers/{customer_id}/google/authorize/", "redirect_uri"): (
        "one of ALLOWED_REDIRECT_URIS"
    ),
    ("GET", "/api/v1/google/oauth/callback", "state"): "signed by the server",
    ("POST", "/api/v1/invitations/accept/", "token"): "issued by the server, still pending",
    ("GET", "/api/v1/customers/{id}/stats/", "from"): "at most 396 days before `to`",
    ("GET", "/api/v1/trackings/{id}/stats/", "from"): "at most 396 days before `to`",
    ("POST", "/api/v1/webhooks/", "url"): "a public address (no local or private host)",
    ("PATCH", "/api/v1/webhooks/{id}/", "url"): "a public address (no local or private host)",
    ("POST", "/api/v1/webhooks/{id}/ping/", "is_active"): "only an active endpoint is pinged",
    **{
        ("PATCH", "/api/v1/customers/{customer_id}/google/", name): (
            "an id the Google grant can see (GET .../gtm-containers/, ads-accounts/, "
            "ga4-properties/), under the chosen account or manager"
        )
        for name in CHOICE_FIELDS
    },
    ("POST", "/api/v1/customers/{customer_pk}/site-check/", "gtm_container_id"): (
        "a GTM container is chosen first"
    ),
    ("POST", "/api/v1/customers/", "website_url"): "Django's URL host rules (labels of 63)",
    ("PATCH", "/api/v1/customers/{id}/", "website_url"): "Django's URL host rules (labels of 63)",
}
# A tracking's body is checked against its type (GET /tracking-types/: config JSON Schema,
# destinations, GA4 naming) and its destinations; the schema documents each field alone.
_TRACKING_DEPENDENT = (
    "config.",
    "ads_conversion",
    "ads_conversion.",
    "ga4_event_name",
    "ga4_parameters",
    "ga4_parameters.",
    "destinations",
    "key_event",
    "ads_primary",
)
for _field in _TRACKING_DEPENDENT:
    _why = "depends on the tracking type and destinations"
    SEMANTIC_RULES[("POST", "/api/v1/trackings/", _field)] = _why
    SEMANTIC_RULES[("PATCH", "/api/v1/trackings/{id}/", _field)] = _why
    SEMANTIC_RULES[("POST", "/api/v1/trackings/bulk/", f"trackings.*.{_field}")] = _why


def _semantic_rule(method: str, path: str, field_name: str) -> str | None:
    for (rule_method, rule_path, rule_field), why in SEMANTIC_RULES.items():
        if rule_method != method or rule_path != path:
            continue
        pattern = rule_field.replace(".", r"\.").replace("*", r"[0-9]+")
        if re.fullmatch(pattern + (".*" if rule_field.endswith(".") else ""), field_name, re.S):
            return f"{rule_field} ({why})"
    return None


def test_the_schema_validates_against_the_openapi_specification(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    document = json.loads(response.content)
    validate_schema(document)
    assert document["paths"], "no operation documented"
    assert "/api/v1/customers/" in document["paths"]
    assert "/api/v1/trackings/bulk/" in document["paths"]


def test_the_schema_generates_without_a_warning() -> None:
    # Warnings mean guessed types or colliding operation ids: clients generated from it break.
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=io.StringIO())


@dataclass
class Tally:
    operations: set[str] = field(default_factory=set)
    requests: Counter[str] = field(default_factory=Counter)
    checks: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    phases: dict[str, str] = field(default_factory=dict)
    links: int = 0
    per_operation: Counter[str] = field(default_factory=Counter)

    def add_scenario(self, event: events.ScenarioFinished) -> None:
        recorder = event.recorder
        if event.phase.value != "stateful":
            self.operations.add(recorder.label)
        self.requests[event.phase.value] += len(recorder.interactions)
        self.per_operation[recorder.label] += len(recorder.interactions)
        for case_id, nodes in recorder.checks.items():
            for node in nodes:
                self.checks[(node.name, node.status.value)] += 1
                if node.failure_info is None:
                    continue
                interaction = recorder.interactions.get(case_id)
                response = interaction.response if interaction is not None else None
                answer = (
                    f"{response.status_code} {response.content[:500]!r}"
                    if response
                    else "no answer"
                ) + f"\nfields named: {_named_fields(response)}"
                failure = node.failure_info.failure
                self.failures.append(
                    f"[{event.phase.value}] {node.name}: {failure.title}\n{failure.message}\n"
                    f"answer: {answer}\n{node.failure_info.code_sample}"
                )

    def summary(self) -> str:
        lines = [
            f"schemathesis {schemathesis.__version__}, seed {SEED}, "
            f"{EXAMPLES_PER_OPERATION} examples per operation and phase",
            f"operations: {len(self.operations)}; stateful links: {self.links}",
            "requests: "
            + ", ".join(f"{phase} {self.requests[phase]}" for phase in PHASES)
            + f" (total {sum(self.requests.values())})",
            "phases: " + ", ".join(f"{name} {status}" for name, status in self.phases.items()),
            "most requests: "
            + ", ".join(f"{label} {count}" for label, count in self.per_operation.most_common(5)),
            "checks (passed/failed/errored):",
        ]
        names = sorted({name for name, _ in self.checks})
        lines += [
            f"  {name}: {self.checks[(name, 'success')]}/{self.checks[(name, 'failure')]}"
            f"/{self.checks[(name, 'error')]}"
            for name in names
        ]
        return "\n".join(lines)


@dataclass(frozen=True)
class Workspace:
    tenant: Any
    customer: Customer


@pytest.fixture
def workspace(transactional_db: None, alice: Any, connect_customer: Any) -> Workspace:
    """Alice owns a customer connected to the emulator through the real OAuth flow, with a
    tracking and its queued deployment, so lists carry rows and the fuzzer finds real ids in
    answers. Committed (transactional_db): the engine sends requests from its worker thread,
    which has a database connection of its own."""
    customer = connect_customer(alice)
    create_tracking(
        alice,
        customer,
        destinations=["ga4", "google_ads"],
        ads_conversion={"value": 10, "currency": "USD"},
        ga4_parameters={"plan": "pro"},
    )
    return Workspace(alice, customer)


@pytest.fixture
def probes_without_transport_leftovers(monkeypatch: pytest.MonkeyPatch) -> None:
    """schemathesis 4.32's `ignored_auth` re-sends a request without credentials and hands the
    WSGI transport the network session's settings (`max_redirects`, `verify`, ...), which
    Werkzeug refuses (`EnvironBuilder.__init__() got an unexpected keyword argument`): the
    check would error on every operation instead of running. Drop those settings for it."""
    original = _auth_retry.build_retry_transport_kwargs

    def without_network_settings(*args: Any, **kwargs: Any) -> dict[str, Any]:
        built = original(*args, **kwargs)
        for name in ("max_redirects", "verify", "cert", "proxies"):
            built.pop(name, None)
        return built

    monkeypatch.setattr(_auth_retry, "build_retry_transport_kwargs", without_network_settings)


def _config(headers: dict[str, str]) -> Any:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "cache": {"enabled": False},
            "workers": 1,
            "headers": headers,
            "checks": {"enabled": True},
            "generation": {
                "mode": "all",
                "max-examples": EXAMPLES_PER_OPERATION,
                "deterministic": True,
                "database": "none",
                # PostgreSQL text cannot hold NUL, so every string field refuses it (a 400 naming
                # the field); JSON Schema has no way to say so for a whole API.
                "allow-x00": False,
            },
            "phases": {name: {"enabled": True} for name in PHASES},
        }
    )


@pytest.fixture
def failed_sign_ins_unthrottled(monkeypatch: pytest.MonkeyPatch) -> None:
    """`ignored_auth` re-sends requests with a wrong credential, all from one address; past 30
    a minute the failed-auth throttle rightly answers 429 instead of the 401 the check looks for
    (the throttle has tests of its own)."""
    rates = {**AuthFailureThrottle.THROTTLE_RATES, AuthFailureThrottle.scope: None}
    monkeypatch.setattr(AuthFailureThrottle, "THROTTLE_RATES", rates)


@pytest.mark.slow
# About 2,000 requests: ~70 s on an idle two-core machine, several times that on a loaded one.
@pytest.mark.timeout(900)
def test_schemathesis_finds_nothing_in_any_phase(
    workspace: Workspace,
    probes_without_transport_leftovers: None,
    failed_sign_ins_unthrottled: None,
    record_property: Any,
) -> None:
    tenant = workspace.tenant
    organization_id = str(tenant.organization.pk)
    customer_id = str(workspace.customer.pk)
    token = make_id_token(tenant.owner.email, uid=tenant.owner.firebase_uid)
    headers = {
        "Authorization": f"Bearer {token}",
        "X-Organization": organization_id,
    }
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=_config(headers))
    lock = threading.Lock()

    @schema.hook
    def filter_case(context: Any, case: Any) -> bool:
        # Deleting the organization (or the connected customer) the run works in would turn
        # every later request under it into a 404 and test nothing more (deletion has tests of
        # its own; the run deletes the organizations and customers it creates).
        if case.method.upper() != "DELETE":
            return True
        target = str((case.path_parameters or {}).get("id"))
        return not (
            (case.operation.path == "/api/v1/organizations/{id}/" and target == organization_id)
            or (case.operation.path == "/api/v1/customers/{id}/" and target == customer_id)
        )

    @schema.hook
    def map_case(context: Any, case: Any) -> Any:
        meta = case.meta
        if meta is None or not meta.generation.mode.is_positive:
            return case
        # A cursor is opaque: only a `next`/`previous` link carries a valid one, and a made-up
        # one is rightly a 400. Data meant to be valid asks for the first page.
        if case.query and "cursor" in case.query:
            case.query = {name: value for name, value in case.query.items() if name != "cursor"}
        # A tracking names an existing customer of the organization; a random UUID is a 400
        # naming `customer` (bad input), which no schema can tell from a real one.
        body = case.body if isinstance(case.body, dict) else None
        if body is not None and case.operation.path.startswith("/api/v1/trackings/"):
            items = body.get("trackings") if case.operation.path.endswith("/bulk/") else [body]
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and "customer" in item:
                    item["customer"] = _existing_customer(item["customer"], workspace)
        return case

    semantic: Counter[str] = Counter()

    @schema.hook
    def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
        """Keep every failure but a positive-data 400 that names only SEMANTIC_RULES fields."""
        if type(failure).__name__ != "RejectedPositiveData" or response.status_code != 400:
            return True
        named = _named_fields(response)
        method, path = case.method.upper(), case.operation.path
        rules = [_semantic_rule(method, path, name) for name in named]
        if not named or None in rules:
            return True
        with lock:
            semantic.update(f"{method} {path} {rule}" for rule in rules)
        return False

    used: list[Any] = []

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        # Each engine thread opens a database connection of its own; remember them to close.
        with lock:
            connection = connections["default"]
            if connection not in used:
                used.append(connection)
        return application(environ, start_response)

    schema.app = app

    tally = Tally()
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                tally.add_scenario(event)
            elif isinstance(event, events.NonFatalError):
                tally.errors.append(f"{event.label}: {event.info.title}\n{event.info.traceback}")
            elif isinstance(event, events.PhaseFinished):
                tally.phases[event.phase.name.value] = f"{event.status.value}" + (
                    f" ({event.phase.skip_reason.value})" if event.phase.skip_reason else ""
                )
            elif isinstance(event, events.PhaseStarted):
                started = event.payload
                if isinstance(started, events.StatefulPhasePayload):
                    tally.links = started.transitions_total
    finally:
        for connection in used:
            if connection is not connections["default"] and connection.connection is not None:
                connection.connection.close()

    summary = (
        tally.summary()
        + "\nschema-valid but refused by a rule no schema can carry (SEMANTIC_RULES):\n"
        + ("\n".join(f"  {key}: {count}" for key, count in sorted(semantic.items())) or "  none")
    )
    record_property("schemathesis_summary", summary)
    print(summary)

    assert not tally.errors, "\n\n".join(tally.errors)
    assert not tally.failures, f"{summary}\n\n" + "\n\n".join(tally.failures)
    assert len(tally.operations) >= 60
    assert all(tally.requests[phase] > 0 for phase in ("coverage", "fuzzing", "stateful"))
    assert tally.links > 0


def _existing_customer(value: Any, workspace: Workspace) -> Any:
    if isinstance(value, str):
        try:
            if Customer.objects.filter(
                pk=value, organization=workspace.tenant.organization
            ).exists():
                return value
        except Exception:  # a malformed UUID: not a customer
            pass
    return str(workspace.customer.pk)


def _named_fields(response: Any) -> list[str]:
    """The fields a 400 names (the API's error shape), or none."""
    try:
        return list(json.loads(response.content)["error"]["fields"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return []
