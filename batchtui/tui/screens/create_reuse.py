"""The create preview's reuse line: how many requests earlier batches already answered, and what reusing saves."""

from __future__ import annotations

from textual.content import Content

from batchtui.core import fmt
from batchtui.core.reuse import ReuseSummary
from batchtui.tui.safe import content_assemble


def reuse_label(summary: ReuseSummary) -> str:
    return f"Reuse earlier answers ({fmt.count(summary.reused)} of {fmt.count(summary.requests)})"


def reuse_content(summary: ReuseSummary | None) -> Content:
    """One paragraph beside the checkbox: where the answers come from, the saving, and what is left to send."""
    if summary is None or not summary.reused:
        return Content.styled("No request of this file was answered successfully before.", "dim")
    batches = len(summary.tally.sources)
    low, high = summary.estimated_cost_usd
    parts: list[str | tuple[str, str]] = [
        f"answered by {fmt.count(batches)} earlier batch{'es' if batches != 1 else ''} · saving ",
        (summary.saving_text(), "bold green"),
        " (what they cost then)\n",
    ]
    if summary.applied and summary.all_reused:
        parts.append(("Nothing is sent: Submit stores the answers as a local batch to read and export.", "dim"))
    elif summary.applied:
        parts.append((f"{fmt.count(summary.sent)} to send, estimated {fmt.money(low)} – {fmt.money(high)}", "dim"))
    else:
        parts.append(("Off: every request is sent, and paid for again.", "dim"))
    return content_assemble(*parts)
