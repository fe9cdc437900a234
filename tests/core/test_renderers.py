"""The API's JSON renderer writes DRF's bytes, faster; DRF writes what orjson cannot."""

import datetime
import decimal
import uuid
from collections import OrderedDict
from typing import Any

import pytest
from django.utils.functional import lazy
from django.utils.safestring import mark_safe
from rest_framework.renderers import JSONRenderer
from rest_framework.serializers import Serializer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from oneclicktag.core.renderers import FastJSONRenderer
from trackings.models import DeploymentStatus

_lazy_text = lazy(lambda: "later", str)

_AWARE = datetime.datetime(2026, 12, 5, 17, 58, 12, 123456, tzinfo=datetime.UTC)
_PLUS_TWO = datetime.timezone(datetime.timedelta(hours=2))
_OFFSET = datetime.datetime(2026, 12, 5, 17, 58, 12, tzinfo=_PLUS_TWO)

_SERIALIZER: Serializer[Any] = Serializer()

CASES = [
    {"id": uuid.UUID("0b3f8d1c-1b64-4e4f-9c1d-0a0b0c0d0e0f"), "n": 3, "ok": True, "none": None},
    {"created_at": _AWARE, "at_offset": _OFFSET, "day": datetime.date(2026, 12, 5)},
    {"time": datetime.time(17, 58, 12, 500000), "span": datetime.timedelta(seconds=90)},
    {"value": decimal.Decimal("12.50"), "ratio": 0.25, "big": 2**63 - 1},
    {"text": "Café ✓ 日本", "quote": 'say "hi"\\', "control": "a\x01b\tc\n"},
    {"lazy": _lazy_text(), "safe": mark_safe("<b>"), "status": DeploymentStatus.QUEUED},
    {"errors": {3: {"config.selector": ["Must not be blank."]}}, "nested": [[1, [2, {"a": []}]]]},
    OrderedDict([("b", 1), ("a", 2)]),
    ReturnDict({"x": ReturnList([1, 2], serializer=_SERIALIZER)}, serializer=_SERIALIZER),
    # A set, a generator...: DRF's encoder makes a tuple of what iterates.
    ["a", ("tuple", 1), frozenset({"only"}), {"set": {1}}],
    {"separators": "line\u2028paragraph\u2029end"},
    [],
    {},
    "plain",
    7,
]


@pytest.mark.parametrize("data", CASES, ids=range(len(CASES)))
def test_the_bytes_are_drfs(data):
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_what_orjson_cannot_write_drf_does():
    beyond_64_bits = {"n": 2**70}
    lone_surrogate = {"text": "\ud800"}
    deep: list = []
    for _ in range(300):
        deep = [deep]
    assert FastJSONRenderer().render(beyond_64_bits) == JSONRenderer().render(beyond_64_bits)
    assert FastJSONRenderer().render(deep) == JSONRenderer().render(deep)
    # DRF cannot encode a lone surrogate as UTF-8 either: the same error, from DRF.
    with pytest.raises(UnicodeEncodeError):
        JSONRenderer().render(lone_surrogate)
    with pytest.raises(UnicodeEncodeError):
        FastJSONRenderer().render(lone_surrogate)


def test_an_indented_answer_is_drfs():
    data = {"a": [1, 2], "b": {"c": _AWARE}}
    indented = FastJSONRenderer().render(data, "application/json; indent=2")
    assert indented == JSONRenderer().render(data, "application/json; indent=2")
    assert b"\n  " in indented
    in_context = FastJSONRenderer().render(data, "application/json", {"indent": 4})
    assert in_context == JSONRenderer().render(data, "application/json", {"indent": 4})


def test_what_neither_can_write_is_drfs_error():
    with pytest.raises(TypeError):
        JSONRenderer().render({"object": object()})
    with pytest.raises(TypeError):
        FastJSONRenderer().render({"object": object()})


def test_nothing_renders_as_no_bytes():
    assert FastJSONRenderer().render(None) == b""


def test_a_float_that_is_not_a_number_is_null_where_drf_raised():
    with pytest.raises(ValueError, match="Out of range float"):
        JSONRenderer().render({"value": float("nan")})
    assert FastJSONRenderer().render({"value": float("nan"), "inf": float("inf")}) == (
        b'{"value":null,"inf":null}'
    )


def test_the_api_answers_with_it(alice):
    response = alice.client.get("/api/v1/customers/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert isinstance(response.accepted_renderer, FastJSONRenderer)
    assert response.content == JSONRenderer().render(response.data)
