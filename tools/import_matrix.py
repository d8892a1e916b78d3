"""Who imports whom: the app-to-app import matrix and the count of function-local imports.

    python tools/import_matrix.py            # matrix of the project's apps, then the local imports
    python tools/import_matrix.py --local    # also list every function-local import with its line

Reads the source with `ast` (nothing is imported or run). Tests and migrations are left out: the
layers are about what the product's code depends on.
"""

import argparse
import ast
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_PARTS = {"tests", "migrations", ".venv", "node_modules", "var", "bench", "tools", "docs", "static",
              "templates", "locale", "staticfiles"}


def apps():
    return sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in SKIP_PARTS)


def sources(app):
    for path in sorted((ROOT / app).rglob("*.py")):
        if SKIP_PARTS.intersection(path.relative_to(ROOT).parts[1:]) or path.name.startswith("test"):
            continue
        yield path


def imported_app(node, known, path):
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif node.level:  # relative: the importing file's own app
        return [path.relative_to(ROOT).parts[0]]
    else:
        names = [node.module or ""]
    return [name.split(".")[0] for name in names if name.split(".")[0] in known]


def scan():
    known = set(apps())
    matrix = defaultdict(Counter)
    local = []
    for app in sorted(known):
        for path in sources(app):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            inside = set()
            for fn in ast.walk(tree):
                if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    inside.update(id(n) for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom)))
            for node in ast.walk(tree):
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    continue
                for target in imported_app(node, known, path):
                    if target != app:
                        matrix[app][target] += 1
                    if id(node) in inside:
                        local.append((path.relative_to(ROOT), node.lineno, app, target))
    return sorted(known), matrix, local


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", action="store_true", help="list every function-local import")
    args = parser.parse_args(argv)
    names, matrix, local = scan()
    width = max(len(n) for n in names)
    print("imports (row imports column), counting import statements outside tests and migrations")
    print(" " * width + " " + " ".join(n[:5].rjust(5) for n in names))
    for row in names:
        cells = [str(matrix[row][col] or "·").rjust(5) if col != row else "    -" for col in names]
        print(row.ljust(width) + " " + " ".join(cells))
    print(f"\nfunction-local imports of project apps: {len(local)}"
          f" ({sum(1 for _, _, a, t in local if a != t)} of another app)")
    if args.local:
        for path, line, _app, target in local:
            print(f"  {path}:{line} -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
