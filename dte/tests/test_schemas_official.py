"""Our schemas agree with MH's official ones (../shared/spec/mh-schemas-2023).

For every document type: each document of a corpus of valid ones is accepted by both; then each
is mutated many ways, one rule broken at a time (a key removed, a key added, a value of the
wrong type, a wrong constant, a broken pattern, a broken conditional), and both schemas must give
the same verdict on every mutation; the targeted mutations must be rejected by both.
"""

import copy
import json
from pathlib import Path

import pytest

from dte.schemas.build import rendered
from dte.schemas.validation import validator_for

CORPUS = Path(__file__).resolve().parent / "corpus" / "2023"
OURS = {name: json.loads(text) for name, text in rendered("2023").items()}
DTE_FILES = {"01": "fe-fc-v1.json", "03": "fe-ccf-v3.json", "04": "fe-nr-v3.json", "05": "fe-nc-v3.json",
             "06": "fe-nd-v3.json", "07": "fe-cr-v1.json", "11": "fe-fex-v1.json", "14": "fe-fse-v1.json"}
EVENT_FILES = {"anulacion": "anulacion-schema-v2.json", "contingencia": "contingencia-schema-v3.json"}


def _validator(schema):
    # Both schemas are checked with decimal multipleOf (see dte.schemas.validation).
    return validator_for(schema)


def _complete_event(raw):
    """MH's published event schemas list only each section's properties (facts §5, §6 and the
    schemas' SOURCES.md): complete them the way the facts page describes."""
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


def _official(shared_dir, name):
    raw = json.loads((shared_dir / "spec" / "mh-schemas-2023" / name).read_text(encoding="utf-8"))
    return raw if "type" in raw else _complete_event(raw)


def _corpus(prefix, shared_dir):
    docs = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob(f"{prefix}-*.json"))}
    if prefix == "03":
        sample = json.loads((shared_dir / "spec" / "samples" /
                             "mh-manual-funcional-v1.1_ejemplo-ccf-v3_archivo-dte.json").read_text(encoding="utf-8"))
        sample.pop("firmaElectronica", None)
        sample.pop("selloRecibido", None)
        docs["ejemplo-de-mh"] = sample
    return docs


def _paths(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*path, i))


def _set(doc, path, value=None, delete=False):
    target = doc
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value


def _wrong_type(value):
    if isinstance(value, bool) or value is None:
        return "x"
    if isinstance(value, (int, float)):
        return str(value) + "x"
    if isinstance(value, str):
        return 12345
    if isinstance(value, list):
        return {"x": 1}
    return ["x"]


def mutations(doc):
    """(description, mutated document): every key removed, every object given an extra key,
    every value given a wrong type."""
    for path, node in list(_paths(doc)):
        if isinstance(node, dict):
            extra = copy.deepcopy(doc)
            _set(extra, (*path, "campoExtra"), "x") if path else extra.__setitem__("campoExtra", "x")
            yield f"{'.'.join(map(str, path)) or 'raíz'} + campoExtra", extra
            for key in node:
                gone = copy.deepcopy(doc)
                _set(gone, (*path, key), delete=True)
                yield f"sin {'.'.join(map(str, (*path, key)))}", gone
        if path:
            wrong = copy.deepcopy(doc)
            _set(wrong, path, _wrong_type(node))
            yield f"tipo erróneo en {'.'.join(map(str, path))}", wrong


