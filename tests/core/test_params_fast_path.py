"""The params checks' fast path (plain messages and text blocks told in a few lookups) says exactly what the full
checks say: on generated params, valid or not, the errors and warnings are the same with the fast path turned off."""

from __future__ import annotations

from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.core.inputs.blocks import block, plain_text_block
from batchtui.core.inputs.params import params_problems, plain_messages
from batchtui.core.inputs.problems import Problems

_text = st.sampled_from(["", "hi", "é 😀"])
_mark = st.sampled_from(
    [{"type": "ephemeral"}, {"type": "ephemeral", "ttl": "1h"}, {"type": "ephemeral", "ttl": "2h"}, {"type": "x"}, "5m"]
)
_block_fields: dict[str, Any] = {
    "type": st.sampled_from(["text", "image", "thinking", 1, None]),
    "text": st.one_of(_text, st.integers(0, 1), st.none()),
}
_optional_fields: dict[str, Any] = {
    "cache_control": st.one_of(st.none(), _mark),
    "citations": st.one_of(st.none(), st.just([]), st.just("c")),
    "extra": st.just(1),
}
# Near-plain shapes most of the time (one field off is what the fast path must notice), anything else otherwise.
_block = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": _text}, optional=_optional_fields),
    st.fixed_dictionaries(_block_fields, optional=_optional_fields),
    st.none(),
)
_content = st.one_of(st.lists(_block, min_size=1, max_size=3), _text, st.sampled_from([[], 1, None]))
_message = st.one_of(
    st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]), "content": _content}),
    st.fixed_dictionaries(
        {},
        optional={
            "role": st.sampled_from(["user", "assistant", "system", 1]),
            "content": _content,
            "name": st.just("x"),
        },
    ),
    st.sampled_from(["hello", None]),
)
_params = st.fixed_dictionaries(
    {"model": st.just("claude-sonnet-4-5"), "max_tokens": st.just(1024)},
    optional={
        "messages": st.one_of(st.lists(_message, min_size=1, max_size=3), st.just({}), st.none()),
        "system": st.one_of(_content, st.lists(_block, max_size=2)),
    },
)


@settings(max_examples=1000, deadline=None)
@given(_params)
def test_fast_path_says_what_the_full_checks_say(params: dict[str, Any]) -> None:
    fast = params_problems(params, file="f.jsonl", line=3)
    with (
        mock.patch("batchtui.core.inputs.params.plain_messages", return_value=False),
        mock.patch("batchtui.core.inputs.blocks.plain_text_block", return_value=False),
    ):
        full = params_problems(params, file="f.jsonl", line=3)
    assert fast == full


def test_a_plain_request_takes_the_fast_path_and_a_bad_one_does_not() -> None:
    good = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 10,
        "system": [{"type": "text", "text": "s", "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
    }
    with mock.patch("batchtui.core.inputs.params._check_message") as detailed:
        assert params_problems(good, file="f", line=1) == ([], [])
        detailed.assert_not_called()
        bad = {**good, "messages": [{"role": "user", "content": [{"type": "text", "text": 1}]}]}
        params_problems(bad, file="f", line=1)
        detailed.assert_called_once()


@settings(max_examples=500, deadline=None)
@given(_block)
def test_a_block_the_fast_path_passes_has_nothing_said_of_it(value: Any) -> None:
    p = Problems("f.jsonl", 3)
    block(value, "params.system.0", p)
    assert not plain_text_block(value) or (p.errors, p.warnings) == ([], [])


@settings(max_examples=500, deadline=None)
@given(st.lists(_message, min_size=1, max_size=2))
def test_messages_the_fast_path_passes_have_nothing_said_of_them(messages: list[Any]) -> None:
    with mock.patch("batchtui.core.inputs.params.plain_messages", return_value=False):
        errors, warnings = params_problems(
            {"model": "claude-sonnet-4-5", "max_tokens": 8, "messages": messages}, file="f", line=1
        )
    assert not plain_messages(messages) or (errors, warnings) == ([], [])
