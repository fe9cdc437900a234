"""Tag and trigger types with their required parameters (google_emulator/gtm/types.py): each
request below was accepted by the old emulator, which took any parameters on any type."""

from __future__ import annotations

import pytest

from .http_support import WORKSPACE, google_error


def _p(key, value, kind="template"):
    return {"type": kind, "key": key, "value": value}


def _b(key, value="false"):
    return _p(key, value, "boolean")


def _tag(kind, *params, name="T"):
    return {
        "name": name,
        "type": kind,
        "parameter": list(params),
        "firingTriggerId": ["2147479553"],
    }


GAAWE_OK = [_p("eventName", "generate_lead"), _p("measurementIdOverride", "G-ABC1234567")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_tag("fancy_tag", _p("html", "<p></p>")), "tag.type"),
        (_tag("gaawe", _p("eventName", "generate_lead")), "tag.parameter"),
        (_tag("gaawe", *GAAWE_OK, _p("sendEcommerceData", "false")), "tag.parameter[2].type"),
        (_tag("awct", _p("conversionId", "123456789")), "tag.parameter"),
        (_tag("awct", _p("conversionId", "1", "integer"), _p("conversionLabel", "x")),
         "tag.parameter[0].type"),
        (_tag("googtag"), "tag.parameter"),
        (_tag("googtag", _p("tagId", "")), "tag.parameter[0].value"),
        (_tag("html", _p("supportDocumentWrite", "false", "boolean")), "tag.parameter"),
        (_tag("img", _p("useCacheBuster", "true", "boolean")), "tag.parameter"),
        (_tag("gclidw", _p("enableCrossDomain", "false")), "tag.parameter[0].type"),
    ],
)  # fmt: skip
def test_a_tag_missing_or_mistyping_a_required_parameter_is_refused(gtm, body, field):
    tags = gtm.accounts().containers().workspaces().tags()

    with google_error(400, field) as error:
        tags.create(parent=WORKSPACE, body=body).execute()

    assert error["status"] == "INVALID_ARGUMENT"
    assert tags.list(parent=WORKSPACE).execute().get("tag", []) == []


@pytest.mark.parametrize(
    "body",
    [
        _tag("gaawe", *GAAWE_OK, _p("sendEcommerceData", "false", "boolean")),
        _tag("googtag", _p("tagId", "G-ABC1234567")),
        _tag("awct", _p("conversionId", "123456789"), _p("conversionLabel", "AbC-dEf_123")),
        _tag("gclidw", _p("enableCrossDomain", "false", "boolean")),
        _tag("html", _p("html", "<p></p>"), _p("supportDocumentWrite", "false", "boolean")),
        _tag("img", _p("url", "//pixel.example/p.gif"), _p("useCacheBuster", "true", "boolean")),
    ],
)
def test_each_known_type_with_its_parameters_is_accepted(gtm, body):
    tags = gtm.accounts().containers().workspaces().tags()
    created = tags.create(parent=WORKSPACE, body=body).execute()
    assert created["type"] == body["type"]


def _trigger(kind, *params, **fields):
    return {"name": "Tr", "type": kind, "parameter": list(params), **fields}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_trigger("elementVisibility", _p("firingFrequency", "ONCE"),
                  _p("elementSelector", ".hero")), "trigger.parameter"),
        (_trigger("elementVisibility", _p("selectorType", "CSS"), _p("firingFrequency", "ONCE")),
         "trigger.parameter"),
        (_trigger("youTubeVideo", _p("captureStart", "true"), _b("captureComplete"),
                  _b("capturePause"), _b("captureProgress")), "trigger.parameter[0].type"),
        (_trigger("scrollDepth", _b("verticalThresholdOn")), "trigger.parameter"),
        (_trigger("triggerGroup", {"type": "list", "key": "triggerIds",
                                   "list": [{"type": "template", "value": "5"}]}),
         "trigger.parameter[0].list"),
        ({"name": "Tm", "type": "timer", "eventName": _p(None, "gtm.timer"),
          "interval": _p(None, "5000")}, "trigger.autoEventFilter"),
    ],
)  # fmt: skip
def test_a_trigger_missing_or_mistyping_a_required_parameter_is_refused(gtm, body, field):
    if body.get("type") == "timer":
        for key in ("eventName", "interval"):
            body[key].pop("key")
    triggers = gtm.accounts().containers().workspaces().triggers()

    with google_error(400, field):
        triggers.create(parent=WORKSPACE, body=body).execute()

    assert triggers.list(parent=WORKSPACE).execute().get("trigger", []) == []


def test_bulk_update_refuses_an_unknown_tag_type_and_applies_nothing(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    good = {
        "tag": {**_tag("html", _p("html", "<p></p>"), name="Good"), "tagId": "new_1"},
        "changeStatus": "added",
    }
    bad = {"tag": {**_tag("not_a_template", name="Bad"), "tagId": "new_2"},
           "changeStatus": "added"}  # fmt: skip

    with google_error(400, "changes[1].tag.type"):
        workspaces.bulk_update(path=WORKSPACE, body={"changes": [good, bad]}).execute()

    assert workspaces.tags().list(parent=WORKSPACE).execute().get("tag", []) == []
