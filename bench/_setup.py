"""Helpers shared by the bench scripts: Django set up against an in-memory SQLite database."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared"))


def django_setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing.settings")
    os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")
    import django

    django.setup()


def sample_document():
    import json

    path = SHARED / "spec" / "samples" / "mh-manual-funcional-v1.1_ejemplo-ccf-v3_archivo-dte.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.pop("firmaElectronica", None)
    doc.pop("selloRecibido", None)
    return doc


SMALL_HELP = "tamaño pequeño (o BENCH_SMALL=1): lo que CI corre en cada commit para ver que llega a su última línea"


def is_small(flag=False):
    """The bench at its small size (``--small`` or BENCH_SMALL=1): CI runs every bench so on each
    commit (tests/test_benches.py) to see that it still reaches its last line; the figures of a
    small run mean nothing."""
    return bool(flag) or os.environ.get("BENCH_SMALL", "") not in ("", "0")
