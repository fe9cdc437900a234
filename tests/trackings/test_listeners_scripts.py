"""The listener scripts as text: ES5 only, small, one guard each, consistent with the Python side.

GTM's Custom HTML refuses ES2015+ syntax, so every script is parsed and every node checked against
the ES5 subset of ESTree (a regex for `=>` or backticks would miss default parameters, shorthand
properties, spread, destructuring...).
"""

from __future__ import annotations

import json
from typing import Any

import esprima
import pytest

from trackings.listeners import (
    BEHAVIOURS,
    CART_COUNT_ATTRIBUTE,
    LISTENER_FIELDS,
    LISTENER_SETTINGS,
    RETURN_VISITOR_COOKIE,
    SESSION_MARKS,
    SETTINGS_PLACEHOLDER,
    STORES_ON_DEVICE,
    listener_event,
    listener_html,
    listener_script,
    listener_source,
    settings_literal,
)

# What one page view downloads per listener (without settings); most are under 3 KB, the two that
# follow navigations or requests (cart_abandonment, form_success) about 5 KB.
SHIPPED_BUDGET_BYTES = 6144

ES5_NODE_TYPES = {
    "Program",
    "ExpressionStatement",
    "BlockStatement",
    "EmptyStatement",
    "DebuggerStatement",
    "WithStatement",
    "ReturnStatement",
    "LabeledStatement",
    "BreakStatement",
    "ContinueStatement",
    "IfStatement",
    "SwitchStatement",
    "SwitchCase",
    "ThrowStatement",
    "TryStatement",
    "CatchClause",
    "WhileStatement",
    "DoWhileStatement",
    "ForStatement",
    "ForInStatement",
    "FunctionDeclaration",
    "VariableDeclaration",
    "VariableDeclarator",
    "ThisExpression",
    "ArrayExpression",
    "ObjectExpression",
    "Property",
    "FunctionExpression",
    "UnaryExpression",
    "UpdateExpression",
    "BinaryExpression",
    "AssignmentExpression",
    "LogicalExpression",
    "MemberExpression",
    "StaticMemberExpression",
    "ComputedMemberExpression",
    "ConditionalExpression",
    "CallExpression",
    "NewExpression",
    "SequenceExpression",
    "Identifier",
    "Literal",
    "RegexLiteral",
    "Directive",
}


def _nodes(node: Any) -> list[Any]:
    """Every ESTree node under `node`, depth first."""
    found: list[Any] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(current)
        elif hasattr(current, "type") and hasattr(current, "__dict__"):
            found.append(current)
            stack.extend(value for key, value in vars(current).items() if key != "regex")
    return found


def es5_violations(source: str) -> list[str]:
    problems = []
    for node in _nodes(esprima.parseScript(source)):
        kind = node.type
        if kind not in ES5_NODE_TYPES:
            problems.append(kind)
        elif kind == "VariableDeclaration" and node.kind != "var":
            problems.append(f"{node.kind} declaration")
        elif kind == "Property" and (node.shorthand or node.method or node.computed):
            problems.append("ES2015 object property")
        elif kind in {"FunctionExpression", "FunctionDeclaration"} and (
            node.generator or node.isAsync or any(p.type != "Identifier" for p in node.params)
        ):
            problems.append("ES2015 function")
        elif getattr(node, "regex", None) and set(node.regex.flags) - set("gim"):
            problems.append(f"regex flags {node.regex.flags}")
    return problems


