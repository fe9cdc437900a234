"""``conversion_action.tag_snippets`` for website conversion actions, as Google renders them.

Google gives four snippets for a WEBPAGE action: page load and click (``WEBPAGE`` /
``WEBPAGE_ONCLICK``), each for HTML and AMP pages. Every one carries the account's AW- id; the
event snippets carry ``'send_to': 'AW-<conversion id>/<label>'``, which is how clients read the
id and label back.
"""

from __future__ import annotations

from typing import Any

from . import protos

_GLOBAL_SITE_TAG_HTML = """<!-- Google tag (gtag.js) -->
<script async src="https://www.googletagmanager.com/gtag/js?id={tag_id}"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){{dataLayer.push(arguments);}}
  gtag('js', new Date());

  gtag('config', '{tag_id}');
</script>
"""

_GLOBAL_SITE_TAG_AMP = """<amp-analytics type="gtag" data-credentials="include">
<script type="application/json">
{{
  "vars": {{
    "gtag_id": "{tag_id}",
    "config": {{
      "{tag_id}": {{
        "groups": "default"
      }}
    }}
  }},
  "triggers": {{
  }}
}}
</script>
</amp-analytics>
"""

_EVENT_PAGE_LOAD_HTML = """<!-- Event snippet for {name} conversion page -->
<script>
  gtag('event', 'conversion', {{
      'send_to': '{send_to}',
{value_lines}  }});
</script>
"""

_EVENT_CLICK_HTML = """<!-- Event snippet for {name} conversion page
In your html page, add the snippet and call gtag_report_conversion when someone clicks on the \
chosen link or button. -->
<script>
function gtag_report_conversion(url) {{
  var callback = function () {{
    if (typeof(url) != 'undefined') {{
      window.location = url;
    }}
  }};
  gtag('event', 'conversion', {{
      'send_to': '{send_to}',
{value_lines}      'event_callback': callback
  }});
  return false;
}}
</script>
"""

_EVENT_AMP = """"C_{trigger}": {{
  "on": "{on}",
  "vars": {{
    "event_name": "conversion",
{amp_value_lines}    "send_to": ["{send_to}"]
  }}
}}
"""


def tag_snippets(*, conversion_id: int, label: str, action: Any, currency_code: str) -> list[Any]:
    """The snippets of a website conversion action; other types have none."""
    if protos.enum_name(action, "type_", action.type_) != "WEBPAGE":
        return []
    tag_id = f"AW-{conversion_id}"
    send_to = f"{tag_id}/{label}"
    value, currency = _value_and_currency(action, currency_code)
    value_lines = f"      'value': {value},\n      'currency': '{currency}',\n"
    amp_value_lines = f'    "value": {value},\n    "currency": "{currency}",\n'
    if protos.enum_name(action, "category", action.category) == "PURCHASE":
        value_lines += "      'transaction_id': '',\n"
        amp_value_lines += '    "transaction_id": "",\n'
    fields = {"name": action.name, "send_to": send_to, "value_lines": value_lines}
    amp = {"send_to": send_to, "amp_value_lines": amp_value_lines, "trigger": label[:8]}
    html_tag = _GLOBAL_SITE_TAG_HTML.format(tag_id=tag_id)
    amp_tag = _GLOBAL_SITE_TAG_AMP.format(tag_id=tag_id)
    return [
        _snippet("WEBPAGE", "HTML", html_tag, _EVENT_PAGE_LOAD_HTML.format(**fields)),
        _snippet("WEBPAGE", "AMP", amp_tag, _EVENT_AMP.format(on="visible", **amp)),
        _snippet("WEBPAGE_ONCLICK", "HTML", html_tag, _EVENT_CLICK_HTML.format(**fields)),
        _snippet("WEBPAGE_ONCLICK", "AMP", amp_tag, _EVENT_AMP.format(on="click", **amp)),
    ]


def _value_and_currency(action: Any, currency_code: str) -> tuple[str, str]:
    settings = action.value_settings
    value = settings.default_value if settings.HasField("default_value") else 1.0
    if settings.HasField("default_currency_code") and settings.default_currency_code:
        currency_code = settings.default_currency_code
    return f"{value:.1f}", currency_code


def _snippet(kind: str, page_format: str, global_site_tag: str, event_snippet: str) -> Any:
    snippet = protos.TagSnippet(global_site_tag=global_site_tag, event_snippet=event_snippet)
    snippet.type_ = protos.enum_value(snippet, "type_", kind)
    snippet.page_format = protos.enum_value(snippet, "page_format", page_format)
    return snippet
