"""batchtui's validator and the emulator agree, file by file, on the hostile corpus: what the validator refuses the
emulator answers as the API does (an `errored` result with invalid_request_error, or a 400 on create), naming the
same field; what it accepts, the emulator runs. The requests go through the real SDK, bypassing the validator."""

from __future__ import annotations

import json

import anthropic
import pytest

from batchtui.core.inputs import validate_file
from batchtui.core.inputs.validate import validate_requests
from batchtui.emulator import Emulator
from tests.core.hostile_corpus import EDGE_VALID, Case, cases, write_corpus
from tests.emulator._support import finish

# Sent to the emulator: every case it can be sent as (None: not even JSON), below 1 MB (the 100,001-request file is
# covered by tests/emulator/test_large_batch.py).
SENDABLE = [c for c in cases() if c.api is not None and len(c.data) < 1_000_000]


def _items(case: Case) -> list[dict]:
    if case.name.endswith(".json"):
        return json.loads(case.data)
    return [json.loads(line) for line in case.data.splitlines() if line.strip()]


def _api_path(field: str) -> str:
    """The validator's field as the API names it (no `params.` prefix: the API reports paths inside params)."""
    return field.removeprefix("params.")


def test_params_problems_come_back_errored_on_the_same_field(
    batch_emulator: Emulator, client: anthropic.Anthropic, tmp_path
) -> None:
    errored = [c for c in SENDABLE if c.api == "errored"]
    assert len(errored) >= 90
    write_corpus(tmp_path)
    requests, expected = [], {}
    for n, case in enumerate(errored):
        report = validate_file(tmp_path / case.name)
        assert [e.field for e in report.errors] == [case.field], case.name
        for item in _items(case):
            cid = f"{item['custom_id']}-{n}"
            requests.append({**item, "custom_id": cid})
            expected[cid] = case if item["custom_id"] != "ok-1" else None
    batch = client.messages.batches.create(requests=requests)
    finish(batch_emulator)
    got = {r.custom_id: r.result for r in client.messages.batches.results(batch.id)}
    disagree = []
    for cid, case in expected.items():
        result = got[cid]
        if case is None:
            if result.type != "succeeded":
                disagree.append(f"{cid}: a valid request came back {result.type}")
            continue
        if result.type != "errored" or result.error.error.type != "invalid_request_error":
            disagree.append(f"{case.name}: the validator refuses it, the emulator answered {result.type}")
            continue
        message = result.error.error.message
        top = _api_path(case.field).split(".")[0]
        if not message.startswith(top):
            disagree.append(f"{case.name}: validator names {case.field}, the emulator said {message!r}")
    assert not disagree, "\n".join(disagree)


@pytest.mark.parametrize("case", [c for c in SENDABLE if c.api == "400"], ids=lambda c: c.name)
def test_envelope_problems_are_refused_on_create(
    batch_emulator: Emulator, client: anthropic.Anthropic, case: Case, tmp_path
):
    (tmp_path / case.name).write_bytes(case.data)
    assert [e.field for e in validate_file(tmp_path / case.name).errors] == [case.field]
    with pytest.raises(anthropic.BadRequestError) as refused:
        client.messages.batches.create(requests=_items(case))
    message = refused.value.body["error"]["message"]
    assert message.startswith("requests."), message
    assert case.field is not None and f".{case.field}" in message.split(":")[0], (case.field, message)
    assert client.messages.batches.list().data == []


def test_what_the_validator_accepts_the_emulator_runs(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    requests = [request for _, request in EDGE_VALID]
    report = validate_requests(requests)
    assert report.ok, report.error_lines()
    batch = client.messages.batches.create(requests=requests)
    finish(batch_emulator)
    results = {r.custom_id: r.result for r in client.messages.batches.results(batch.id)}
    failed = {cid: r.error.error.message for cid, r in results.items() if r.type != "succeeded"}
    assert not failed
    assert len(results) == len(EDGE_VALID)


def test_both_know_the_same_params_keys() -> None:
    from batchtui.core.inputs.params_fields import KNOWN_KEYS
    from batchtui.emulator.params_rules import PARAMS_KEYS

    assert KNOWN_KEYS == PARAMS_KEYS
