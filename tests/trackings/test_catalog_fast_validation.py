"""Tracking configs are checked by jsonschema-rs first; it must never accept what Python's
jsonschema refuses, and for the configs it is trusted with the two agree."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trackings.catalog import (
    _fast_validator,
    _plain,
    _plainly_valid,
    _validator,
    all_tracking_types,
    validate_tracking_config,
)

TYPE_KEYS = [kind.key for kind in all_tracking_types()]


def _schema_values(node: Any) -> list[Any]:
    """Every enum member, const and default in a schema: values a valid config is made of."""
    found: list[Any] = []
    if isinstance(node, dict):
        found.extend(node.get("enum", []))
        for key in ("const", "default"):
            if key in node:
                found.append(node[key])
        for child in node.values():
            found.extend(_schema_values(child))
    elif isinstance(node, list):
        for child in node:
            found.extend(_schema_values(child))
    return found


def _property_names(node: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(node, dict):
        names.update(node.get("properties", {}))
        for child in node.values():
            names |= _property_names(child)
    elif isinstance(node, list):
        for child in node:
            names |= _property_names(child)
    return names


# Text that touches every pattern's edge: blanks, braces, URL and selector punctuation, the
# separators Python and Rust read differently, a final newline, non-ASCII.
_TEXT = st.text(
    alphabet=st.sampled_from(list("aZ09 _-.#/:{}[]()?=&*\t\n\x1c\x1f\x85\u00a0\u2028\ufeffé")),
    max_size=12,
)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-3, max_value=400)
    | st.integers(min_value=2**62, max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True, width=64)
    | _TEXT
)


@st.composite
def configs(draw: st.DrawFn, type_key: str) -> Any:
    kind = next(k for k in all_tracking_types() if k.key == type_key)
    schema = kind.config_schema
    names = sorted(_property_names(schema)) or ["x"]
    known = _schema_values(schema)
    leaves = _SCALARS | (st.sampled_from(known) if known else st.nothing())
    values = st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.sampled_from(names) | _TEXT, children, max_size=3)
        ),
        max_leaves=8,
    )
    config = dict(kind.example_config)
    for name in draw(st.lists(st.sampled_from(names), max_size=3)):
        config[name] = draw(values)
    for name in draw(st.lists(st.sampled_from(sorted(config) or ["x"]), max_size=1)):
        config.pop(name, None)
    return config


@pytest.mark.parametrize("type_key", TYPE_KEYS)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_rust_never_accepts_what_python_refuses(type_key, data):
    config = data.draw(configs(type_key))
    python_valid = not any(True for _ in _validator(type_key).iter_errors(config))
    if _plainly_valid(type_key, config):
        assert python_valid, config
    if _plain(config):
        # Where Rust is trusted, it agrees both ways (a stricter Rust would only cost speed).
        assert _fast_validator(type_key).is_valid(config) == python_valid, config


@pytest.mark.parametrize("type_key", TYPE_KEYS)
def test_every_example_is_valid_on_the_fast_path(type_key):
    kind = next(k for k in all_tracking_types() if k.key == type_key)
    assert _plainly_valid(type_key, kind.example_config)
    assert validate_tracking_config(type_key, kind.example_config) == {}


@pytest.mark.parametrize(
    "text",
    ["\x1c", "\x1f", " \n", "\u00a0", "\ufeff", "é"],
)
def test_text_the_two_read_differently_is_judged_by_python(text):
    # Python's \\S finds nothing in U+001C..U+001F (whitespace to str.isspace); Rust's does.
    assert not _plain({"selector": text})
    errors = validate_tracking_config("button_click", {"selector": text})
    if text.strip():
        assert errors == {}
    else:
        assert errors == {"config.selector": ["Must not be blank."]}


def test_a_number_beyond_64_bits_or_not_finite_is_judged_by_python():
    assert not _plain({"n": 2**64})
    assert not _plain({"n": float("nan")})
    assert not _plain({"n": float("inf")})
    assert _plain({"n": 2**63 - 1, "f": 1.5, "b": True, "none": None, "list": [1, "a"]})
