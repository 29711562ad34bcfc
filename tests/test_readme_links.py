"""The README and the repo's docs link only inside the repository, and every link they make resolves.

A reader on a machine with no network (or a fork years from now) must find everything the README points to.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# [text](target) and ![alt](target); a target ends at the first space or closing parenthesis.
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)[^)]*\)")
_AUTOLINK = re.compile(r"<(https?://[^>]+)>")


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    out = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*$", markdown, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _links(doc: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)  # code is not a link
    return _LINK.findall(text) + _AUTOLINK.findall(text)


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda p: p.name)
def test_no_link_leaves_the_repository(doc: Path) -> None:
    outside = [t for t in _links(doc) if re.match(r"^[a-z][a-z0-9+.-]*:", t, flags=re.I)]
    assert outside == [], f"{doc.name} links outside the repository: {outside}"


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda p: p.name)
def test_every_link_resolves(doc: Path) -> None:
    broken = []
    for target in _links(doc):
        path, _, anchor = target.partition("#")
        where = doc if not path else (doc.parent / path).resolve()
        missing_anchor = bool(anchor) and where.suffix == ".md" and anchor not in _anchors(_read(where))
        if not where.exists() or missing_anchor:
            broken.append(target)
    assert broken == [], f"{doc.name} has links that go nowhere: {broken}"
