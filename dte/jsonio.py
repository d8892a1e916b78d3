"""JSON with exact decimals: amounts are written as JSON numbers straight from their Decimal
(never through a float), and read back as Decimal."""

import json
import re
from decimal import Decimal

_MARK = "\u0000D"
_PATTERN = re.compile(r'"\\u0000D(-?[0-9.]+)"')


def _plain(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def _mark(obj):
    if isinstance(obj, Decimal):
        return _MARK + _plain(obj)
    if isinstance(obj, dict):
        return {k: _mark(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_mark(v) for v in obj]
    return obj


def dumps(document, *, indent=None) -> str:
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(_mark(document), ensure_ascii=False, separators=separators, indent=indent)
    return _PATTERN.sub(r"\1", text)


def dumps_bytes(document) -> bytes:
    return dumps(document).encode("utf-8")


def loads(text):
    return json.loads(text, parse_float=Decimal)
