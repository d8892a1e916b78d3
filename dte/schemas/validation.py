"""Validating documents against our schemas.

jsonschema checks ``multipleOf`` with binary floats, so it wrongly refuses amounts such as
16.24 or 9.7 as multiples of 0.01 (16.24 / 0.01 = 1623.9999999999998). Money is decimal: this
validator checks ``multipleOf`` in decimal arithmetic, as MH's own (Java BigDecimal) side does.
"""

import copy
import hashlib
import importlib
import json
import logging
import marshal
import os
import re
import sys
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import fastjsonschema
from django.conf import settings
from jsonschema import Draft7Validator, FormatChecker, ValidationError, validators

from dte import jsonio
from dte.schemas import registry
from dte.schemas.registry import DEFAULT_GENERATION

HERE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


def _decimal_multiple_of(validator, step, instance, schema):
    if not validator.is_type(instance, "number"):
        return
    try:
        quotient = Decimal(str(instance)) / Decimal(str(step))
    except (InvalidOperation, ZeroDivisionError):
        yield ValidationError(f"{instance!r} no es un número válido")
        return
    if quotient != quotient.to_integral_value():
        yield ValidationError(f"{instance!r} is not a multiple of {step}")


DecimalDraft7Validator = validators.extend(Draft7Validator, {"multipleOf": _decimal_multiple_of})


def validator_for(schema):
    return DecimalDraft7Validator(schema, format_checker=FormatChecker())


@lru_cache(maxsize=32)
def _validator_for_file(generation, file_name):
    return validator_for(json.loads((HERE / generation / file_name).read_text(encoding="utf-8")))


def schema_file(tipo_dte=None, *, event=None, generation=DEFAULT_GENERATION):
    """The file name of the schema of a type or event in a generation (registry.UnknownGeneration
    when the generation does not have it)."""
    module_name, _version = registry.entry(event or tipo_dte, generation)
    return importlib.import_module(f"dte.schemas.types.{module_name}").FILE


def complete_event(raw):
    """MH's published 2023 event schemas list only each section's properties (facts §5, §6 and
    mh-schemas-2023/SOURCES.md): complete them the way the facts page describes (every section an
    object or a non-empty array, each listed key required, nothing else). Complete ones (the 2026
    generation's) are returned as they are."""
    if "type" in raw:
        return raw
    props = {}
    for section, spec in raw.items():
        if "items" in spec:
            item = {"type": "object", "required": list(spec["items"]["properties"]), "additionalProperties": False,
                    **spec["items"]}
            props[section] = {"type": "array", "minItems": 1, **{k: v for k, v in spec.items() if k != "items"},
                              "items": item}
        else:
            props[section] = {"type": "object", "required": list(spec["properties"]), "additionalProperties": False,
                              **spec}
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def corrected_official(name, schema):
    """MH's official schema with its known defects corrected, for checking our documents against
    it. One so far: fe-nd-v4.json names the tributos array of its items and of its resumen ""
    (an empty key), required, with additionalProperties false, so no document that carries
    ``tributos`` as every other type (and NC v4) does can pass it (sv-tax-facts-2.md §2: "Defect:
    ND v4 names the tributos array "" … Ask MH"). We send ``tributos`` and check against the file
    with that key restored; dte/tests/test_schemas_official.py fails once MH's file changes."""
    if name == "anulacion-schema-v2.json":
        return _invalidation_v2_corrected(schema)
    if name != "fe-nd-v4.json":
        return schema

    def rename(node):
        if "" in node.get("properties", {}):
            node["properties"] = {("tributos" if k == "" else k): v for k, v in node["properties"].items()}
            node["required"] = ["tributos" if k == "" else k for k in node.get("required", [])]

    schema = copy.deepcopy(schema)
    rename(schema["properties"]["cuerpoDocumento"]["items"])
    rename(schema["properties"]["resumen"])
    return schema


# anulacion-schema-v2.json writes documento.numeroControl as ^DTE-0[0-9]|1[0-2]-[A-Z0-9]{8}-[0-9]{15}$:
# an alternation without parentheses whose second branch takes 10–12 only, so the numbers of 14
# (FSE) and 15 (CD), types its own tipoDte enum lists, never match. Read with the evident intent.
INVALIDATION_V2_NUMERO = "^DTE-(0[0-9]|1[0-5])-[A-Z0-9]{8}-[0-9]{15}$"


def _invalidation_v2_corrected(schema):
    documento = schema.get("properties", {}).get("documento", {}).get("properties", {})
    if documento.get("numeroControl", {}).get("pattern") == "^DTE-0[0-9]|1[0-2]-[A-Z0-9]{8}-[0-9]{15}$":
        schema = copy.deepcopy(schema)
        schema["properties"]["documento"]["properties"]["numeroControl"]["pattern"] = INVALIDATION_V2_NUMERO
    return schema


def _official(path):
    path = Path(path)
    return corrected_official(path.name, complete_event(json.loads(path.read_text(encoding="utf-8"))))


def schema_errors(document, *, generation=DEFAULT_GENERATION, event=None):
    """The jsonschema errors of a DTE or event against the project's schema, in path order (for
    messages in words: ``dte.explain.schema_messages``)."""
    tipo = (document.get("identificacion") or {}).get("tipoDte")
    validator = _validator_for_file(generation, schema_file(tipo, event=event, generation=generation))
    return sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))


def document_errors(document, *, generation=DEFAULT_GENERATION, event=None):
    """Readable errors ("[path] message") of a DTE or event against the project's schema."""
    errors = schema_errors(document, generation=generation, event=event)
    return [f"[{'.'.join(map(str, e.absolute_path)) or 'documento'}] {e.message}" for e in errors]


