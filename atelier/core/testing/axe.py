"""Accessibility checks with axe-core (the npm package, installed by `make install`), run inside
the real Chromium of the end-to-end tests against the WCAG 2.0/2.1 A and AA rules.

    def test_x(page, axe):
        page.goto("/atlas/")
        axe(page)  # fails with one readable paragraph per violation

Loaded as a pytest plugin by the root conftest.py.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from atelier.core.testing.skipping import e2e_skip_or_fail

REPO_ROOT = Path(__file__).resolve().parents[3]
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
AXE_FIXTURES = {"axe"}
MAX_NODES_SHOWN = 5
MAX_HTML_CHARS = 300


def axe_path() -> Path:
    """axe.min.js: $ATELIER_AXE_JS, else node_modules/axe-core (npm ci)."""
    return Path(os.environ.get("ATELIER_AXE_JS") or REPO_ROOT / "node_modules/axe-core/axe.min.js")


def axe_missing_reason() -> str | None:
    path = axe_path()
    if not path.is_file():
        return f"axe-core introuvable ({path}). Lancez `make install` (npm ci) pour l'installer."
    return None


@cache
def _axe_source(path: Path) -> str:
    # Evaluated through the DevTools protocol rather than added as a <script>: a page's
    # Content-Security-Policy cannot block it, and the page under test is left untouched.
    return path.read_text(encoding="utf-8") + "\n;void 0;"


def axe_inject(page: Any) -> None:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source(axe_path()))


def axe_violations(
    page: Any, *, tags: tuple[str, ...] = WCAG_TAGS, exclude: list[str] | None = None
) -> list[dict[str, Any]]:
    """Run axe-core on the current document; return its violations (rule dicts)."""
    axe_inject(page)
    context = {"exclude": [[sel] for sel in exclude]} if exclude else None
    return page.evaluate(
        """async ([context, options]) => {
            const results = await axe.run(context || document, options);
            return results.violations;
        }""",
        [
            context,
            {"runOnly": {"type": "tag", "values": list(tags)}, "resultTypes": ["violations"]},
        ],
    )


def format_violations(violations: list[dict[str, Any]], url: str) -> str:
    """One paragraph per rule: id, impact, help, link, then each failing node's selector,
    HTML snippet and what axe says to fix."""
    lines = [f"axe-core ({', '.join(WCAG_TAGS)}) : {len(violations)} règle(s) violée(s) sur {url}"]
    for rule in violations:
        lines.append("")
        lines.append(f"- {rule['id']} [{rule.get('impact') or '?'}] {rule['help']}")
        lines.append(f"  {rule.get('helpUrl', '')}")
        nodes = rule.get("nodes", [])
        for node in nodes[:MAX_NODES_SHOWN]:
            target = " ".join(
                sel if isinstance(sel, str) else " >>> ".join(sel) for sel in node["target"]
            )
            html = " ".join(node.get("html", "").split())
            if len(html) > MAX_HTML_CHARS:
                html = html[:MAX_HTML_CHARS] + "…"
            lines.append(f"  • {target}")
            lines.append(f"    {html}")
            # "Fix any of the following:\n  reason\n  reason" -> one line, reasons apart.
            summary = [x.strip() for x in (node.get("failureSummary") or "").splitlines()]
            summary = [x for x in summary if x]
            if summary:
                lines.append(f"    {summary[0]} " + " ; ".join(summary[1:]))
        if len(nodes) > MAX_NODES_SHOWN:
            lines.append(f"  … et {len(nodes) - MAX_NODES_SHOWN} autre(s) élément(s)")
    return "\n".join(lines)


def assert_accessible(page: Any, **kwargs: Any) -> None:
    violations = axe_violations(page, **kwargs)
    if violations:
        pytest.fail(format_violations(violations, page.url), pytrace=False)


@pytest.fixture
def axe() -> Any:
    """`axe(page)` fails the test when axe-core finds a WCAG 2.1 A/AA violation on the page."""
    reason = axe_missing_reason()
    if reason:
        e2e_skip_or_fail(reason)
    return assert_accessible
