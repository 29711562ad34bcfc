"""The pure helpers of the results view: prompt extraction from submitted params, and fixed-width cells."""

from __future__ import annotations

import json

from rich.cells import cell_len

from batchtui.core.models import ResultRow
from batchtui.tui.widgets.result_detail import prompt_content, prompt_sections
from batchtui.tui.widgets.results_table import fit, preview


def test_prompt_sections_from_block_lists():
    params = {
        "model": "claude-haiku-4-5",
        "system": [{"type": "text", "text": "Be brief."}, {"type": "text", "text": "Cite \x1b[2J sources."}],
        "messages": [
            {"role": "user", "content": [{"type": "image", "source": {}}, {"type": "text", "text": "What is this?"}]},
            {"role": "assistant", "content": "A chart."},
            {
                "role": "user",
                "content": [{"type": "tool_result", "content": [{"type": "text", "text": "42 [TODO]"}]}],
            },
            "not a message",
        ],
    }
    assert prompt_sections(json.dumps(params)) == [
        ("system", "Be brief.\nCite ␛[2J sources."),
        ("user", "<image>\nWhat is this?"),
        ("assistant", "A chart."),
        ("user", "42 [TODO]"),
    ]


def test_prompt_sections_of_unreadable_params_show_them_cleaned():
    assert prompt_sections("{not json \x1b") == [("params", "{not json ␛")]
    assert prompt_sections("[1, 2]") == [("params", "[1, 2]")]
    assert prompt_sections(None) == []
    assert "not submitted from this cache" in str(prompt_content(None))


def test_fit_pads_cuts_and_aligns_by_cells():
    assert fit("abc", 5) == "abc  "
    assert fit("abc", 5, right=True) == "  abc"
    assert fit("abcdefgh", 5) == "abcd…"
    assert fit("日本語テキスト", 6) == "日本 …"  # wide characters: cut by cells, never half a character
    assert cell_len(fit("日本語テキスト", 7)) == 7
    assert fit("x", 0) == ""


def test_preview_is_one_line_of_the_answer_or_error():
    row = ResultRow("b", "c", "succeeded", "{}", text="line one\n\nline\ttwo")
    assert preview(row) == "line one line two"
    err = ResultRow("b", "c", "errored", "{}", error_message="bad\nrequest")
    assert preview(err) == "bad request"
