"""The layers hold (DESIGN.md, "Layers"; pyproject.toml [tool.importlinter]): the contracts pass
on the project, and an import that runs the wrong way breaks them with the line that makes it."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _packages():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["root_packages"]


def _run(cwd):
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300,
                          check=False)


def test_the_contracts_pass_on_the_project():
    result = _run(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _copy(tmp_path):
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "static", "templates", "locale", "schemas", "*.json",
                                    "*.html", "*.xlsx", "*.pdf", "*.png", "*.ttf")
    for package in _packages():
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")


@pytest.mark.parametrize(("probe", "source", "message"), [
    ("core/probe.py", '"""A deliberate mistake."""\n\nfrom dte.models import Document\n',
     ["core is not allowed to import dte", "core.probe -> dte.models (l.3)"]),
    ("contingency/probe.py", "import payments.models\n", ["contingency is not allowed to import payments"]),
    ("govsim/probe.py", "from core import formats\n", ["govsim is not allowed to import core"]),
    ("paysim/probe.py", "from payments.gateways import base\n", ["paysim is not allowed to import payments"]),
], ids=["hacia-arriba", "entre-hermanas", "govsim-aparte", "paysim-aparte"])
def test_a_wrong_way_import_breaks_the_contracts(tmp_path, probe, source, message):
    _copy(tmp_path)
    (tmp_path / probe).write_text(source)
    result = _run(tmp_path)
    assert result.returncode != 0
    for line in message:
        assert line in result.stdout
