"""JSON schemas loaded from the folders in GOVSIM_SCHEMA_DIR (and their immediate subfolders: one
per generation). Documents are matched to a schema by the schema's own ``tipoDte`` and
``version`` constants, so any file naming works and the 2023 and 2026 generations (FE v1 and v2,
CCF v3 and v4, …) are validated side by side, each document by its identificacion.version.
MH's published 2023 event schemas hold only per-section properties; they are completed here
(object sections, every listed key required, nothing extra) as the facts page describes."""

import json
import os
import threading
from decimal import Decimal, InvalidOperation
from pathlib import Path

import fastjsonschema
from django.conf import settings
from jsonschema import Draft7Validator, FormatChecker, ValidationError, validators

_lock = threading.Lock()
_cache = {}


def _complete_event(raw):
    if "type" in raw:
        return raw
    props = {}
    for section, spec in raw.items():
        if "items" in spec:
            item = dict(spec["items"])
            item.setdefault("type", "object")
            item.setdefault("required", list(item.get("properties", {})))
            item.setdefault("additionalProperties", False)
            props[section] = {"type": "array", "minItems": 1, **{k: v for k, v in spec.items() if k != "items"},
                              "items": item}
        else:
            props[section] = {"type": "object", "additionalProperties": False,
                              "required": list(spec.get("properties", {})), **spec}
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def _decimal_multiple_of(validator, step, instance, schema):
    # Money is decimal: 16.24 is a multiple of 0.01 even though 16.24 / 0.01 is not an integer
    # in binary floating point (MH's side uses BigDecimal).
    if not validator.is_type(instance, "number"):
        return
    try:
        quotient = Decimal(str(instance)) / Decimal(str(step))
    except (InvalidOperation, ZeroDivisionError):
        yield ValidationError(f"{instance!r} no es un número válido")
        return
    if quotient != quotient.to_integral_value():
        yield ValidationError(f"{instance!r} is not a multiple of {step}")


_Validator = validators.extend(Draft7Validator, {"multipleOf": _decimal_multiple_of})


class _Checker:
    """A compiled validator for the common case (valid documents: ~10x faster) and the full
    validator to list every error when the fast one says no."""

    def __init__(self, schema):
        self.full = _Validator(schema, format_checker=FormatChecker())
        try:
            self.fast = fastjsonschema.compile(schema)
        except Exception:  # a construct fastjsonschema cannot compile: use the full validator only
            self.fast = None

    def errors(self, document):
        if self.fast is not None:
            try:
                self.fast(document)
                return []
            except fastjsonschema.JsonSchemaException:
                pass
        # The full validator decides: it is the one with decimal multipleOf.
        errors = sorted(self.full.iter_errors(document), key=lambda e: list(e.absolute_path))
        return [_describe(e) for e in errors][:20]


def _corrected(raw):
    """MH's fe-nd-v4.json names the tributos array of its items and resumen "" (an empty key,
    required; sv-tax-facts-2.md §2 "Defect … Ask MH"): every ND would fail it. Like MH's own
    NC v4, the simulator reads it as ``tributos``."""
    for node in (raw.get("properties", {}).get("cuerpoDocumento", {}).get("items", {}),
                 raw.get("properties", {}).get("resumen", {})):
        props = node.get("properties", {})
        if "" in props:
            node["properties"] = {("tributos" if k == "" else k): v for k, v in props.items()}
            node["required"] = ["tributos" if k == "" else k for k in node.get("required", [])]
    return raw


def _files(spec):
    for entry in str(spec).split(os.pathsep):
        if not entry:
            continue
        folder = Path(entry)
        yield from sorted(folder.glob("*.json"))
        for sub in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else ():
            yield from sorted(sub.glob("*.json"))


def _load(spec):
    dtes, events = {}, {}
    for path in _files(spec):
        raw = _corrected(json.loads(path.read_text(encoding="utf-8")))
        name = path.stem.lower()
        if name.startswith(("anulacion", "invalidacion", "contingencia")):
            schema = _complete_event(raw)
            version = schema["properties"]["identificacion"]["properties"]["version"].get("const")
            kind = "contingencia" if name.startswith("contingencia") else "anulacion"
            events[(kind, version)] = _Checker(schema)
            continue
        ident = raw.get("properties", {}).get("identificacion", {}).get("properties", {})
        # The Normativa v2.0 events (fe-eret, fe-eop) name a tipoEvento instead of a tipoDte.
        evento = {"18": "retorno", "17": "operaciones"}.get(ident.get("tipoEvento", {}).get("const"))
        if evento:
            events[(evento, ident.get("version", {}).get("const"))] = _Checker(raw)
            continue
        tipo, version = ident.get("tipoDte", {}).get("const"), ident.get("version", {}).get("const")
        if tipo and version:
            dtes[(tipo, version)] = _Checker(raw)
    return dtes, events


def validators():
    folder = str(settings.GOVSIM_SCHEMA_DIR)
    with _lock:
        if folder not in _cache:
            _cache[folder] = _load(folder)
        return _cache[folder]


def dte_errors(document):
    ident = document.get("identificacion") or {}
    validator = validators()[0].get((ident.get("tipoDte"), ident.get("version")))
    if validator is None:
        return [f"No existe esquema para tipoDte {ident.get('tipoDte')} version {ident.get('version')}"]
    return validator.errors(document)


def event_errors(kind, document):
    version = (document.get("identificacion") or {}).get("version")
    validator = validators()[1].get((kind, version))
    if validator is None:
        return [f"No existe esquema de evento {kind} version {version}"]
    return validator.errors(document)


def _describe(error):
    where = ".".join(str(p) for p in error.absolute_path) or "documento"
    return f"[{where}] {error.message}"[:300]
