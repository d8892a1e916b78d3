"""Seconds a fresh process spends readying the fast validators of a schema generation: kept once
compiled (dte.schemas.validation.compiled, what the project does) versus generated and compiled by
fastjsonschema in every process (what it did: ~1.15 s for the 2026 schemas).

    .venv/bin/python bench/schema_compile.py [--generation 2026] [--processes 5] [--official] [--small]

Each figure is the median over --processes fresh Python processes (each sets Django up, then
times only the validators). --official also readies MH's official schemas of the generation (what
the tests and CI check every document against)."""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from _setup import ROOT, SHARED, SMALL_HELP, is_small  # noqa: E402

CHILD = """
import os, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing.settings")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")
import django
django.setup()
from pathlib import Path
from dte.schemas import validation
files = [(str(p), False) for p in sorted((validation.HERE / {generation!r}).glob("*.json"))]
if {official!r}:
    files += [(str(p), True) for p in sorted(Path({shared!r}, "spec", "mh-schemas-" + {generation!r}).glob("*.json"))]
start = time.perf_counter()
for path, official in files:
    validation._checker(path, official)
print(len(files), time.perf_counter() - start)
"""
CHILD_DEADLINE = 120  # seconds for one process


def one_process(args, cache_dir):
    code = CHILD.format(root=str(ROOT), generation=args.generation, official=args.official, shared=str(SHARED))
    env = dict(os.environ, DTE_SCHEMA_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=CHILD_DEADLINE, check=True)
    count, seconds = out.stdout.split()[-2:]
    return int(count), float(seconds)


def median(args, cache_dir):
    runs = [one_process(args, cache_dir) for _ in range(args.processes)]
    return runs[0][0], statistics.median(s for _, s in runs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--generation", default="2026", choices=["2023", "2026"])
    parser.add_argument("--processes", type=int, default=5)
    parser.add_argument("--official", action="store_true", help="MH's official schemas too")
    parser.add_argument("--small", action="store_true", help=SMALL_HELP)
    args = parser.parse_args()
    if is_small(args.small):
        args.processes = 1
    with tempfile.TemporaryDirectory(prefix="schema-cache-") as cache_dir:
        one_process(args, cache_dir)  # the first process generates and keeps them
        count, kept = median(args, cache_dir)
    _, generated = median(args, "")
    print(f"generación {args.generation}: {count} esquemas{' (con los oficiales de MH)' if args.official else ''}, "
          f"mediana de {args.processes} procesos nuevos")
    print(f"{'compilados una vez y guardados':<34}{kept:>8.3f} s por proceso")
    print(f"{'generados en cada proceso':<34}{generated:>8.3f} s por proceso")
    print(f"schemas={count} kept_s={kept:.3f} generated_s={generated:.3f} speedup={generated / kept:.1f}")


if __name__ == "__main__":
    main()
