"""Writes the project's schemas to dte/schemas/<generation>/*.json.

    .venv/bin/python -m dte.schemas.build          # write
    .venv/bin/python -m dte.schemas.build --check  # fail if the files are out of date
"""

import argparse
import importlib
import json
import sys
from pathlib import Path

from dte.schemas.registry import GENERATIONS

HERE = Path(__file__).resolve().parent


def rendered(generation):
    out = {}
    for section in ("dte", "events"):
        for module_name, _version in GENERATIONS[generation][section].values():
            try:
                module = importlib.import_module(f"dte.schemas.types.{module_name}")
            except ModuleNotFoundError:
                continue  # a type not written yet
            out[module.FILE] = json.dumps(module.schema(), ensure_ascii=False, indent=2) + "\n"
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale = []
    for generation in GENERATIONS:
        folder = HERE / generation
        folder.mkdir(exist_ok=True)
        for name, text in rendered(generation).items():
            path = folder / name
            if args.check:
                if not path.exists() or path.read_text(encoding="utf-8") != text:
                    stale.append(str(path))
            else:
                path.write_text(text, encoding="utf-8")
                print(f"escrito {path.relative_to(HERE.parent.parent)}")
    if stale:
        print("desactualizados (corra python -m dte.schemas.build):\n  " + "\n  ".join(stale))
        sys.exit(1)


if __name__ == "__main__":
    main()
