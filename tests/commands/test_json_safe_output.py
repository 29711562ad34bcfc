"""--json output is pure printable text: controls and bidi overrides in stored text are JSON escapes, and the
document loads back to the exact original."""

from __future__ import annotations

import json

from tests.core.test_json_text import _terminal_safe

LABEL = "q3 \x9b31m\u202eevil\u202c \u2066iso\u2069 \x7f\u2028end"


def test_list_and_show_escape_what_a_terminal_would_act_on(cli, tmp_path):
    path = tmp_path / "r.jsonl"
    line = {"custom_id": "a", "params": {"model": "claude-sonnet-4-5", "max_tokens": 5,
            "messages": [{"role": "user", "content": "hi"}]}}  # fmt: skip
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    code, out, err = cli("submit", str(path), "--label", LABEL, "--json")
    assert code == 0, err
    assert _terminal_safe(out)
    (batch_id,) = json.loads(out)["batch_ids"]

    code, out, _ = cli("list", "--json")
    assert code == 0 and _terminal_safe(out) and "\\u009b31m\\u202eevil" in out
    assert json.loads(out)[0]["label"] == LABEL  # the exact label, once parsed
    code, out, _ = cli("show", batch_id, "--json")
    assert code == 0 and _terminal_safe(out) and json.loads(out)["label"] == LABEL

    code, out, _ = cli("list")  # a table for a terminal is cleaned, as before
    assert code == 0 and "\x9b" not in out and "\u202e" not in out and "[U+202E]" in out
