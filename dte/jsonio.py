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


def _marked(obj):
    """json's hook for what it cannot write: a Decimal becomes the marked text that _PATTERN turns
    back into a bare number, without copying the document to mark its decimals first."""
    if isinstance(obj, Decimal):
        return _MARK + _plain(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def dumps(document, *, indent=None) -> str:
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(document, ensure_ascii=False, separators=separators, indent=indent, default=_marked)
    return _PATTERN.sub(r"\1", text)


def dumps_bytes(document) -> bytes:
    return dumps(document).encode("utf-8")


def loads(text):
    return json.loads(text, parse_float=Decimal)
