"""axe's scrollable-region-focusable rule, for every template: a box that scrolls sideways
(.table-responsive) can be reached and scrolled with the keyboard (tabindex="0") and is named
for a screen reader (role="region" with an aria-label)."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
OPENING = re.compile(r"<div\b[^>]*\bclass=\"[^\"]*\btable-responsive\b[^\"]*\"[^>]*>")


def test_every_scroll_box_is_a_named_focusable_region():
    boxes = [(path.relative_to(TEMPLATES), tag) for path in sorted(TEMPLATES.rglob("*.html"))
             for tag in OPENING.findall(path.read_text(encoding="utf-8"))]
    assert len(boxes) >= 17  # the scan found them
    wrong = [(str(path), tag) for path, tag in boxes
             if 'tabindex="0"' not in tag or 'role="region"' not in tag or not re.search(r'aria-label="[^"]+"', tag)]
    assert not wrong, f"cajas con desplazamiento sin tabindex, role o aria-label: {wrong}"