def test_the_es5_check_catches_what_gtm_rejects():
    for modern in (
        "var f = () => 1;",
        "let a = 1;",
        "const a = 1;",
        "var s = `x`;",
        "var o = {a};",
        "function f(a = 1) {}",
        "var r = /a/u;",
        "for (var x of []) {}",
        "var o = {...p};",
        "class A {}",
    ):
        assert es5_violations(modern), modern
    assert es5_violations("var f = function (a) { return a ? /x/g : {b: 1}; };") == []


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_every_script_is_es5(behaviour):
    assert es5_violations(listener_source(behaviour)) == []
    # The shipped form drops comments and indentation; it must still be the same program.
    assert es5_violations(listener_script(behaviour)) == []


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_every_script_is_one_guarded_iife_that_swallows_its_errors(behaviour):
    program = esprima.parseScript(listener_script(behaviour))
    assert len(program.body) == 1
    call = program.body[0].expression
    assert call.type == "CallExpression"
    assert call.callee.type == "FunctionExpression"
    body = call.callee.body.body
    assert len(body) == 1
    assert body[0].type == "TryStatement"
    script = listener_script(behaviour)
    assert "var oct = window.__oct = window.__oct || {};" in script
    assert f"if (oct.{behaviour}) return;\noct.{behaviour} = 1;" in script
    assert f"'event': '{listener_event(behaviour)}'" in script


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_every_script_fits_in_a_custom_html_tag(behaviour):
    html = listener_html(behaviour)
    assert html.startswith("<script>\n")
    assert html.endswith("\n</script>")
    assert len(html.encode()) <= SHIPPED_BUDGET_BYTES
    inner = html[len("<script>") : -len("</script>")]
    # `{{name}}` is a GTM variable reference inside a Custom HTML tag.
    assert "{{" not in inner
    assert "</script" not in inner.lower()
    assert esprima.parseScript(inner, {"comment": True}).comments == []


def test_the_python_constants_match_the_scripts():
    assert set(LISTENER_FIELDS) == set(BEHAVIOURS)
    assert f"MARKS = [{', '.join(str(m) for m in SESSION_MARKS)}]" in listener_source(
        "session_duration"
    )
    assert f"'{CART_COUNT_ATTRIBUTE}'" in listener_source("cart_abandonment")
    assert f"'{RETURN_VISITOR_COOKIE}'" in listener_source("return_visitor")
    for behaviour, fields in LISTENER_FIELDS.items():
        source = listener_source(behaviour)
        for field in fields:
            if not field.startswith("gtm."):
                assert f"'{field}'" in source, (behaviour, field)


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_only_the_listeners_declared_as_storing_touch_cookies_or_storage(behaviour):
    source = listener_source(behaviour)
    stores = "document.cookie" in source or "sessionStorage" in source or "localStorage" in source
    assert stores == (behaviour in STORES_ON_DEVICE)


def test_an_unknown_behaviour_is_refused_by_name():
    with pytest.raises(ValueError, match="'hover_click'"):
        listener_html("hover_click")


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_a_shipped_script_never_keeps_the_settings_placeholder(behaviour):
    assert SETTINGS_PLACEHOLDER not in listener_script(behaviour)
    assert (SETTINGS_PLACEHOLDER in listener_source(behaviour)) == (behaviour in LISTENER_SETTINGS)


def test_settings_reach_the_script_as_a_literal_gtm_and_html_cannot_misread():
    tricky = {
        "forms": [
            {"key": "k1", "form": "form[data-x='{{Page URL}}']", "on": "element",
             "selector": "</script><script>alert(1)</script>"},
        ]
    }  # fmt: skip
    html = listener_html("form_success", tricky)
    inner = html[len("<script>") : -len("</script>")]
    assert "{{" not in inner
    assert "</script" not in inner.lower()
    assert es5_violations(inner) == []
    declared = [
        node
        for node in _nodes(esprima.parseScript(inner, {"range": True}))
        if node.type == "VariableDeclarator" and node.id.name == "settings"
    ]
    (settings,) = declared
    assert settings.init.type == "ObjectExpression"
    start, end = settings.init.range
    # JavaScript reads the escapes back as JSON does: the script gets exactly the settings.
    assert json.loads(inner[start:end]) == tricky


def test_settings_literal_round_trips_through_json():
    value = {"idle": [60, 300], "checkout_hosts": ["checkout.stripe.com"], "x": "<{{a}}>"}
    assert json.loads(settings_literal(value)) == value
