"""The create preview's plan for a file over one batch's limits: the group of batches it goes as, part by part."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from batchtui.core import fmt
from batchtui.core.inputs.split import PartPlan, SplitLimits
from batchtui.tui.safe import content_assemble

MAX_PARTS_LISTED = 12  # the rest are summed in one line (the dialog must fit the screen)


def _lines(plan: PartPlan) -> str:
    first, last = plan.first_line, plan.last_line
    if first is None:
        return ""
    return f"line {first}" if first == last else f"lines {first}–{last}"


def parts_content(parts: Sequence[PartPlan], limits: SplitLimits) -> Content:
    """Why it is split, then one line per part (requests, create body size, where it lies in the file)."""
    head = (
        f"Too big for one batch (at most {fmt.count(limits.max_requests)} requests and "
        f"{fmt.naturalsize(limits.max_body_bytes)} each): it goes as a group of {len(parts)} batches, in file order, "
        "labelled “LABEL (part k/N)”. A part that finds the processing queue full waits for it to drain."
    )
    lines: list[Content] = [Content.styled(head, "dim")]
    for plan in parts[:MAX_PARTS_LISTED]:
        lines.append(
            content_assemble(
                (f"  part {plan.number:<4}", "bold"),
                (f"{fmt.count(plan.request_count):>9} requests", ""),
                (f"  {fmt.naturalsize(plan.body_bytes):>9}", ""),
                (f"  {_lines(plan)}", "dim"),
            )
        )
    if hidden := parts[MAX_PARTS_LISTED:]:
        requests = sum(p.request_count for p in hidden)
        lines.append(Content.styled(f"  … and {len(hidden)} more parts ({fmt.count(requests)} requests)", "dim"))
    return Content("\n").join(lines)
