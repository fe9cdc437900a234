"""Every catalog type, compiled into one container, publishes through Tag Manager's API.

Runs against the Google emulator with the official `googleapiclient` (static discovery, OAuth
through the emulator's consent and token endpoints): plan -> ONE bulk_update -> create_version
(no compilerError) -> publish -> versions.live holds exactly one copy of each desired entity.
"""

from __future__ import annotations

from typing import Any

import pytest

from google_emulator import seed
from tests.google_emulator.http_support import gtm_service, sign_in
from tests.trackings.test_compiler import all_specs, alternative_specs, spec
from trackings.compiler import ContainerSpec, DesiredContainer, compile_container, entity_key
from trackings.planner import marker_of, plan_workspace

pytestmark = pytest.mark.slow

CONTAINER = ContainerSpec(
    measurement_id="G-OCT0001TST",
    ads_conversion_id="123456789",
    public_id=seed.GTM_CONTAINER_PUBLIC_ID,
    owner="11111111-1111-4111-8111-111111111111",
)
KINDS = ("tag", "trigger", "variable")


@pytest.fixture
def gtm(google_emulator: Any) -> Any:
    # These tests read the workspace back more often than a deployment would (to prove the
    # plan converges); quota is not what they are about.
    google_emulator.configure({"gtm_quota": {"per_100s": 1000, "per_day": 10000}})
    return gtm_service(google_emulator.http_url, sign_in(google_emulator.http_url))


@pytest.fixture
def workspace(gtm: Any) -> str:
    created = (
        gtm.accounts()
        .containers()
        .workspaces()
        .create(parent=seed.GTM_CONTAINER_PATH, body={"name": "OneClickTag"})
        .execute()
    )
    return str(created["path"])


def read_workspace(gtm: Any, path: str) -> dict[str, list[dict[str, Any]]]:
    ws = gtm.accounts().containers().workspaces()
    return {
        "tag": ws.tags().list(parent=path).execute().get("tag", []),
        "trigger": ws.triggers().list(parent=path).execute().get("trigger", []),
        "variable": ws.variables().list(parent=path).execute().get("variable", []),
        "builtInVariable": ws.built_in_variables()
        .list(parent=path)
        .execute()
        .get("builtInVariable", []),
    }


def deploy(gtm: Any, path: str, desired: DesiredContainer) -> tuple[dict[str, Any], str]:
    """Plan, send the ONE bulk update, make a version and publish it.

    Answers the live version and a new workspace to go on in (GTM deletes the one it versions
    and, with the Default Workspace left, makes none in its place).
    """
    ws = gtm.accounts().containers().workspaces()
    plan = plan_workspace(desired, read_workspace(gtm, path))
    ws.bulk_update(path=path, body={"changes": plan.bulk_changes()}).execute()
    assert plan_workspace(desired, read_workspace(gtm, path)).is_empty  # converged
    made = ws.create_version(path=path, body={"name": "OneClickTag"}).execute()
    assert not made.get("compilerError"), made
    version = made["containerVersion"]
    versions = gtm.accounts().containers().versions()
    versions.publish(path=version["path"]).execute()
    live = dict(versions.live(parent=seed.GTM_CONTAINER_PATH).execute())
    assert live["containerVersionId"] == version["containerVersionId"]
    assert "newWorkspacePath" not in made
    fresh = ws.create(parent=seed.GTM_CONTAINER_PATH, body={"name": "OneClickTag"}).execute()
    return live, str(fresh["path"])


def markers(live: dict[str, Any]) -> list[str]:
    return sorted(str(marker_of(e)) for kind in KINDS for e in live.get(kind, []) if marker_of(e))


def test_every_catalog_type_compiles_plans_and_publishes_without_compiler_error(gtm, workspace):
    specs = all_specs() + alternative_specs()
    assert len(compile_container(specs, CONTAINER).ads_conversion_actions) == sum(
        1 for s in specs if "google_ads" in s.destinations
    )
    # Every type at once makes a container over GTM's 200 KB limit: publish them in two halves.
    half = len(specs) // 2
    for chunk in (specs[half:], specs[:half]):
        desired = compile_container(chunk, CONTAINER)
        live, workspace = deploy(gtm, workspace, desired)
        assert markers(live) == sorted(e.key for e in desired.entities)  # one copy of each
        enabled = {b["type"] for b in live.get("builtInVariable", [])}
        assert desired.built_in_variables <= enabled
    assert spec("button_click", 1) in specs[:half]
    by_marker = {marker_of(e): e for kind in KINDS for e in live.get(kind, [])}
    button = spec("button_click", 1)
    trigger = by_marker[entity_key("trigger", button.id)]
    assert trigger["type"] == "click"
    assert trigger["filter"][0]["type"] == "cssSelector"
    assert trigger["filter"][0]["parameter"][0]["value"] == "{{Click Element}}"
    gaawe = by_marker[entity_key("ga4-tag", button.id)]
    assert gaawe["firingTriggerId"] == [trigger["triggerId"]]
    values = {p["key"]: p.get("value") for p in gaawe["parameter"]}
    assert values["measurementIdOverride"] == "G-OCT0001TST"
    assert values["eventName"] == "button_click"
    awct = by_marker[entity_key("ads-tag", button.id)]
    assert {p["key"]: p.get("value") for p in awct["parameter"]}["conversionId"] == "123456789"
    assert [t["type"] for t in live["tag"]].count("googtag") == 1
    assert [t["type"] for t in live["tag"]].count("gclidw") == 1


def test_a_second_deployment_updates_and_deletes_only_ours(gtm, workspace):
    first = [spec("button_click", 1), spec("purchase", 2), spec("rage_click", 3)]
    _, path = deploy(gtm, workspace, compile_container(first, CONTAINER))

    # Someone adds a trigger named exactly like the one our next tracking will need.
    newcomer = spec("form_submit", 4)
    later = [
        spec("button_click", 1, config={"selector": "button.checkout"}),
        spec("rage_click", 3),
        newcomer,
    ]
    desired = compile_container(later, CONTAINER)
    wanted_name = desired.by_key()[entity_key("trigger", newcomer.id)].name
    triggers = gtm.accounts().containers().workspaces().triggers()
    theirs = triggers.create(parent=path, body={"name": wanted_name, "type": "click"}).execute()

    plan = plan_workspace(desired, read_workspace(gtm, path))
    assert [c.key for c in plan.updates] == [entity_key("trigger", first[0].id)]
    assert {c.key for c in plan.deletes} == {
        entity_key(kind, first[1].id) for kind in ("trigger", "ga4-tag", "ads-tag")
    } | {
        entity_key("variable", f"dlv.ecommerce.{name}")
        for name in ("currency", "transaction_id", "value")
    }
    live, _ = deploy(gtm, path, desired)
    assert markers(live) == sorted(e.key for e in desired.entities)
    [kept] = [t for t in live["trigger"] if t["triggerId"] == theirs["triggerId"]]
    assert kept["name"] == wanted_name
    assert marker_of(kept) is None
    ours = next(t for t in live["trigger"] if marker_of(t) == entity_key("trigger", newcomer.id))
    assert ours["name"] == f"{wanted_name} (OCT 2)"
