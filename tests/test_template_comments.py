"""Django's {# #} comment ends at the end of its line: one spread over several lines is printed on
the page as text (it happened twice). Longer comments use {% comment %}."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_no_template_comment_spans_lines():
    broken = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"\{#(?!.*#\})", line):
                broken.append(f"{path.relative_to(TEMPLATES)}:{number}")
    assert not broken, f"comentarios {{# #}} de varias líneas (se imprimen en la página): {broken}"
