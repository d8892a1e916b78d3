"""The fast validators are generated and compiled once and kept (dte.schemas.validation.compiled):
each one loaded from the folder answers exactly as fastjsonschema.compile's does, for every schema
of both generations (ours and MH's official ones) over the corpus of valid documents and a
broken copy of each; a second process (here: a cleared cache) loads instead of generating."""

import copy
import json
from pathlib import Path

import fastjsonschema
import pytest

from dte.schemas import validation

CORPORA = Path(__file__).resolve().parent / "corpus"


def _verdict(validate, doc):
    try:
        validate(copy.deepcopy(doc))
        return "ok"
    except fastjsonschema.JsonSchemaValueException as exc:
        return f"{exc.name}: {exc.message}"


def _broken(doc):
    """Three ways to be wrong: a missing section, a wrong type, an unknown key."""
    out = []
    for mutate in (lambda d: d.pop("identificacion"), lambda d: d["identificacion"].update(version="1"),
                   lambda d: d.update(campoDesconocido=1)):
        bad = copy.deepcopy(doc)
        mutate(bad)
        out.append(bad)
    return out


def _schemas(shared_dir, generation):
    ours = sorted((validation.HERE / generation).glob("*.json"))
    official = sorted((shared_dir / "spec" / f"mh-schemas-{generation}").glob("*.json"))
    return ([(p.name, json.loads(p.read_text(encoding="utf-8"))) for p in ours]
            + [(f"MH {p.name}", validation._official(p)) for p in official])


@pytest.mark.parametrize("generation", ["2023", "2026"])
def test_the_kept_validators_answer_as_freshly_compiled_ones(generation, shared_dir, settings, tmp_path):
    settings.DTE_SCHEMA_CACHE_DIR = str(tmp_path)
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((CORPORA / generation).glob("*.json"))]
    valid, accepted = len(docs), 0
    assert docs
    docs += [bad for doc in docs for bad in _broken(doc)]
    checked = 0
    for name, schema in _schemas(shared_dir, generation):
        try:
            fresh = fastjsonschema.compile(schema)
        except fastjsonschema.JsonSchemaDefinitionException:
            continue  # the full validator alone checks such a schema (validation._Checker)
        validation.compiled(schema)  # generated and kept
        kept = validation.compiled(schema)  # loaded from the folder
        assert kept.__name__ == fresh.__name__, name
        verdicts = [(_verdict(fresh, d), _verdict(kept, d)) for d in docs]
        assert all(a == b for a, b in verdicts), name
        accepted += sum(a == "ok" for a, _ in verdicts)
        checked += 1
    assert checked >= 10
    # Each valid document passes its own type's schema, ours and MH's: both answers were exercised.
    assert accepted >= 2 * valid
    assert len(list(tmp_path.glob("schema_*.marshal"))) == checked


def test_a_second_process_loads_instead_of_generating(settings, tmp_path, monkeypatch):
    settings.DTE_SCHEMA_CACHE_DIR = str(tmp_path)
    schema = {"type": "object", "required": ["a"], "properties": {"a": {"type": "string", "pattern": "^[0-9]{2}$"}}}
    first = validation.compiled(schema)
    assert first({"a": "12"}) == {"a": "12"}

    def refuse(*args, **kwargs):
        raise AssertionError("generated again")

    monkeypatch.setattr(fastjsonschema, "compile_to_code", refuse)
    monkeypatch.setattr(fastjsonschema, "compile", refuse)
    again = validation.compiled(schema)
    with pytest.raises(fastjsonschema.JsonSchemaValueException):
        again({"a": "123"})
    # A damaged file is generated again, not trusted.
    monkeypatch.undo()
    (kept,) = tmp_path.glob("schema_*.marshal")
    kept.write_bytes(b"\x00garbage")
    assert validation.compiled(schema)({"a": "34"}) == {"a": "34"}


def test_without_a_folder_it_compiles_in_memory(settings, tmp_path):
    settings.DTE_SCHEMA_CACHE_DIR = ""
    assert validation.compiled({"type": "integer"})(3) == 3
    settings.DTE_SCHEMA_CACHE_DIR = str(tmp_path / "file-not-folder")
    (tmp_path / "file-not-folder").write_text("x")  # unwritable as a folder: compiled, still answers
    with pytest.raises(fastjsonschema.JsonSchemaValueException):
        validation.compiled({"type": "integer"})("x")