@lru_cache(maxsize=64)
def _validator_for_path(path):
    return validator_for(_official(path))


def extra_errors(document, *, generation=DEFAULT_GENERATION, event=None):
    """Errors against the schema folders in settings.DTE_EXTRA_SCHEMA_DIRS (the tests point it at
    MH's official files of both generations, so every document and event they issue is checked
    against MH's schemas too). A folder without the file (the other generation's) is skipped."""
    tipo = (document.get("identificacion") or {}).get("tipoDte")
    out = []
    for folder in getattr(settings, "DTE_EXTRA_SCHEMA_DIRS", ()) or ():
        path = Path(folder) / schema_file(tipo, event=event, generation=generation)
        if not path.exists():
            continue
        for e in _validator_for_path(str(path)).iter_errors(document):
            out.append(f"{path.name} [{'.'.join(map(str, e.absolute_path)) or 'documento'}] {e.message}")
    return out


_FIRST_DEF = re.compile(r"^def (\w+)\(", re.M)


def compiled(schema):
    """fastjsonschema's validator for ``schema``, generated and compiled once per schema and kept.

    Building a validator is what made a process pay ~1.15 s for the 2026 schemas: fastjsonschema
    writes Python source for the schema (~10 %) and Python compiles that large source (~90 %).
    Both are done once: the compiled code (of fastjsonschema.compile_to_code, the source compile()
    executes) is kept, marshalled, in settings.DTE_SCHEMA_CACHE_DIR, named by a hash of the schema,
    fastjsonschema's version and the Python bytecode tag; every later process only executes it.
    Not .py files imported with their bytecode: PYTHONDONTWRITEBYTECODE (set here and in many
    containers) would keep Python from saving it. Without a folder (setting empty) or when it
    cannot be written, the validator is compiled in memory as before. The folder is the
    application's own (like its __pycache__): whoever can write there can run code as it."""
    folder = getattr(settings, "DTE_SCHEMA_CACHE_DIR", "")
    if not folder:
        return fastjsonschema.compile(schema)
    text = json.dumps(schema, sort_keys=True, ensure_ascii=False)
    key = hashlib.sha256(f"{fastjsonschema.VERSION}\n{sys.implementation.cache_tag}\n{text}".encode()).hexdigest()[:40]
    path = Path(folder) / f"schema_{key}.marshal"
    try:
        code = marshal.loads(path.read_bytes())  # noqa: S302 - our own file, written below (like a .pyc)
    except (OSError, EOFError, ValueError, TypeError):
        source = fastjsonschema.compile_to_code(schema)
        # The first function is the schema's root (fastjsonschema generates it first, then each $ref).
        source += f"\n\nVALIDATE = {_FIRST_DEF.search(source).group(1)}\n"
        code = compile(source, f"<schema {key}>", "exec")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
            partial.write_bytes(marshal.dumps(code))
            os.replace(partial, path)  # atomic: another process reads the whole file or none
        except OSError as exc:
            log.warning("no se pudo guardar el validador compilado en %s (%s)", folder, exc)
    namespace = {"__name__": f"dte_schema_{key}"}
    exec(code, namespace)  # noqa: S102 - fastjsonschema's generated validator, compiled here from our schema
    return namespace["VALIDATE"]


class _Checker:
    """fastjsonschema for the common case (a valid document: ~10x faster), the decimal-aware
    validator to decide and list every error when the fast one objects."""

    def __init__(self, schema):
        self.full = validator_for(schema)
        try:
            self.fast = compiled(schema)
        except Exception:  # noqa: BLE001 - a construct it cannot compile: the full validator only
            self.fast = None

    def errors(self, as_floats, as_decimals, label=""):
        if self.fast is not None:
            try:
                self.fast(as_floats)
                return []
            except fastjsonschema.JsonSchemaException:
                pass
        errors = sorted(self.full.iter_errors(as_decimals()), key=lambda e: list(e.absolute_path))
        return [f"{label}[{'.'.join(map(str, e.absolute_path)) or 'documento'}] {e.message}" for e in errors]


@lru_cache(maxsize=64)
def _checker(path, official=False):
    return _Checker(_official(path) if official else json.loads(Path(path).read_text(encoding="utf-8")))


def payload_errors(payload: str, *, generation=DEFAULT_GENERATION):
    """Errors of a serialized DTE against our schema and the extra folders (see extra_errors)."""
    as_floats = json.loads(payload)
    parsed = []

    def as_decimals():
        if not parsed:
            parsed.append(jsonio.loads(payload))
        return parsed[0]

    tipo = (as_floats.get("identificacion") or {}).get("tipoDte")
    name = schema_file(tipo, generation=generation)
    out = _checker(str(HERE / generation / name)).errors(as_floats, as_decimals)
    for folder in getattr(settings, "DTE_EXTRA_SCHEMA_DIRS", ()) or ():
        path = Path(folder) / name
        if path.exists():
            out += _checker(str(path), official=True).errors(as_floats, as_decimals, label=f"{path.name} ")
    return out


def parsed_errors(as_floats, as_decimals, *, generation=DEFAULT_GENERATION):
    """Errors of a DTE already parsed twice (floats for fastjsonschema's quick pass, Decimals for
    the decimal-aware validator when the quick pass objects) against our schema of its type: the
    same answer as document_errors(as_decimals), ~10x faster for a valid document (the purchases
    inbox checks thousands of received ones)."""
    tipo = (as_decimals.get("identificacion") or {}).get("tipoDte")
    name = schema_file(tipo, generation=generation)
    return _checker(str(HERE / generation / name)).errors(as_floats, lambda: as_decimals)
