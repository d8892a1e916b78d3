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
