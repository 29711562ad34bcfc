"""The groups among the listed batches: which batches are parts (listed under their group, not on their own),
where each group sits in the newest-first list, which groups show their parts, and the rows they make.

Read once per load (the store's groups and batches come from the same worker); a clock tick only rebuilds the
rows of the groups in view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from rich.text import Text

from batchtui.core.groups import GroupPart, GroupSummary
from batchtui.core.models import BatchRecord, WorkflowLink
from batchtui.tui.widgets.batch_table import Indent
from batchtui.tui.widgets.group_rows import CHILD, LAST_CHILD, created_of, group_cells, part_name

Entry = BatchRecord | GroupSummary  # one top-level row of the list
Part = tuple[GroupPart, BatchRecord]  # a part that has a batch, with the batch as currently cached
Cells = Callable[[BatchRecord, bool, datetime, WorkflowLink | None, Indent], tuple[Text, ...]]
Row = tuple[str, tuple[Text, ...]]


def field_matches(needle: str, *fields: str | None) -> bool:
    return any(needle in (field or "").casefold() for field in fields)


class GroupList:
    def __init__(self) -> None:
        self.groups: dict[str, GroupSummary] = {}
        self.parts: dict[str, list[Part]] = {}  # group id -> its parts that have a batch, in part order
        self.part_of: dict[str, str] = {}  # batch id -> the group it is a part of
        self.expanded: set[str] = set()  # groups whose parts are shown beneath them
        self.sending: set[str] = set()  # plan digests this dashboard is sending right now

    def load(self, groups: Sequence[GroupSummary], by_id: dict[str, BatchRecord]) -> None:
        """The store's groups, their parts' batches taken from the freshly loaded list (the same read)."""
        self.groups = {g.id: g for g in groups}
        self.parts = {}
        self.part_of = {}
        for g in groups:
            found: list[Part] = []
            for part in g.parts:
                batch_id = part.batch_id if part.done else None
                batch = (by_id.get(batch_id) or part.batch) if batch_id else None
                if batch is not None:
                    found.append((part, batch))
                    self.part_of[batch.id] = g.id
            self.parts[g.id] = found
        self.expanded &= self.groups.keys()

    def part_title(self, batch_id: str) -> str | None:
        """`NAME · part k of N` for a batch that is a part of a group (the detail pane's lineage)."""
        group = self.groups.get(self.part_of.get(batch_id, ""))
        if group is None:
            return None
        part = next(p for p, b in self.parts[group.id] if b.id == batch_id)
        return f"{group.group.name} · part {part.spec.part} of {group.group.part_count}"

    def batches(self, group_id: str) -> list[BatchRecord]:
        return [batch for _, batch in self.parts.get(group_id, [])]

    def is_sending(self, group: GroupSummary) -> bool:
        return group.group.digest in self.sending and not group.complete

    def top_level(self, batches: list[BatchRecord]) -> list[Entry]:
        """Batches (newest first) with each group's parts replaced by the group, placed by when its first part was
        created. With no groups, the very list given (nothing to merge)."""
        if not self.groups:
            return batches  # type: ignore[return-value]
        placed = sorted(
            ((created_of(g, self.batches(g.id)), g) for g in self.groups.values()),
            key=lambda item: item[0],
            reverse=True,
        )
        out: list[Entry] = []
        i = 0
        for b in batches:
            if b.id in self.part_of:
                continue
            while i < len(placed) and placed[i][0] >= b.created_at:
                out.append(placed[i][1])
                i += 1
            out.append(b)
        out.extend(g for _, g in placed[i:])
        return out

    def matching_parts(self, group: GroupSummary, text: str, links: dict[str, WorkflowLink]) -> list[str] | None:
        """The `/` filter on a group: None when it does not match; else the parts that matched on their own (by
        id or label), which are shown beneath it even when it is collapsed (empty when the group's own name or
        id matched)."""
        needle = text.casefold()
        hits = [b.id for _, b in self.parts.get(group.id, []) if field_matches(needle, b.id, b.label)]
        if field_matches(needle, group.group.name, group.id):
            return []
        return hits or None

    def rows(
        self,
        group: GroupSummary,
        marks: set[str],
        now: datetime,
        cells: Cells,
        links: dict[str, WorkflowLink],
        only: list[str] | None = None,
    ) -> list[Row]:
        """The group's row, then (expanded, or `only` those that matched the filter) its parts' rows, indented."""
        parts = self.parts.get(group.id, [])
        batches = [b for _, b in parts]
        expanded = group.id in self.expanded
        marked = bool(batches) and all(b.id in marks for b in batches)
        head = group_cells(group, batches, marked=marked, expanded=expanded, sending=self.is_sending(group), now=now)
        out: list[Row] = [(group.id, head)]
        shown = parts if expanded else [p for p in parts if only and p[1].id in only]
        for i, (part, batch) in enumerate(shown):
            indent = (LAST_CHILD if i == len(shown) - 1 else CHILD, part_name(part, batch, group))
            out.append((batch.id, cells(batch, batch.id in marks, now, links.get(batch.id), indent)))
        return out
