"""canonical_params_json / params_hash identify equal params whatever their key order."""

from __future__ import annotations

import hashlib
import json
import re

from hypothesis import given
from hypothesis import strategies as st

from batchtui.core.inputs import canonical_params_json, params_hash
from batchtui.core.inputs.custom_ids import CUSTOM_ID_PATTERN, custom_id_errors

PARAMS = {"model": "claude-sonnet-4-5", "max_tokens": 10, "messages": [{"role": "user", "content": "Grüße"}]}


def test_canonical_form() -> None:
    assert canonical_params_json(PARAMS) == (
        '{"max_tokens":10,"messages":[{"content":"Grüße","role":"user"}],"model":"claude-sonnet-4-5"}'
    )


def test_hash_is_sha256_of_canonical_utf8() -> None:
    expected = hashlib.sha256(canonical_params_json(PARAMS).encode("utf-8")).hexdigest()
    assert params_hash(PARAMS) == expected
    assert len(expected) == 64


def test_hash_differs_when_content_differs() -> None:
    other = {**PARAMS, "max_tokens": 11}
    assert params_hash(other) != params_hash(PARAMS)


def test_hash_survives_lone_surrogate() -> None:
    assert len(params_hash({"messages": [{"content": "\ud83d"}]})) == 64


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_key_order_does_not_matter(params: dict) -> None:
    reordered = dict(reversed(list(params.items())))
    assert canonical_params_json(reordered) == canonical_params_json(params)
    assert params_hash(reordered) == params_hash(params)
    assert json.loads(canonical_params_json(params)) == params


@given(st.from_regex(CUSTOM_ID_PATTERN, fullmatch=True))
def test_every_pattern_match_is_accepted(cid: str) -> None:
    assert custom_id_errors(cid, file="f", line=1) == []


@given(st.text(max_size=80).filter(lambda s: not re.fullmatch(CUSTOM_ID_PATTERN, s)))
def test_every_non_match_is_rejected_with_a_reason(cid: str) -> None:
    errors = custom_id_errors(cid, file="f", line=1)
    assert errors
    assert all(e.field == "custom_id" and e.hint for e in errors)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_agrees_with_the_store_hash(params: dict) -> None:
    # core.models has its own params_hash for the store; a request must hash the same on both sides.
    from batchtui.core.models import params_hash as store_hash

    assert params_hash(params) == store_hash(params)
