"""The API's JSON renderer: DRF's `JSONRenderer` output, written by orjson.

DRF renders with the standard library's `json.dumps` and its `JSONEncoder`: a millisecond for a
bulk create's answer of 100 trackings, a tenth of that with orjson. The bytes are DRF's for
everything the API answers: compact separators, UTF-8 unescaped (`UNICODE_JSON`), U+2028 and
U+2029 escaped as DRF does, and whatever orjson would write its own way (datetimes, dates and
times, anything not plain JSON) handed to DRF's `JSONEncoder.default`. Where the two would
differ, DRF renders:
- an indented answer (the browsable API, or `Accept: application/json; indent=2`);
- `UNICODE_JSON` or `COMPACT_JSON` turned off;
- what orjson refuses: an integer beyond 64 bits, a string with a lone surrogate, nesting past
  254 levels.
Numbers are the same numbers, though a float's exponent may be spelled otherwise (`1e-7` for
`1e-07`). One difference is kept: a float NaN or infinity (which no JSON input and no jsonb
column can hold; a float column could) is written as null, where DRF's `STRICT_JSON` raised (a
500).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


class FastJSONRenderer(JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None or self.ensure_ascii or not self.compact:
            return super().render(data, accepted_media_type, renderer_context)
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, default=self.encoder_class().default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # Line and paragraph separators are valid JSON but not valid JavaScript (DRF's reason).
        if b"\xe2\x80\xa8" in rendered or b"\xe2\x80\xa9" in rendered:
            rendered = rendered.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
                b"\xe2\x80\xa9", b"\\u2029"
            )
        return rendered