def targeted(doc):
    """Rules that must be broken on purpose: constants, patterns, conditionals."""
    out = []
    ident = doc.get("identificacion", {})

    def variant(desc, fn):
        d = copy.deepcopy(doc)
        fn(d)
        out.append((desc, d))

    if "version" in ident:
        variant("versión equivocada", lambda d: d["identificacion"].__setitem__("version", ident["version"] + 1))
    if "tipoDte" in ident:
        variant("tipoDte equivocado", lambda d: d["identificacion"].__setitem__("tipoDte", "99"))
    if "numeroControl" in ident:
        variant("numeroControl sin formato", lambda d: d["identificacion"].__setitem__("numeroControl", "DTE-XX-123"))
    if "codigoGeneracion" in ident:
        variant("UUID en minúsculas", lambda d: d["identificacion"].__setitem__("codigoGeneracion",
                                                                               ident["codigoGeneracion"].lower()))
    if ident.get("tipoOperacion") == 1 and "tipoContingencia" in ident:
        variant("contingencia en transmisión normal", lambda d: d["identificacion"].__setitem__("tipoContingencia", 1))
        variant("modelo diferido en transmisión normal", lambda d: d["identificacion"].__setitem__("tipoModelo", 2))
    emisor = doc.get("emisor") or {}
    if isinstance(emisor.get("direccion"), dict):
        variant("municipio que no existe en el departamento",
                lambda d: d["emisor"]["direccion"].update(departamento="09", municipio="15"))
    if "nit" in emisor:
        variant("NIT con letras", lambda d: d["emisor"].__setitem__("nit", "0614ABC7071048"))
    items = doc.get("cuerpoDocumento")
    # Only the IVA-separate documents list tributo 20 per taxed line (facts §2.4); a Factura
    # carries IVA in ivaItem and an export has none.
    if ident.get("tipoDte") in {"03", "04", "05", "06"} and isinstance(items, list) and items and isinstance(items[0], dict) and items[0].get("ventaGravada", 0) > 0 \
            and "tributos" in items[0]:
        variant("ítem gravado sin tributos", lambda d: d["cuerpoDocumento"][0].__setitem__("tributos", None))
    return out


def _check_type(shared_dir, ours_schema, official_schema, docs):
    ours, official = _validator(ours_schema), _validator(official_schema)
    assert docs, "el corpus de documentos válidos está vacío"
    disagreements, checked = [], 0
    for name, doc in docs.items():
        assert not list(official.iter_errors(doc)), f"{name}: el esquema oficial no lo acepta"
        assert not list(ours.iter_errors(doc)), f"{name}: nuestro esquema no lo acepta: {next(ours.iter_errors(doc)).message}"
        for desc, mutated in mutations(doc):
            checked += 1
            if ours.is_valid(mutated) != official.is_valid(mutated):
                disagreements.append(f"{name}: {desc}: nuestro={ours.is_valid(mutated)} oficial={official.is_valid(mutated)}")
        for desc, mutated in targeted(doc):
            checked += 1
            assert not official.is_valid(mutated), f"{name}: el oficial acepta «{desc}»"
            assert not ours.is_valid(mutated), f"{name}: nuestro esquema acepta «{desc}»"
    assert not disagreements, "\n".join(disagreements[:40]) + f"\n({len(disagreements)} de {checked})"
    return checked


@pytest.mark.parametrize("tipo", sorted(DTE_FILES))
def test_dte_schema_agrees_with_mh(tipo, shared_dir):
    name = DTE_FILES[tipo]
    if name not in OURS:
        pytest.fail(f"falta nuestro esquema {name}")
    checked = _check_type(shared_dir, OURS[name], _official(shared_dir, name), _corpus(tipo, shared_dir))
    assert checked > 50


@pytest.mark.parametrize("kind", sorted(EVENT_FILES))
def test_event_schema_agrees_with_the_completed_official_one(kind, shared_dir):
    name = EVENT_FILES[kind]
    if name not in OURS:
        pytest.fail(f"falta nuestro esquema {name}")
    checked = _check_type(shared_dir, OURS[name], _official(shared_dir, name), _corpus(kind, shared_dir))
    assert checked > 20


def test_schema_files_are_up_to_date():
    folder = Path(__file__).resolve().parents[1] / "schemas" / "2023"
    for name, text in rendered("2023").items():
        assert (folder / name).read_text(encoding="utf-8") == text, f"{name}: corra python -m dte.schemas.build"


def test_amounts_are_checked_as_decimals():
    # 16.24 / 0.01 is 1623.9999999999998 in binary floats: plain jsonschema would refuse it.
    v = validator_for({"type": "number", "multipleOf": 0.01})
    assert all(v.is_valid(x) for x in (16.24, 1310.12, 9.7, 0.07, 2260))
    assert not v.is_valid(16.245)
    items = validator_for({"type": "number", "multipleOf": 1e-08})
    assert items.is_valid(0.12345678) and not items.is_valid(0.123456789)
