"""Property tests of the params checks: a valid request with random parts replaced, removed or added is either
accepted or refused with errors that each name a line and a field; and the emulator's independent rules
(batchtui/emulator/params_rules.py) make the same decision, on the same top-level field."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtui.core.inputs.params import params_problems
from batchtui.emulator.params_rules import check_params

SCHEMA = {"type": "object", "properties": {"q": {"type": "string"}}}
RICH: dict[str, Any] = {
    "model": "claude-haiku-4-5",
    "max_tokens": 4096,
    "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
    "messages": [
        {"role": "user", "content": [{"type": "text", "text": "Look this up."},
                                     {"type": "image", "source": {"type": "url", "url": "https://x/a.png"}}]},
        {"role": "assistant",
         "content": [{"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": "a"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "42"},
                                     {"type": "document", "source": {"type": "text", "media_type": "text/plain",
                                                                     "data": "notes"}}]},
    ],
    "tools": [{"name": "lookup", "description": "Find things.", "input_schema": SCHEMA},
              {"type": "web_search_20250305", "name": "web_search"}],
    "tool_choice": {"type": "auto", "disable_parallel_tool_use": True},
    "metadata": {"user_id": "u-1"},
    "thinking": {"type": "enabled", "budget_tokens": 2048},
    "stop_sequences": ["END"],
    "top_k": 5,
    "service_tier": "auto",
    "stream": False,
}  # fmt: skip


class _AnyModel(frozenset):
    """Every model name is known: an unknown model is a warning to the validator (it may be newer than us)."""

    def __contains__(self, item: object) -> bool:
        return bool(item)


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-3000, 3000) | st.floats(-2, 2, allow_nan=False) | st.text(max_size=6)
    | st.sampled_from(["text", "image", "tool_use", "ephemeral", "auto", "object", "enabled", "user", "base64"]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["type", "text", "x"]), inner, max_size=3),
    max_leaves=6,
)  # fmt: skip


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


def _mutate(params: dict[str, Any], data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(_paths(params)[1:]))
    *parent_path, last = path
    parent: Any = params
    for step in parent_path:
        parent = parent[step]
    action = data.draw(st.sampled_from(["replace", "remove", "add"]))
    if action == "replace" or (action == "remove" and isinstance(parent, list)):
        parent[last] = data.draw(_json)
    elif action == "remove":
        del parent[last]
    elif isinstance(parent, dict):
        parent[data.draw(st.sampled_from(["extra", "name", "source", "content", "ttl", "display"]))] = data.draw(_json)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_params_are_accepted_or_located_and_the_emulator_agrees(data: st.DataObject) -> None:
    params = copy.deepcopy(RICH)
    for _ in range(data.draw(st.integers(1, 2))):
        _mutate(params, data)
    errors, _warnings = params_problems(params, file="f.jsonl", line=7)
    emulator = check_params(params, max_tokens_cap=10**12, known_models=_AnyModel())
    assert all(e.line == 7 and e.field and e.message and e.hint for e in errors), errors
    assert bool(errors) == (emulator is not None), (errors, emulator, params)
    if emulator is not None:
        top = emulator.split(":")[0].split(".")[0]
        assert top in {e.field.removeprefix("params.").split(".")[0] for e in errors}, (errors, emulator)


def test_the_rich_request_itself_is_valid() -> None:
    assert params_problems(RICH, file="f", line=1)[0] == []
    assert check_params(RICH, max_tokens_cap=300_000, known_models=_AnyModel()) is None
