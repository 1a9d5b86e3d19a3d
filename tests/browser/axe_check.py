"""WCAG 2.1 A/AA as RGAA asks of a public service's site, read by axe-core (the engine of the
accessibility audits, shipped inside the axe-playwright-python wheel) in the page and in every frame
of it (the place boxes, the maps and the animation are components drawn in frames: axe is put in each
so that their insides are read too). Each violation is told with its rule, its element and axe's
summary, so that a failure says what to fix."""

from __future__ import annotations

from functools import cache

#: the WCAG levels RGAA 4 refers to
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: how long axe waits for a frame's answer (axe's default, 60 s, would hide a frame being replaced)
FRAME_WAIT_MS = 10_000


@cache
def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def violations(page) -> list[str]:
    """The WCAG 2.1 A/AA violations axe finds in ``page`` and its frames, one line per element."""
    axe = _axe()
    for frame in page.frames:
        if frame is not page.main_frame:
            try:
                frame.evaluate(axe.axe_script)
            except Exception:  # noqa: BLE001 - a frame replaced meanwhile is read at the next look
                continue
    result = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                    "frameWaitTime": FRAME_WAIT_MS})
    found = []
    for rule in result.response["violations"]:
        for node in rule["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())[:240]
            found.append(f"WCAG {rule['id']} ({rule['impact']}) at {node['target']}: {summary}")
    return found
