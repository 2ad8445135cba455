"""Checks a person would notice on a page in a real browser: accessibility (axe-core,
vendored from npm), sideways scrolling on a phone, and screenshots to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SHOTS = Path("/tmp/og-shots")
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
                         "is_mobile": True, "has_touch": True}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}


def axe_violations(page: Any) -> list[str]:
    """The page's serious and critical axe-core violations, as "rule: target, ..." lines."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found: list[str] = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
          .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 5).join(', '));
    }""")
    return found


def scrolls_sideways(page: Any) -> bool:
    """Whether the page is wider than its viewport (a phone would scroll sideways)."""
    return bool(page.evaluate(
        "document.documentElement.scrollWidth > window.innerWidth + 1"))


def shoot(page: Any, name: str) -> Path:
    """A full-page screenshot in /tmp/og-shots/ for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
