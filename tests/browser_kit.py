"""What every browser test checks, in one place: console errors (htmx reports its own errors on
the console), English state words on a Spanish page, elements wider than the viewport.

    watcher = Watch(page)          # before the first goto
    login(page, live_server, "vendedor")
    ...
    watcher.assert_clean()         # no console error, no uncaught exception
    assert_no_english_states(page)
    assert_fits(page)              # nothing wider than the viewport
    assert_axe(page)               # no serious or critical WCAG 2.1 A/AA violation (axe-core)
"""

import re
from pathlib import Path

PASSWORD = "clave-segura-123"  # the root conftest's users

# Internal state and case words that must never reach a Spanish page as text.
ENGLISH_WORDS = re.compile(
    r"\b(draft|pending|in_doubt|in doubt|contingency|retention|sealed|rejected|invalidated|queued|running|"
    r"failed|approved|awaiting|transmitting|cancelled|none|null|True|False)\b"
)


class Watch:
    """Collects console errors, failed requests' messages and uncaught page errors."""

    def __init__(self, page, ignore=()):
        self.errors = []
        self.ignore = tuple(ignore)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _console(self, msg):
        if msg.type in ("error", "assert"):
            text = msg.text
            if not any(part in text for part in self.ignore):
                self.errors.append(f"console.{msg.type}: {text}")

    def assert_clean(self):
        assert not self.errors, "errores en la consola del navegador:\n" + "\n".join(self.errors)


def login(page, live_server, username, password=PASSWORD):
    page.goto(f"{live_server.url}/ingresar/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("#module-menu", state="attached")  # hidden in the collapsed menu on a phone


def visible_text(page):
    return page.evaluate("() => document.body.innerText")


def assert_no_english_states(page, allow=()):
    text = visible_text(page)
    found = {m.group(0) for m in ENGLISH_WORDS.finditer(text)} - set(allow)
    assert not found, f"palabras internas en inglés en {page.url}: {sorted(found)}"


def overflowing(page):
    """Elements whose right edge passes the viewport (the page would scroll sideways), ignoring
    those inside a scroll container that the user scrolls on purpose (.table-responsive)."""
    return page.evaluate(
        """() => {
        const width = document.documentElement.clientWidth;
        const out = [];
        for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.right <= width + 1) continue;
            if (el.closest('.table-responsive, [data-scroll-x]')) continue;
            const style = getComputedStyle(el);
            if (style.position === 'fixed' || style.visibility === 'hidden') continue;
            out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                     (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
                     ' right=' + Math.round(r.right));
            if (out.length > 10) break;
        }
        return {scroll: document.documentElement.scrollWidth, width, out};
    }"""
    )


def assert_fits(page):
    info = overflowing(page)
    assert info["scroll"] <= info["width"] + 1 and not info["out"], (
        f"{page.url} es más ancho que la ventana ({info['scroll']} > {info['width']}): {info['out']}"
    )


AXE_SCRIPT = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_BLOCKING = ("serious", "critical")


def axe_violations(page, impacts=AXE_BLOCKING):
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now, of the given impacts."""
    assert AXE_SCRIPT.exists(), f"{AXE_SCRIPT}: falta axe-core (npm install)"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        """async (tags) => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
                                       targets: v.nodes.slice(0, 6).map(n => n.target.join(' ')),
                                       summary: (v.nodes[0] && v.nodes[0].failureSummary) || ''}));
    }""",
        AXE_TAGS,
    )
    return [v for v in result if v["impact"] in impacts]


def assert_axe(page):
    found = axe_violations(page)
    assert not found, f"axe: violaciones graves en {page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}, {v['count']} nodos): {v['help']}; p. ej. {v['targets']}\n  {v['summary'][:300]}"
        for v in found
    )
