"""Every app's tests run: a tests/ folder missing from pytest's testpaths would be skipped in
silence by `make test` (and CI)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_tests_folder_is_in_testpaths():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    paths = set(config["tool"]["pytest"]["ini_options"]["testpaths"])
    folders = {p.parent.name for p in ROOT.glob("*/tests/__init__.py")} | {"tests"}
    assert folders - paths == set(), "agregue estas carpetas a testpaths en pyproject.toml"
