"""Rewrite imports of what moved into ``core`` (issue 17). Idempotent: run it again after merging
a branch that still names the old places.

    python tools/core_imports.py [paths...]     # default: every .py and template of the project
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "node_modules", "var", "staticfiles", ".git"}

# Modules moved whole.
MODULES = {
    "accounts.text": "core.text",
    "accounts.formats": "core.formats",
    "accounts.fields": "core.fields",
    "accounts.logging": "core.logging",
    "accounts.access": "core.access",
    "accounts.templatetags.formats": "core.templatetags.formats",
}
# Names moved out of a module that stays: (old module, name) -> new module.
NAMES = {
    ("accounts.services", n): "core.audit"
    for n in ("SECRET_MARK", "snapshot", "audit_record", "audit_entry", "audited_save", "audited_delete",
              "_jsonable")
} | {
    ("accounts.models", "AuditEntry"): "core.models",
    ("accounts.models", "AuditAction"): "core.models",
    ("dte.models", "FileJob"): "core.models",
    ("accounts.modules", "Action"): "core.modules",
    ("core.access", "catalogue_module_required"): "bulk.access",
}

IMPORT = re.compile(r"^(?P<indent>[ \t]*)from (?P<mod>[\w.]+) import (?P<names>\([^)]*\)|[^\n]*(?:\\\n[^\n]*)*)",
                    re.M)


def _names(text):
    text = text.strip()
    comment = ""
    if not text.startswith("(") and "#" in text:
        text, comment = text.split("#", 1)
        comment = "  #" + comment
    text = text.strip().strip("()").replace("\\\n", " ")
    parts = [p.strip() for p in re.sub(r"#[^\n]*", "", text).replace("\n", " ").split(",")]
    return [p for p in parts if p], comment


def _rewrite_import(match):
    indent, mod = match["indent"], match["mod"]
    mod = MODULES.get(mod, mod)
    names, comment = _names(match["names"])
    groups = {}
    for name in names:
        base = name.split(" as ")[0].strip()
        target = NAMES.get((mod, base), mod)
        groups.setdefault(target, []).append(name)
    lines = []
    for target, group in groups.items():
        line = f"{indent}from {target} import {', '.join(group)}"
        if len(line) > 118:
            line = f"{indent}from {target} import (\n" + "".join(f"{indent}    {n},\n" for n in group) + f"{indent})"
        lines.append(line)
    if comment and lines:
        lines[-1] += comment
    return "\n".join(lines)


def rewrite(text):
    text = IMPORT.sub(_rewrite_import, text)
    text = re.sub(r"^(\s*)from accounts import formats\b", r"\1from core import formats", text, flags=re.M)
    for old, new in MODULES.items():
        text = re.sub(rf"(['\"]){re.escape(old)}([.'\"])", rf"\1{new}\2", text)  # patch targets, settings
    for (old, name), new in NAMES.items():
        text = text.replace(f'"{old}.{name}', f'"{new}.{name}').replace(f"'{old}.{name}", f"'{new}.{name}")
    return text


def files(paths):
    for base in paths or [ROOT]:
        base = Path(base)
        if base.is_file():
            yield base
            continue
        for path in base.rglob("*.py"):
            if not SKIP.intersection(path.relative_to(ROOT).parts) and path.name != "core_imports.py":
                yield path


def main(argv):
    changed = 0
    for path in files(argv):
        old = path.read_text(encoding="utf-8")
        new = rewrite(old)
        if new != old:
            path.write_text(new, encoding="utf-8")
            changed += 1
            print(path.relative_to(ROOT))
    print(f"{changed} files rewritten", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
